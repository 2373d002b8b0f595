"""Slot extraction: query, indexes, all, card number and name, grade, topic, barcode, kind, text."""
from __future__ import annotations

import re
from collections.abc import Callable

from bot.nlp.intents import CODE
from bot.nlp.lexicon import FORMAT_TOPICS, LEAD_FILLERS, NOTICE_KINDS, TOPICS, TRAIL_FILLERS
from bot.nlp.numerals import CN_NUM, cn_to_int, find_positions

Tokenize = Callable[[str], list[str]]
MASK = "\ue000"  # stands for one protected title/author inside the masked text

# Command words removed anywhere before the query is cut out of what is left.
_COMMAND_WORDS = sorted((
    "取消预约", "取消预定", "取消预订", "撤销预约", "不要预约", "不想预约", "不用预约", "预约", "预定", "预订",
    "续借", "续期", "续订", "续一下", "续一续", "帮我续", "给我续", "延期", "延长", "再借一周", "再借一个星期",
    "再借几天", "再借一段时间", "多借几天", "查询", "查找", "检索", "搜索", "搜一下", "搜搜", "查一下", "查查",
    "找找", "找一下", "查书", "找书", "搜书", "查一查", "找一找", "有没有", "在不在馆", "在不在", "还有吗",
    "还有没有", "在馆吗", "馆藏", "索书号", "哪里有", "哪儿有", "想借", "想看", "要借", "借一本", "我要借",
    "续了", "到期了", "快到期了", "要到期了", "借完了", "被借走了", "被借光了", "不要了", "算了", "isbn", "全部",
    "所有的书", "所有", "都", "全都", "每本", "一起", "借阅", "能不能", "可不可以", "可以吗", "能借吗",
    "借不到", "没有了", "想读", "要看", "推荐", "一周", "一个星期", "几天", "还回来了", "回来了", "还回来",
    "通知我", "告诉我", "提醒我", "叫我", "一声", "取消掉", "取消", "撤销", "删掉", "退掉",
    # Holds given up in everyday words (the cancellation's own words, never a title).
    "不用等了", "不等了", "别给我留了", "别帮我留了", "不用给我留了", "不要给我留了", "别留了", "不用留了", "不要留了",
    "不排队了", "不排了", "退掉排队", "划掉", "去掉", "喊我", "排上", "我也要排", "扣下",
), key=len, reverse=True)
_COMMAND_RE = re.compile("|".join(re.escape(w) for w in _COMMAND_WORDS), re.IGNORECASE)
_SEGMENT_SPLIT = re.compile(r"[\s,，、;；:：!！?？。]+")
_LEAD = sorted(LEAD_FILLERS + ("查", "找", "搜", "续", "借", "有", "有关于", "关于", "借阅", "的"), key=len, reverse=True)
_TRAIL = sorted(TRAIL_FILLERS, key=len, reverse=True)


def _by_char(words: list[str], index: int) -> dict[str, tuple[str, ...]]:
    """Words grouped by their first (index 0) or last (-1) character, longest first as in words."""
    out: dict[str, list[str]] = {}
    for word in words:
        out.setdefault(word[index], []).append(word)
    return {ch: tuple(ws) for ch, ws in out.items()}


# Only fillers that start (end) with the segment's first (last) character can match: one dict
# look-up per peeled filler instead of trying all ~90 of them.
_LEAD_BY_FIRST = _by_char(_LEAD, 0)
_TRAIL_BY_LAST = _by_char(_TRAIL, -1)
_AUTHOR_OF = re.compile(r"^(.{2,8}?)(?:写的|著的|编的|老师写的|的作品|的著作|的小说|作品)")
_ABOUT = re.compile(r"^(.{2,10}?)(?:的|(?<![分人鸟种门归])类的|方面的|相关的|之类的|有关的)(?:科普|科幻|历史|儿童|课外|图画|漫画)?"
                    r"(?:书|书籍|绘本|小说|读物|故事|图书)$")
