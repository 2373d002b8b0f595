"""Text clean-up before parsing: width, script, emoji, whitespace and trailing punctuation."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.nlp.lexicon import ENGLISH_PHRASES, PINYIN_COMMANDS, TYPO_FIXES, WECHAT_EMOTICONS, WECHAT_FACE_CODES

# WeChat sends its built-in faces as "[微笑]" text; only the known names are stripped so a
# title in square brackets survives.
_EMOTICON_RE = re.compile(r"\[(?:" + "|".join(re.escape(e) for e in WECHAT_EMOTICONS) + r")\]", re.IGNORECASE)
# WeChat's older face codes typed or pasted as text: "/:strong", "/:rose", "/::)", "/:8-)". Known codes
# only (longest first), so "1/2" or a URL keeps its slash; then any other "/:word" or "/::x".
_FACE_CODE_RE = re.compile("|".join(re.escape(c) for c in sorted(WECHAT_FACE_CODES, key=len, reverse=True))
                           + r"|/:[A-Za-z]{2,10}\b|/::[^\s\w]{1,2}", re.IGNORECASE)
# Keycaps ("2️⃣" = digit, VS16, U+20E3) and circled numbers ("②", "⑩", "❸") are one number each; a
# space keeps "①③" as two numbers once NFKC has made digits of them.
_KEYCAP_RE = re.compile("([0-9#*])\ufe0f?\u20e3")
_CIRCLED = {**{chr(0x2460 + i): i + 1 for i in range(20)}, **{chr(0x2776 + i): i + 1 for i in range(10)},
            **{chr(0x2780 + i): i + 1 for i in range(10)}, **{chr(0x278A + i): i + 1 for i in range(10)},
            **{chr(0x24F5 + i): i + 1 for i in range(10)}, "⓪": 0, "⓿": 0}
_CIRCLED_RE = re.compile("[" + "".join(sorted(_CIRCLED)) + "]")
_SPACE_RE = re.compile(r"\s+")
# Voice input ends sentences with 。, people add ！！ or ~~; none of it carries meaning. Stripped with
# str.rstrip: a regex "[…]+$" rescans every run of them that is not at the end (O(n²)).
_TRAILING_CHARS = "。.!！?？~～…,，、;；:： "  # whitespace is a single space by then
_LEADING_RE = re.compile(r"^[。.!！~～…,，、;；:：\s]+")


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    """Load OpenCC's traditional→simplified tables once, on first use."""
    from opencc import OpenCC

    return OpenCC("t2s")


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    if 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0xFE00 <= cp <= 0xFE0F or cp in (0x200D, 0x20E3):
        return True
    return unicodedata.category(ch) in ("So", "Cs", "Co") and cp != 0xE000


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified ones (no-op for plain simplified text)."""
    if text.isascii():
        return text
    return _converter().convert(text)


def normalise(text: str) -> str:
    """Return the message in one canonical form: NFKC, simplified, no emoji or face codes, single spaces.

    Keycaps and circled numbers become plain digits with a space either side ("第②本" → "第 2 本").
    """
    text = _KEYCAP_RE.sub(lambda m: f" {m.group(1)} ", text)
    text = _CIRCLED_RE.sub(lambda m: f" {_CIRCLED[m.group()]} ", text)
    text = unicodedata.normalize("NFKC", text)
    text = _EMOTICON_RE.sub(" ", text)
    text = _FACE_CODE_RE.sub(" ", text)
    text = "".join(" " if _is_emoji(ch) else ch for ch in text)
    text = to_simplified(text)
    text = _SPACE_RE.sub(" ", text).strip()
    text = _LEADING_RE.sub("", text)
    return text.rstrip(_TRAILING_CHARS)


def is_only_question_mark(text: str) -> bool:
    """True for a message that is just "?" or "？？" (people asking what the bot does)."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    return bool(stripped) and set(stripped) <= {"?"}


def normalise_light(text: str) -> str:
    """NFKC and single spaces only: the message as written, for free text the bot passes on."""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


