"""Numbers as people type them: Arabic or Chinese numerals, loan positions and grades."""
from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
CN_NUM = "[零〇一二两俩三四五六七八九十]"
NUM = rf"(?:\d{{1,2}}|{CN_NUM}{{1,3}})"
_SEP = r"(?:\s*(?:、|,|，|和|跟|与|及|以及|还有|/|\+|&|\s)\s*)"
_UNIT = r"(?:本|个|项|条|册|部|号|套)"

# "第1本和第3本", "第一、三本", "第2、4个"
# A Chinese numeral after a separator must end the run, or "第一本和三体" would read 三 as a position.
_NEXT = rf"(?:第\s*{NUM}|\d{{1,2}}|{CN_NUM}{{1,3}}(?=\s*{_UNIT}|[^\u4e00-\u9fff]|$))"
# "三体第二部黑暗森林", "西游记 第三回", "小屁孩日记第10册": 第N部/册/回/集 is part of a title, never a loan position.
_ORDINAL_RUN = re.compile(rf"第\s*(?>{NUM})(?![\d零〇一二两俩三四五六七八九十]|\s*[部卷册集回季期章课])\s*{_UNIT}?(?:{_SEP}{_NEXT}\s*{_UNIT}?)*")
# A message (or what is left of it) made only of positions: "1 3", "1、3", "一和三本"
_BARE_RUN = re.compile(rf"^{NUM}\s*{_UNIT}?(?:{_SEP}{NUM}\s*{_UNIT}?)*$")
_FIRST_N = re.compile(rf"前\s*({NUM})\s*{_UNIT}")
# Counted from the end: "最后一本", "最后那个" → -1; "倒数第二本" → -2 (the handler resolves them).
# "头一本", "头一个" (the first) read as 第一本.
HEAD_FIRST = re.compile(r"头(?=[一1]\s*(?:本|个|项|条|册))")
# Not a time: 最后这个月, 最后一个星期.
_FROM_END = re.compile(rf"(?:倒数\s?第?\s?({NUM})\s?{_UNIT}?|最后(?:边|面)?\s?(?:一|1)?\s?(?:那|这)?\s?{_UNIT}|(?:后边|后面)那\s?{_UNIT})"
                       r"(?!\s?(?:月|星期|礼拜|周|天|学期|晚上|节))")
_NUM_RE = re.compile(NUM)
_SPACES = re.compile(r"\s+")
MAX_POSITION = 50  # nobody has 50 loans; bigger numbers are barcodes, ISBNs or years


def cn_to_int(token: str) -> int | None:
    """Turn "3", "三", "十二", "二十" or "两" into an int; None if it is not a small number."""
    if token.isdigit():
        return int(token)
    if not token or any(ch not in _DIGITS and ch != "十" for ch in token):
        return None
    if "十" not in token:
        if len(token) != 1:
            return None
        return _DIGITS[token]
    head, _, tail = token.partition("十")
    if "十" in tail or len(head) > 1 or len(tail) > 1:
        return None
    tens = _DIGITS[head] if head else 1
    ones = _DIGITS[tail] if tail else 0
    return tens * 10 + ones


def _positions(run: str) -> list[int]:
    values = [cn_to_int(m) for m in _NUM_RE.findall(run)]
    return [v for v in values if v is not None and 1 <= v <= MAX_POSITION]


# "1，2，3都续借", "取消1和2 的预约": two or more Arabic positions in a row, inside a request.
_DIGIT_LIST = re.compile(rf"(?<![0-9A-Za-z.])\d{{1,2}}(?:{_SEP}\d{{1,2}})+\s*{_UNIT}?(?![0-9A-Za-z])")
_OTHERS = re.compile(r"其他|其它|别的|剩下|其余|另外")
_PIECE_SPLIT = re.compile(r"[\s,，;；。]+(?=第)")
# After a mention, these say "not this one": "第二本不用了", "第三本还了", "第一本已经看完了".
_REFUSED = re.compile(r"不用|不要|别|不续|就不|先不|不需要|还了|已经还|看完了|已经看完|读完了|算了|去还|要还|就还|还回去|还书箱|已经放")


def _from_end(text: str) -> list[tuple[int, int, int]]:
    """(start, end, -n) for each position counted from the end: 最后一本 → -1, 倒数第二本 → -2."""
    out = []
    for m in _FROM_END.finditer(text):
        n = cn_to_int(m.group(1)) if m.group(1) else 1
        if n and 1 <= n <= MAX_POSITION:
            out.append((m.start(), m.end(), -n))
    return out


def find_positions(text: str, *, refusals: bool = True) -> tuple[list[int], list[tuple[int, int]]]:
    """Positions the message asks for, leaving out those it refuses ("续借第二本 第五本不用" → [2]).

    Each mention (第…本, 前两本, 最后一本, "1，2，3") is refused when the words after it, up to the next
    mention, say so. Returns the sorted wanted positions and the spans of every mention.
    """
    text = HEAD_FIRST.sub("第", text)  # same length: spans stay valid
    ends = _from_end(text)
    runs: list[tuple[int, int, list[int]]] = [(s, e, [v]) for s, e, v in ends]
    covered = {i for s, e, _ in ends for i in range(s, e)}  # a set: many mentions stay linear
    for m in _ORDINAL_RUN.finditer(text):
        if m.start() in covered:
            continue  # the 第二本 of 倒数第二本
        # "第二本 第五本不用" is two mentions: a space or comma between ordinals starts another one.
        start = m.start()
        for piece in _PIECE_SPLIT.split(m.group()):
            at = text.index(piece, start)
            if values := _positions(piece):
                runs.append((at, at + len(piece), values))
            start = at + len(piece)
    for m in _DIGIT_LIST.finditer(text):
        if not any(s <= m.start() < e for s, e, _ in runs):
            runs.append((m.start(), m.end(), _positions(m.group())))
    m = _FIRST_N.search(text)
    if m and (n := cn_to_int(m.group(1))) and 1 <= n <= MAX_POSITION:
        runs.append((m.start(), m.end(), list(range(1, n + 1))))
    runs.sort()
    wanted: set[int] = set()
    refused: set[int] = set()
    for i, (_, end, values) in enumerate(runs):
        after = text[end:runs[i + 1][0] if i + 1 < len(runs) else len(text)]
        after = _OTHERS.split(after, 1)[0]  # "第三本续一下 其他的要还了": the refusal is about the others
        (refused if refusals and _REFUSED.search(after) else wanted).update(values)
    wanted -= refused
    return sorted(wanted, key=lambda v: (v < 0, v)), [(s, e) for s, e, _ in runs]


def find_indexes(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Every position named in text (sorted, unique), refused or not, and the spans they came from."""
    return find_positions(text, refusals=False)


def bare_indexes(text: str) -> list[int] | None:
    """Positions when text is nothing but numbers ("1 3", "2、4", "一和三"), else None."""
    # One space per gap: _SEP's "\s*…\s\s*" could otherwise split a long run of spaces (left where
    # command words were blanked out) in O(k²) ways before failing.
    stripped = _SPACES.sub(" ", text.strip())
    if not stripped or not _BARE_RUN.match(stripped):
        return None
    values = _positions(stripped)
    return sorted(set(values)) or None