# The content excludes the opening mark too: an unclosed 《 then stops at the next 《 instead of
# scanning to the end for every one of them (O(n²) on "《《《…").
_BRACKETS = re.compile(r"《([^《》]+)》|“([^“”]+)”|\"([^\"]+)\"|「([^「」]+)」|『([^『』]+)』|【([^【】]+)】|‘([^‘’]+)’")
_ALL_RE = re.compile(r"全部|所有|全都|都|统统|通通|一起|每一?本|两本都|全续|全(?:取消|撤|删|退)")
_CODE_RE = re.compile(CODE)
_CARD_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{0,3}\d{3,}[A-Za-z0-9]*)(?![A-Za-z0-9])")
_NAME_NOISE = re.compile(
    r"绑定|借书证|借阅证|读者证|图书证|借书卡|借阅卡|证号|卡号|学号|工号|号码|编号|姓名|名字|我是|我家|孩子|学生|宝贝"
    r"|女儿|儿子|家长|请|帮我|我要|给我|一下|我的|叫做|叫|是|的|号|证|卡|和|老师的|关联|登记|绑|[A-Za-z0-9]")
_NAME_RE = re.compile(r"[\u4e00-\u9fff·]{2,5}")
_GRADE_RE = re.compile(rf"(\d|{CN_NUM})\s*年级|初\s*([一二三123])|(\d{{1,2}}|{CN_NUM}{{1,3}})\s*岁"
                       rf"|(?<![\d])(\d)0?\d\s*班|(\d|{CN_NUM})\s*年\s*(?:\d|{CN_NUM})\s*班|({CN_NUM}|\d)\s*[(（]\s*\d{{1,2}}\s*[)）]\s*班")
# "三年级二班", "初二(5)班", "三(2)班", "4年1班", "302班" / "603班" (grade digit, then the class number).
_CLASS_RE = re.compile(rf"(?:年级|初[一二三])\s*(\d{{1,2}}|{CN_NUM}{{1,3}})\s*班|[(（](\d{{1,2}})[)）]\s*班"
                       rf"|(?:\d|{CN_NUM})\s*年\s*(\d{{1,2}}|{CN_NUM}{{1,3}})\s*班|(?<!\d)[1-9]0?([1-9]|1\d)\s*班")
_TOPIC_RE = re.compile("|".join(re.escape(t) for t in sorted(TOPICS, key=len, reverse=True)))
_KIND_RE = re.compile("|".join(re.escape(k) for k in sorted(NOTICE_KINDS, key=len, reverse=True)))
_ACTIVITY_PREFIX = re.compile(r"^.*?(?:发布|发一?个|发送|新建|创建)(?:一个|一条)?(?:读书|阅读)?活动[\s:：,，]*")


def bracketed(text: str) -> list[str]:
    """Contents of 《》, quotes and 【】 in order of appearance (people mark titles that way)."""
    return [next(g for g in m.groups() if g is not None).strip() for m in _BRACKETS.finditer(text)]


# jieba decides whether a character is a word from its neighbours. A segment up to this long is
# re-read whole at each step (exactly as jieba sees it); a longer one through a window of this
# size at the edge, re-read only when fewer than _MIN_CONTEXT characters of it are left, so peeling
# n fillers costs O(n) instead of re-segmenting the whole text for each one (O(n²)).
_TOKEN_WINDOW = 24
_MIN_CONTEXT = 8