_TYPO_RE = re.compile("|".join(re.escape(k) for k in sorted(TYPO_FIXES, key=len, reverse=True)))
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_ENGLISH_PHRASE = re.compile(r"(?<![A-Za-z'’])(?:" + "|".join(re.escape(p) for p in sorted(ENGLISH_PHRASES, key=len, reverse=True))
                             + r")(?![A-Za-z'’])", re.IGNORECASE)
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
# "S 30277", "1000 0141": a code typed with a space in it is one code.
# Also in several groups as the digits are read off a label: "S 2021 0088", "b 000 356", "B000 733",
# "s30 309"; digits alone in groups of three or more ("1000 0892"). 4–9 digits in all, as codes are:
# a phone number (11) or a date in two-digit groups never joins.
# A group joins only a code still too short to be whole (≤ 4 digits so far) and only with 3+ digits:
# "B000356 10 号", "S30277 12 本", "25 元" are a code and a count, a day or money.
_SPLIT_LETTER_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2}) ?(\d{2,4}(?: \d{3,5})+|\d{2,9})(?![A-Za-z0-9])")
_SPLIT_DIGIT_CODE = re.compile(r"(?<![A-Za-z0-9])\d{3,4}(?: \d{3,5})+(?![A-Za-z0-9])")
# Two codes typed with no space between them ("b000145s30122"): a book's and a card's.
_GLUED_CODES = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2}\d{4,})(?=[A-Za-z]{1,2}\d{4,}(?![A-Za-z0-9]))")
# An ISBN-13 written with hyphens or spaces ("978-7-5602-2140-3", "978 7 5342 9204 5") is one number.
_SPLIT_ISBN = re.compile(r"(?<![\d-])97[89](?:[- ]?\d){9}[- ]?[\dXx](?![\d-])")
_ISBN_SEPARATORS = re.compile(r"[- ]")
# A code read out digit by digit and written by voice input in Chinese ("S二零二一零六零九", "一零零零零零零三"):
# after a card/barcode letter any run of 4+, alone a run of 6+ (no 十 or 两: read out, not counted).
_SPOKEN_DIGITS = "零〇一二三四五六七八九"
_SPOKEN_CODE = re.compile(rf"(?<![A-Za-z0-9])(?:([A-Za-z]{{1,2}}) ?([{_SPOKEN_DIGITS}]{{4,}})|([{_SPOKEN_DIGITS}]{{6,}}))"
                          rf"(?![{_SPOKEN_DIGITS}十百千万两])")
_DIGIT_OF = str.maketrans("〇零一二三四五六七八九", "00123456789")


def fix_typos(text: str) -> str:
    """Voice/IME slips and pinyin commands ("xujie", "chashu caofangzi") → Chinese keywords."""
    text = _TYPO_RE.sub(lambda m: TYPO_FIXES[m.group()], text)
    if not text.isascii() or " " in text or text.lower() in PINYIN_COMMANDS:
        pinyin_only = text.isascii()
        text = _ENGLISH_PHRASE.sub(lambda m: ENGLISH_PHRASES[m.group().lower()], text)
        text = _LATIN_WORD.sub(lambda m: PINYIN_COMMANDS.get(m.group().lower(), m.group()), text)
        if pinyin_only:
            text = _CJK_GAP.sub("", text)  # "jieyue jilu" → 借阅记录, one word as the rules know it
    return text


def join_codes(text: str) -> str:
    """"S 30277" → "S30277", "1000 0141" → "10000141": codes typed with a space are one code;
    "S二零二一零六零九" → "S20210609": a code read out to voice input."""
    text = _SPOKEN_CODE.sub(lambda m: (m.group(1) or "") + (m.group(2) or m.group(3)).translate(_DIGIT_OF), text)
    text = _SPLIT_ISBN.sub(lambda m: _ISBN_SEPARATORS.sub("", m.group()), text)
    text = _GLUED_CODES.sub(r"\1 ", text)
    text = _SPLIT_LETTER_CODE.sub(_joined, text)
    return _SPLIT_DIGIT_CODE.sub(_joined, text)


def _joined(m: re.Match[str]) -> str:
    """The match without its spaces when its digits number 4–9 (a card or a barcode), else as typed."""
    code = m.group().replace(" ", "")
    return code if 4 <= sum(ch.isdigit() for ch in code) <= 9 else m.group()


def prepare(raw: str) -> str:
    """What both the rules and the intent model read: normalise(), slips fixed, split codes joined."""
    return join_codes(fix_typos(normalise(raw)))