class _EdgeWords:
    """The first and last jieba word of seg[start:end] while fillers are peeled off both ends."""

    def __init__(self, seg: str, tokenize: Tokenize) -> None:
        self.seg, self.tokenize = seg, tokenize
        self.head: tuple[int, list[str]] | None = None  # (start, words from start on, reversed)
        self.tail: tuple[int, list[str]] | None = None  # (end, words up to end)

    def first(self, start: int, end: int) -> str:
        if end - start <= _TOKEN_WINDOW:
            return self.tokenize(self.seg[start:end])[0]
        if self.head is None or self.head[0] != start or sum(map(len, self.head[1])) < _MIN_CONTEXT:
            self.head = (start, self.tokenize(self.seg[start:start + _TOKEN_WINDOW])[::-1])
        return self.head[1][-1]

    def last(self, start: int, end: int) -> str:
        if end - start <= _TOKEN_WINDOW:
            return self.tokenize(self.seg[start:end])[-1]
        if self.tail is None or self.tail[0] != end or sum(map(len, self.tail[1])) < _MIN_CONTEXT:
            self.tail = (end, self.tokenize(self.seg[end - _TOKEN_WINDOW:end]))
        return self.tail[1][-1]

    def peeled_front(self, old: int, new: int) -> None:
        """start moved from old to new: drop those words from the cached head, if they align."""
        self.head = _drop(self.head, old, new - old)

    def peeled_back(self, old: int, new: int) -> None:
        """end moved from old to new: drop those words from the cached tail, if they align."""
        self.tail = _drop(self.tail, old, old - new, back=True)


def _drop(cache: tuple[int, list[str]] | None, at: int, count: int,
          back: bool = False) -> tuple[int, list[str]] | None:
    if cache is None or cache[0] != at:
        return None
    words, gone = cache[1], 0
    while words and gone < count:
        gone += len(words.pop())
    if gone != count:  # the peeled text ended inside a word: read the window again next time
        return None
    return (at - count if back else at + count), words


def _strip_edges(seg: str, tokenize: Tokenize, *, trail: bool = True) -> str:
    """Peel fillers off both ends; a one-character filler only goes when jieba sees it as a word.

    Linear in the segment: indexes instead of slices, jieba asked about a bounded window (see
    _EdgeWords).
    """
    edges = _EdgeWords(seg, tokenize)
    start, end = 0, len(seg)
    changed = True
    while start < end and changed:
        changed = False
        for word in _LEAD_BY_FIRST.get(seg[start], ()):
            if seg.startswith(word, start, end) and end - start > len(word):
                if word == "我" and seg.startswith("我的", start, end):
                    continue  # "我的妈妈是精灵" is a title; "我的借阅" never reaches a query
                if len(word) == 1 and edges.first(start, end) != word:
                    continue
                old, start = start, start + len(word)
                while start < end and seg[start].isspace():
                    start += 1
                edges.peeled_front(old, start)
                changed = True
                break
        for word in _TRAIL_BY_LAST.get(seg[end - 1], ()) if trail and start < end else ():
            if seg.endswith(word, start, end) and end - start > len(word):
                if len(word) == 1 and edges.last(start, end) != word:
                    continue
                old, end = end, end - len(word)
                while end > start and seg[end - 1].isspace():
                    end -= 1
                edges.peeled_back(old, end)
                changed = True
                break
    seg = seg[start:end]
    if seg in _LEAD or seg in _TRAIL:
        return ""
    return seg


def extract_query(masked: str, brackets: list[str], hits: list[str], tokenize: Tokenize,
                  reject: re.Pattern[str] | None = None, authors: frozenset[str] = frozenset(),
                  heads: frozenset[str] = frozenset()) -> str | None:
    """The title, author, keyword or ISBN the user means, without command words and fillers.

    reject: free-text segments it matches are not candidates (clauses like "孩子已经买了" for an action).
    authors: catalogue terms that are authors (lower case); a title found beside its author wins over it
    ("续借女巫 罗尔德达尔那本" → 女巫), then the longer term.
    heads: authors and series (lower case); words right after one, in its segment or the next, that read
    as a title are that author's or series' book ("续借神奇校车海底探险", "沈石溪 残狼灰满").
    """
    if brackets:  # the user marked it: trust that over everything else
        return brackets[0]
    rest = strip_commands(masked, tokenize)
    if hits:  # catalogue terms found by jieba: the title around them, else the longest
        return _around_hits(rest, hits, tokenize, reject, heads, authors) \
            or max(hits, key=lambda h: (h.lower() not in authors, len(h)))
    best, best_marked = "", False
    for seg in _SEGMENT_SPLIT.split(rest):
        # "曹文轩写的书", "关于宇宙的科普书": the author or subject is the query
        marked = False
        head = _strip_edges(seg.strip(), tokenize, trail=False)
        head = head.rstrip("吗呢吧么")  # a regex "(?:吗|…)+$" would rescan long runs: O(n²)
        if (m := _AUTHOR_OF.match(head)) or (m := _ABOUT.match(head)):
            seg, marked = m.group(1), True
        seg = _strip_edges(seg.strip(), tokenize)
        if (m := _AUTHOR_OF.match(seg)) or (m := _ABOUT.match(seg)):
            seg, marked = _strip_edges(m.group(1), tokenize), True
        if re.fullmatch(r"[\d\s、,，和第本个]*", seg) and not re.search(r"\d{3}", seg):  # positions
            continue
        if reject is not None and reject.search(seg):
            continue
        # A segment that names its book ("关于心理健康教育的书") beats a longer clause ("给学生上班会用").
        if (marked, len(seg)) > (best_marked, len(best)) and seg:
            best, best_marked = seg, marked
    if not best:
        return None
    return best.lower() if best.isascii() else best


# What may follow a catalogue title and still be its name: a volume ("三体2黑暗森林", "三体第二部黑暗森林").
_VOLUME = re.compile(r"(\d{1,2}|第[\d一二三四五六七八九十]{1,3}[部册卷集季本]|[ⅰⅱⅲⅳⅴivx]{1,3}|[上中下][册部]?|之)"
                     # the title's words, up to a request ("三体2黑暗森林帮我占一本" → 三体2黑暗森林)
                     r"(?:(?!帮|给我|请|麻烦|我想|想|要|借|预约|占|留|续|还有|有没有|不是|吗|呢|吧)[\u4e00-\u9fff\w·]){0,16}",
                     re.IGNORECASE)


# A book's own title after its author or series: words only, none a request ("神奇校车海底探险", not
# "神奇校车帮我占一本").
_REQUEST_WORDS = (r"帮|给我|请|麻烦|我想|想要|要|借|预约|占|留|续|还|有没|不是|吗|呢|吧|的书|那本|这本|那套"
                  r"|好看|怎么样|好不好|写|多少|几本|什么|哪些|推荐|说|看|在|滴|你们|我们|孩子|宝|他|她|吵|爱|问|找|有人")
_OWN_TITLE = re.compile(rf"(?!的)(?:(?!{_REQUEST_WORDS})[\u4e00-\u9fff·]){{3,14}}")
_REQUEST_WORD = re.compile(_REQUEST_WORDS)
_TITLE_CHARS = re.compile(r"(?!的)[\u4e00-\u9fff·]{3,14}")


def _own_title(text: str, tokenize: Tokenize) -> bool:
    """_OWN_TITLE, or a run whose request-like words all sit inside longer jieba words: 寻找黑骑士 (寻找, not
    找) is a title; 帮我占一本 is not."""
    if _OWN_TITLE.fullmatch(text):
        return True
    if not _TITLE_CHARS.fullmatch(text):
        return False
    bounds, pos = {0}, 0
    for token in tokenize(text):
        pos += len(token)
        bounds.add(pos)
    return not any(m.start() in bounds and m.end() in bounds for m in _REQUEST_WORD.finditer(text))


# An author's collected works named after them: "陶行知教育文集", "叶圣陶的教育文集", "鲁迅全集".
_COLLECTION = re.compile(r"的?[\u4e00-\u9fff]{0,6}?(?:文集|全集|选集|作品集|论集|名篇|诗集|故事集|童话集|散文集|作品选|精选集?)")


def strip_commands(masked: str, tokenize: Tokenize) -> str:
    """masked without command words; one that would end inside a word keeps that word whole.

    "查查理九世": jieba reads 查/查理/九世, so only the first 查 is a command and the title keeps its 查.
    """
    ends: set[int] | None = None
    parts: list[str] = []
    last = 0
    for m in _COMMAND_RE.finditer(masked):
        start, end = m.span()
        if ends is None:
            ends, pos = {0}, 0
            for tok in tokenize(masked):
                pos += len(tok)
                ends.add(pos)
        if end not in ends and start in ends:
            inner = [b for b in ends if start < b < end]
            if inner:
                end = max(inner)
        parts.append(masked[last:start])
        parts.append(" ")
        parts.append(masked[end:m.end()] if end < m.end() else "")
        last = m.end()
    parts.append(masked[last:])
    return "".join(parts)


def _around_hits(rest: str, hits: list[str], tokenize: Tokenize, reject: re.Pattern[str] | None,
                 heads: frozenset[str] = frozenset(), authors: frozenset[str] = frozenset()) -> str | None:
    """The query when catalogue terms were found: "作者的书名" → the title after 的 ("苏霍姆林斯基的给教师的
    建议"), a term followed by its volume → both ("三体第二部黑暗森林"), an author or series followed by a
    title of its own → that book ("神奇校车海底探险", "沈石溪 残狼灰满"); else None (the caller takes a term)."""
    best, seen = "", 0
    lone_head = ""  # the previous segment was only an author or a series: its book's title may follow
    for seg in _SEGMENT_SPLIT.split(rest):
        count = seg.count(MASK)
        if not count:
            core = _strip_edges(seg.strip(), tokenize)
            if lone_head and _own_title(core, tokenize) and not (reject is not None and reject.search(core)):
                candidate = core if lone_head.lower() in authors else f"{lone_head} {core}"
                best = candidate if len(candidate) > len(best) else best
            lone_head = ""
            continue
        own = hits[seen:seen + count]
        seen += count
        core = _strip_edges(seg.strip(), tokenize)
        lone_head = own[0] if core == MASK and len(own) == 1 and own[0].lower() in heads else ""
        if not core.startswith(MASK) or len(own) != count:
            continue
        tail = core[1:]
        after = tail[1:]
        if count == 1 and (m := _COLLECTION.match(tail)):
            candidate = own[0] + m.group()  # "陶行知教育文集还要备课用", "叶圣陶的教育文集": the author's collection
        elif tail.startswith("的") and after == MASK and count == 2:
            candidate = own[1]
        elif tail.startswith("的") and after in TOPICS:
            candidate = own[0]  # "沈石溪的动物小说": the author's books of a kind; search the author
        elif tail.startswith("的") and len(after) >= 2 and MASK not in after:
            candidate = after
        elif tail and count == 1 and own[0].lower() in heads and _own_title(tail, tokenize) \
                and not (reject is not None and reject.search(tail)):
            candidate = tail if own[0].lower() in authors else own[0] + tail  # "续借神奇校车海底探险"
        elif tail and count == 1 and (m := _VOLUME.match(tail)) and (m.end() == len(tail) or reject is not None):
            # "三体2不是我要的": the volume belongs to the title, the clause after it does not
            candidate = own[0] + (m.group(1) if reject is not None and reject.search(tail[:m.end()]) else m.group())
        else:
            candidate = ""
        if len(candidate) > len(best):
            best = candidate
    return best or None


def extract_indexes(text: str, *, refusals: bool = True) -> tuple[list[int], str]:
    """Loan positions wanted (refused ones left out) and the text with every mention blanked out.

    refusals=False counts every mention: for a cancellation "最后一个预约不要了" names the one to cancel.
    """
    found, spans = find_positions(text, refusals=refusals)
    return found, blank_spans(text, spans, " ")


def blank_spans(text: str, spans: list[tuple[int, int]], filler: str) -> str:
    """text with each (start, end) span replaced by filler, in one pass (spans in order, disjoint)."""
    parts: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start < last:  # overlapping mentions ("前两本" inside a run): the earlier one already went
            start = last
        parts.append(text[last:start])
        parts.append(filler)
        last = max(last, end)
    parts.append(text[last:])
    return "".join(parts)


def wants_all(text: str) -> bool:
    """True for 全部/所有/都 ("续借全部", "所有的书都续借")."""
    return bool(_ALL_RE.search(text))


_CLASS_MENTION = re.compile(rf"(?:[\d{CN_NUM[1:-1]}]{{1,2}}\s*年级|初[一二三123])\s*(?:[\d{CN_NUM[1:-1]}]{{1,3}}\s*班)?(?:的)?"
                            r"|[\d]{1,3}\s*班(?:的)?|[(（]\d{1,2}[)）]\s*班")
_RELATIVE = r"(?:妈妈|爸爸|妈咪|爹地|家长|爷爷|奶奶|外公|外婆|姥姥|姥爷|妈|爸)"
_OWNER = re.compile(rf"([\u4e00-\u9fff]{{2,4}}?)(?:的)?{_RELATIVE}")
_KIN = r"(?:儿子|女儿|孙子|孙女|外孙女?|孩子|学生|老大|老二|娃)"
# A name said outright ("他叫蒋天佑", "名字是林语桐") is surer than one right after a kin word
# ("外孙绑证" is no one): the outright cues are tried first.
_NAMED = re.compile(rf"(?:{_KIN}\s*(?:的?名字|的?姓名)?\s*(?:叫做|叫|是)|叫做|叫|名字(?:是|叫)?"
                    r"|姓名(?:是|叫)?|班主任|老师是)\s*[:：]?\s*([\u4e00-\u9fff]{2,4})")
_KIN_NAMED = re.compile(rf"{_KIN}\s*(?:的?名字|的?姓名)?\s*[:：]?\s*([\u4e00-\u9fff]{{2,4}})")
# What follows a name said after its cue ("叫李梦瑶谢谢", "叫刘洋今年九岁", "叫王明同学"): never the name.
_NAME_TAIL = re.compile(r"(?:谢谢|谢|麻烦|哈|啊|呀|呢|吧|哦|的|现在|今年|同学|小朋友|已经|今天|在读|在|是)+$")
# The most common Han surnames (about 85% of people; 第七次全国人口普查 surname ranking, top 100 and the
# next few dozen): where a name said before its cue starts, when a word is glued on before it.
_COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
# Han names are two or three characters; four only with one of these.
_COMPOUND_SURNAMES = frozenset("欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 夏侯 令狐 端木 长孙 宇文 司徒 "
                               "澹台 西门 南宫 轩辕 万俟 独孤 呼延 申屠 钟离 闻人 赫连".split())
_NOT_NAMES = re.compile(r"新生|绑|在这|这里|奶奶|爷爷|妈妈|爸爸|外公|外婆|叫|谢谢|麻烦|帮忙|您好|你好|老师|微信|一下|绑定|借书|借阅|孩子|我们|^想|想要|想绑|想借|这个|那个|谁|要|的|了|吗|呢|吧|上|他|她"
                        r"|班主任|学校|家长|卡号|证号|号码|关联|一个|第二|两个|老大|老二|都"
                        # words around a binding that are no one's name ("换卡了 重新绑定 S30999")
                        r"|重新|再次|退出|新学期|学期|现在|刚才|已经|还是|换|请|帮|给|用|把|新的|以前|原来|之前")


def _trim_name(name: str, *, before_cue: bool) -> str:
    """A cue's 2–4 characters cut to the name. After a cue ("叫…") words that follow names go; before
    one ("…的妈妈") a word glued on before the name goes: the name starts at the longest suffix that
    starts with a common surname ("新生王明" → 王明, "生马天宇" → 马天宇). Four characters stay only with
    a compound surname."""
    if before_cue:
        if len(name) == 4 and name[:2] not in _COMPOUND_SURNAMES:
            return next((name[i:] for i in (1, 2) if name[i] in _COMMON_SURNAMES), name[1:])
        return name
    name = _NAME_TAIL.sub("", name) if len(name) > 2 else name
    if len(name) == 4 and name[:2] not in _COMPOUND_SURNAMES:
        return name[:3]
    return name


def _plausible_name(word: str) -> bool:
    if re.fullmatch(r"[\u4e00-\u9fff]老师", word):  # "张老师" is how a teacher names themself
        return True
    return 2 <= len(word) <= 4 and not _NOT_NAMES.search(word)


def extract_bind(text: str) -> dict[str, str]:
    """Card number (upper-cased) and the card holder's name for binding.

    The name comes from a cue first ("李子轩的妈妈", "我是高俊豪奶奶", "叫郭雨萱", "名字 林语桐", "班主任陈静"),
    with the class ("五年级三班") removed so it is never read as part of the name; else from what is left.
    """
    slots: dict[str, str] = {}
    # "验证码是123456" names the code, never the card: look for the card elsewhere.
    m = _CARD_RE.search(re.sub(r"验证码\s*[是为:：]?\s*\d{4,8}", " ", text))
    if m:
        slots["card_no"] = m.group(1).upper()
        text = text.replace(m.group(1), " ", 1)
    text = _CLASS_MENTION.sub(" ", text)
    for cue in (_OWNER, _NAMED, _KIN_NAMED):
        for found in cue.finditer(text):
            name = re.sub(r"^(?:我是|是|我家|娃是|我家娃是)", "", found.group(1))
            name = _trim_name(name, before_cue=cue is _OWNER)
            if _plausible_name(name):
                slots["name"] = name
                return slots
    # "张红梅老师" is 张红梅; "张老师" stays as it is (how a teacher names themself).
    found = [n[:-2] if n.endswith("老师") and len(n) > 3 else n for n in _NAME_RE.findall(_NAME_NOISE.sub(" ", text))]
    names = [n for n in found if _plausible_name(n)]
    if names:
        slots["name"] = names[-1]
    return slots


def extract_grade(text: str) -> int | None:
    """School grade 1–9 (初一…初三 → 7…9; an age of 7–15 → its usual grade); None for 高中."""
    if re.search(r"高[一二三中]", text):
        return None
    m = _GRADE_RE.search(text)
    if not m:
        return None
    if m.group(1):
        grade = cn_to_int(m.group(1))
    elif m.group(2):
        grade = {"一": 7, "二": 8, "三": 9, "1": 7, "2": 8, "3": 9}[m.group(2)]
    elif m.group(3):
        age = cn_to_int(m.group(3))
        grade = age - 6 if age is not None else None
    else:  # "402班", "2年1班", "五(3)班": the grade leads the class number
        grade = cn_to_int(m.group(4) or m.group(5) or m.group(6))
    return grade if grade is not None and 1 <= grade <= 9 else None


def extract_class_no(text: str) -> int | None:
    """Class number within a grade ("三年级二班" → 2)."""
    m = _CLASS_RE.search(text)
    if not m:
        return None
    return cn_to_int(next(g for g in m.groups() if g))


def extract_topic(text: str) -> str | None:
    """A recommendation topic from the vocabulary; a subject wins over a format (恐龙绘本 → 恐龙)."""
    found = [TOPICS[m.group()] for m in _TOPIC_RE.finditer(text)]
    subjects = [t for t in found if t not in FORMAT_TOPICS]
    return (subjects or found or [None])[0]


def extract_kind(text: str) -> str | None:
    """Which notices to stop (due_soon, overdue, new_books, activity, arrival, ...)."""
    m = _KIND_RE.search(text)
    return NOTICE_KINDS[m.group()] if m else None


def extract_codes(text: str) -> list[str]:
    """Barcodes and card numbers in a librarian command, upper-cased, in order."""
    return [c.upper() for c in _CODE_RE.findall(text)]


def extract_activity_text(text: str) -> str | None:
    """The announcement text after 发布活动."""
    rest = _ACTIVITY_PREFIX.sub("", text, count=1).strip()
    return rest or None
