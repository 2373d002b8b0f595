"""The parser: normalise, protect titles, pick an intent by priority, fill its slots, score it."""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from bot.nlp import slots as sl
from bot.nlp.dictionary import build_tokenizer, clean_terms
from bot.nlp.intents import (
    ACTION_INTENTS,
    CARD,
    CLASS,
    LIB_CODE_RE,
    LIBRARIAN_INTENTS,
    IntentMatch,
    detect,
    is_question,
    library_codes,
)
from bot.nlp.lexicon import (
    CONFIRM_NO,
    CONFIRM_YES,
    GREETINGS,
    LIBRARY_WORDS,
)
from bot.nlp.limits import MAX_MESSAGE_CHARS, cut
from bot.nlp.model import IntentModel, load_model
from bot.nlp.normalise import is_only_question_mark, normalise_light, prepare, to_simplified
from bot.nlp.numerals import bare_indexes, cn_to_int, find_indexes

log = logging.getLogger(__name__)

# Below this the bot asks a short clarifying question instead of acting (docs/nlu.md).
CONFIRM_THRESHOLD = 0.6
# Fusion (docs/nlu.md): the rules' action stands when it is the model's best reading, or the model gives
# it at least ACTION_AGREEMENT and is sure of nothing else (its best below ACTION_VETO); a librarian's
# coded command is not done when the model gives another librarian action LIBRARIAN_VETO and it less than
# ACTION_AGREEMENT; a vetoed action becomes the best non-action reading when that has NON_ACTION_FLOOR,
# else unknown. OVERRIDE_*: the model's probability for another non-action intent that replaces the
# rules' reading, after a keyword rule and after a fallback (no keyword) respectively. All chosen by
# cross-validation of the fused parser on train.jsonl, counting wrong actions over every action intent.
ACTION_AGREEMENT = 0.2
ACTION_VETO = 0.8
LIBRARIAN_VETO = 0.7
NON_ACTION_FLOOR = 0.3
OVERRIDE_KEYWORD = 0.9
OVERRIDE_WEAK = 0.5
# The model alone may start an action only when this sure and the rules found no action; the confidence
# is then CONFIRM_THRESHOLD or less, so the bot asks before doing it (chosen on writers' batches the
# model had not seen: 0.97 added no wrong action there, 0.9 one in each of two batches).
MODEL_ACTS = 0.97
_MODEL_ACTS_OVER = frozenset({"unknown", "search", "fines", "activities", "new_books", "ranking", "history", "my_loans"})

_GREETINGS = sorted(GREETINGS, key=len, reverse=True)
_ISBN = re.compile(r"^(?:97[89])?\d{9}[\dXx]$")
_ISBN_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(97[89]\d{10}|\d{9}[\dXx])(?![0-9A-Za-z])")
_BIND_REST = re.compile(r"[\s,，、:：。]|卡号|证号|借书证|借阅证|名字|姓名|叫|是|的")
_PINYIN_ONLY = re.compile(r"^[a-z][a-z ']{1,40}$")
_SELECT_NOISE = re.compile(r"[\s,，、吧的这那是要选就呢啊好]")
_BARE_ALL = re.compile(r"^(?:全部|全都|全都要|都|都要|全要|全部要|所有|所有的|全部都要|两本都要|都续|全选)了?吧?$")
_ABOUT_BOOKS = re.compile(r"^(?:.{1,10})(?:的|类|方面的|相关的)(?:书|书籍|绘本|小说|读物)$")
_SEP_AFTER_GREETING = re.compile(r"[\s,，!！.。~～]*")  # used with match(text, pos): no "^"
# Titles people mark; the content excludes the opening mark so unclosed marks cost O(n), not O(n²).
_MARKED = re.compile(r"《[^《》]*》|“[^“”]*”|\"[^\"]*\"|「[^「」]*」|『[^『』]*』|【[^【】]*】")
_NOT_TITLES = frozenset(LIBRARY_WORDS) | frozenset(GREETINGS)
# Thanks and praise alone are small talk, not a request for the menu.
_THANKS_ONLY = re.compile(r"^(?:谢谢|多谢|感谢|谢了|谢啦|辛苦|您|你|了|啦|各位|老师们?|大家|[\s,，!！~～]|thanks?|thx)+$",
                          re.IGNORECASE)
# A card number is letters then at most five digits (S30201, T0012); a barcode is digits or a longer code.
_CARD_SHAPE = re.compile(r"^[A-Z]{1,2}\d{3,5}$")
# How-questions about an action explain it; the action itself is offered, not done (docs/nlu.md).
_HOW = re.compile(r"还在不在|还在吗|之后.{0,8}(?:还|会)|以后.{0,8}(?:还|会)|赔多少|要赔|赔吗|怎么|怎样|如何|咋|怎么办|啥办法|什么办法|要不要|需不需要|会不会|多少钱|收费|要钱|要交钱"
                  r"|多久|多长时间|生效|影响|在哪(?:里|儿)?(?:操作|弄|办|看|找|点|设置|关|开)|哪里(?:操作|弄|办)|肿么|要填|填啥|填什么|点样|点算")
_ASKS = re.compile(r"吗|么|呢|\?|能不能|可不可以|是不是|要不要")
# "不是续借 是预约": the corrected request is the one after 是.
_NOT_THIS = re.compile(r"不是(?:要)?(?:续借|续|预约|取消预约|退订|解绑|绑定|挂失)[\s,，]*(?:而)?是(?:要)?")
# An action already done, reported or asked about ("孩子说已经续借了", "续借成功了没", "绑定成功了"): not a
# request to do it again. Asked, it is the loan's or the hold's status (my_loans); told, small talk.
_DONE = re.compile(r"已经.{0,3}(?:续|预约|预定|预订|约|绑|挂失|取消|退订)|(?:续|约|绑定?|挂失|取消|退订)(?:借|期|好)?(?:过了?|成功|上了|好了)"
                   r"|(?:续借?|预约|绑定|挂失)(?:上|好|成)?了(?:没有?|吗)|(?:说|讲)(?:他|她)?(?:已经)?(?:帮(?:我们?|孩子|他|她))?(?:续|预约|约|绑|挂失)"
                   r"|(?:说|讲|告诉我).{0,8}?(?:续借?|预约|预定|约|绑定?|挂失)(?:上|好)?(?:了|过)"
                   r"|续借?(?:之?后|完).{0,8}(?:到期|哪天|几号|什么时候)")
# A hold waited for ("我预约的狼王梦到了没有", "预约了半个月还没到", "排到第几了"): its status.
_PENDING = re.compile(r"(?:预约|预定|预订|约)的?.{0,12}?(?:到了没|到了吗|到没|还没到|没到|排到|第几)|排到第几|什么状态|还在排队|排队排到")
_STATUS_ASKED = re.compile(r"吗|么|呢|\?|没有?(?:啊|呀|哦)?$|了没|不$|哪天|几号|什么时候")
_SHORT_RENEW = re.compile(r"^续\s*")
_CARD_WORD = re.compile(CARD)  # 借书证, 卡…: a lost card, whatever code follows
_ALWAYS_CONFIRMED = frozenset({"report_lost_card", "unbind"})  # the handlers ask before either
_DONE_ACTIONS = frozenset({"renew", "reserve", "cancel_reservation", "bind", "unbind", "report_lost_card"})
# Declining an action by name ("不要取消预约", "退订就不用了", "挂失就算了"): never acted on.
_DECLINED = re.compile(r"(?:不要|别|不用|不想|甭|不需要)(?:再|帮我)?(?:取消|退订|解绑|挂失|撤销)"
                       r"|(?:续借?|退订|解绑|挂失|绑定|取消)\s?(?:的话)?就?(?:不用|算|不要)了")
# "能续借吗", "一个人能同时预约几本", "取消预约有没有限制": whether something is allowed. A request says
# 帮/麻烦/请/一下 or names its book; a question without them is answered with the rules.
_ABILITY_INTENTS = frozenset({"renew", "reserve", "cancel_reservation", "bind"})
_WHETHER = re.compile(r"(?:能|可以|可不可以|能不能|可否|允许).{0,8}(?:吗|么|不|呢|\?)$|几本|几次|几个|几天|限制|多少本|多少次|多少个|(?:吗|么|\?)$"
                      r"|^(?:请问)?(?:能不能|可不可以|能否|可否|是否可以|可以不可以)"
                      r"|(?:行不行|好不好|可以不|中不中|得不得|成不成)$")
_REQUEST = re.compile(r"帮|麻烦|请|给我|替我|一下|吧|我的")
# A free-text query for an action that reads like a clause, not a title ("了还能再续", "一直").
_NOT_A_TITLE = re.compile(r"能|吗|还要|要还|不是|已经|一直|怎么|什么|可以|限制|自己|礼拜|星期|几天|一周|两周|个月|段时间|阵子|[了吧]$")
# School life that is not the library's: with one of these and no rule, the model may not turn the message
# into a library intent ("今天天气怎么样" reads like "逾期会怎么样" to character n-grams).
_OFF_TOPIC = re.compile(r"天气|下雨|食堂|吃什么|午饭|校服|作业|考试|成绩|分数|放学|家长会|春游|秋游|疫苗|体检|电话|打印机"
                        r"|兴趣班|请假|生病|发烧|咳嗽|班费|学费|接送|校车|值班|开会|工资|快递")
# Readings the rules decide alone: the librarian's commands need a barcode or card number in the message
# (codes, which the model only sees as "Ⓒ"), "more" matches whole short messages only, and a push
# turned off or on is undone by one message.
_RULES_DECIDE = LIBRARIAN_INTENTS | {"more", "unsubscribe", "resubscribe"}
_LIBRARIAN_ACTIONS = LIBRARIAN_INTENTS & ACTION_INTENTS
# Readings about a class or the whole school: the model may give them only when a group is named.
_GROUP_INTENTS = frozenset({"class_stats", "class_not_borrowed", "class_overdue", "school_overdue"})
_GROUP = re.compile(CLASS + r"|全校|学校|全馆|馆里|全体|全部|所有|总共|一共|各|年级|初[一二三]|谁|哪些|哪几|名单|统计|人数|人均|几个人|多少人|\b(?:class|school)\b",
                    re.IGNORECASE)
# A book about something ("关于双减作业设计的书"): school-life words in it are its subject.
_ABOUT_A_BOOK = re.compile(r"(?:关于|有关|讲).{1,16}(?:的|类)(?:书|绘本|读物|图书|书籍|指导书)")
_HOW_TO_SEARCH = re.compile(r"(?:怎么|如何|咋|怎样)(?:样)?(?:查|搜|找)(?!不到|不着)")
_LIBRARY_WORD = re.compile(r"书|借|阅|馆|证|卡|绘本|小说|逾期|超期|开门|关门|开到|开放|开吗|还开")
# The non-action reading of a question about an action.
_QUESTION_READING = {
    "renew": "rules", "reserve": "rules", "cancel_reservation": "rules", "report_lost_card": "rules",
    "replace_card": "rules", "mark_lost": "rules", "mark_damaged": "rules", "checkout": "rules",
    "checkin": "rules", "recall": "rules", "pay_fine": "fines", "bind": "help", "unbind": "help",
    "unsubscribe": "help", "resubscribe": "help", "publish_activity": "help", "issue_code": "help",
}
# Activity announcement: what follows the command, read from the message as written (traditional kept).
_ACTIVITY_CMD = re.compile(
    r"^[^:：]{0,8}?(?:新[活][动動]|(?:帮我|帮忙|麻烦)?(?:[发發][布佈]|[发發](?:一下)?|推送|推|新建|创建|fabu)\s*"
    r"(?:这个|這個|一个|一個|一条|一條|新的?|个|個)?\s*(?:活[动動]|huodong)(?:通知)?"
    r"|活[动動](?:[发發][布佈]|通知[发發]一下)|(?:帮我|帮忙)?[发發][布佈])(?:给全校|给大家)?[\s:：,，]*",
    re.IGNORECASE)
_GRADE_TOKEN = re.compile(r"^(?:[1-9一二三四五六七八九]年[级級]|初[一二三](?:年[级級])?)$")


@dataclass(frozen=True, slots=True)
class _Context:
    """One message as the slot extractors need it."""

    raw: str
    text: str
    masked: str
    brackets: list[str]
    hits: list[str]


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What the user wants (`intent`), its details (`slots`) and how sure we are (0..1)."""

    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0

    @property
    def needs_confirmation(self) -> bool:
        """True when an action was only weakly indicated and the bot should ask first."""
        return self.intent in ACTION_INTENTS and self.confidence < CONFIRM_THRESHOLD

    def to_dict(self) -> dict[str, Any]:
        """The `shuxiang parse` JSON shape: {"intent", "slots"}."""
        return {"intent": self.intent, "slots": self.slots}

    def to_json(self) -> str:
        """One JSON line, Chinese kept readable."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


class Parser:
    """Chinese intent + slot parser; rebuild its dictionary with update_catalogue()."""

    def __init__(self, catalogue_terms: Iterable[str] = (), *, model: IntentModel | None | str = "default",
                 authors: Iterable[str] = ()) -> None:
        """model: "default" loads the repository's intent model (bot.nlp.model, cached on disk); None runs
        the rules alone; or a trained IntentModel. authors: the catalogue terms that are authors, so a
        title named beside its author is the query ("续借女巫 罗尔德达尔那本" renews 女巫)."""
        self._terms: frozenset[str] = frozenset()
        self._authors: frozenset[str] = frozenset()
        self._heads: frozenset[str] = frozenset()
        self._tokenizer = None
        self.update_catalogue(catalogue_terms, authors)
        self._model: IntentModel | None = load_model() if model == "default" else model  # type: ignore[assignment]

    def update_catalogue(self, terms: Iterable[str], authors: Iterable[str] = ()) -> None:
        """Load a new set of titles/authors/series into the jieba dictionary (cached by hash); `authors`
        are the ones that are authors."""
        self._authors = frozenset(t.lower() for t in clean_terms(authors))
        cleaned = clean_terms(terms)
        # Terms a volume's own title may follow: authors, and series — a term that begins a longer one
        # ("笑猫日记" of "笑猫日记保姆狗的阴谋"; sorted, a term's extensions come right after it).
        ordered = sorted({t.lower() for t in cleaned})
        self._heads = self._authors | frozenset(t for t, nxt in pairwise(ordered) if len(t) >= 2 and nxt.startswith(t))
        self._tokenizer = build_tokenizer(cleaned)
        self._terms = frozenset(t for t in cleaned if t not in _NOT_TITLES)
        by_edge: dict[str, list[str]] = {}  # titles by first character and by "$" + last character
        for term in self._terms:
            if len(term) >= 3:
                by_edge.setdefault(term[0], []).append(term)
                by_edge.setdefault("$" + term[-1], []).append(term)
        self._terms_by_edge = by_edge
        self.generation = getattr(self, "generation", 0) + 1  # results of older dictionaries are stale

    def tokenize(self, text: str) -> list[str]:
        """jieba words of text using the library and catalogue dictionary."""
        return self._tokenizer.lcut(text, HMM=False) if text else []  # type: ignore[union-attr]

    def parse(self, text: str, *, limit: int | None = MAX_MESSAGE_CHARS) -> ParseResult:
        """Parse one message; never raises (a bad message is `unknown`).

        Only the first `limit` characters are read (bot.nlp.limits: a request is short, and the
        parse must stay bounded); `limit=None` reads everything, for benchmarks of the algorithm,
        which is linear in the text.
        """
        try:
            text = text if isinstance(text, str) else str(text)
            head = text if limit is None else cut(text, limit)[0]
            return _as_written(self._parse(head), head)
        except Exception:  # the bot must answer something, whatever came in
            log.exception("parser failed on a %d-character message", len(text))  # the text may be personal
            return ParseResult("unknown", {}, 0.0)

    def _parse(self, raw: str) -> ParseResult:
        if is_only_question_mark(raw):
            return ParseResult("help", {}, 0.9)
        prepared = _NOT_THIS.sub("", prepare(raw))  # "不是续借 是预约": the request is what follows 是
        if prepared and _THANKS_ONLY.match(prepared):
            return ParseResult("unknown", {}, 0.8)
        if (reply := _short_reply(prepared)) is not None:  # "嗯" answers a question before it greets
            return reply
        text = _strip_greeting(prepared)
        if text is None:
            return ParseResult("help", {}, 0.9)
        if not text:
            return ParseResult("unknown", {}, 0.0)
        if (reply := _short_reply(text)) is not None:
            return reply
        masked, tokens, hits = self._mask(text)
        ctx = _Context(raw, text, masked, sl.bracketed(text), hits)
        rule, kind = self._by_rules(ctx, tokens)
        if self._model is None or kind == "refusal":
            return rule
        return self._fuse(rule, kind, self._model.probabilities(prepared), ctx)

    def _by_rules(self, ctx: _Context, tokens: list[str]) -> tuple[ParseResult, str]:
        """The rules' reading and how it was reached: "keyword", "weak", "question", "refusal" or "fallback"."""
        match = detect(ctx.masked, tokens)
        if _PENDING.search(ctx.masked) and (match is None or match.intent in (_DONE_ACTIONS | {"search"})):
            return ParseResult("my_loans", {}, 0.5), "question"  # "我约的青铜葵花到了吗": the hold's status
        if match is None:
            return self._fallback(ctx.text, ctx.masked, ctx.brackets, ctx.hits), "fallback"
        if match.negated or (match.intent in ACTION_INTENTS and _DECLINED.search(ctx.masked)):
            return ParseResult("unknown", {}, 0.3), "refusal"  # "不用续借了": never act on a refusal
        intent = match.intent
        if intent in _DONE_ACTIONS and (_DONE.search(ctx.masked) or (intent != "bind" and _PENDING.search(ctx.masked))):
            asked = intent in ("renew", "reserve", "cancel_reservation") and bool(
                _PENDING.search(ctx.masked) or _STATUS_ASKED.search(ctx.text))
            return ParseResult("my_loans" if asked else "unknown", {}, 0.5), "question"
        if intent == "report_lost_card" and not _CARD_WORD.search(ctx.text) \
                and any(not _CARD_SHAPE.match(c) for c in library_codes(ctx.text)):
            intent = "mark_lost"  # "挂失 0000106": the librarian's lost copy, not a reader's card
        if intent == "search" and not (ctx.brackets or ctx.hits) and _HOW_TO_SEARCH.search(ctx.text):
            return ParseResult("help", {}, 0.7), "question"  # "这个怎么查书啊": how the bot is used
        if intent in _QUESTION_READING and _asks_how(intent, ctx.text):
            return ParseResult(_QUESTION_READING[intent], {}, 0.7), "question"
        slots = self._slots(intent, ctx.text, ctx.masked, ctx.brackets, ctx.hits, ctx.raw)
        if not (ctx.brackets or ctx.hits) and intent not in LIBRARIAN_INTENTS and _OFF_TOPIC.search(ctx.text):
            if intent == "renew" and "query" in slots and _OFF_TOPIC.search(slots["query"]):
                slots = {k: v for k, v in slots.items() if k != "query"}  # "…孩子生病没上学": a reason, no title
            elif intent in ("reserve", "cancel_reservation", "search") and _OFF_TOPIC.search(slots.get("query", "")) \
                    and not (intent == "search" and _ABOUT_A_BOOK.search(ctx.text)):  # "有关于双减作业设计的书吗"
                return ParseResult("unknown", {}, 0.3), "question"  # "预约疫苗", "校服在哪买": not a book
            elif not _LIBRARY_WORD.search(ctx.text):
                return ParseResult("unknown", {}, 0.3), "question"  # "作业本丢了怎么办": not the library's
        if intent in _ABILITY_INTENTS and _asks_whether(ctx.text) and not (slots.get("indexes") or ctx.hits
                                                                          or ctx.brackets or slots.get("card_no")):
            return ParseResult("rules", {}, 0.7), "question"  # "能续借吗": whether, not a request
        return ParseResult(intent, slots, _confidence(match, ctx.text, slots)), "weak" if match.weak else "keyword"

    def _fuse(self, rule: ParseResult, kind: str, probs: dict[str, float], ctx: _Context) -> ParseResult:
        """Rules and model together (docs/nlu.md "Fusion"): an action only when both say so; otherwise the
        model may replace the rules' reading by another non-action one it is sure of."""
        if not library_codes(ctx.text):  # "报失" is no librarian's 丢失 without a barcode: only what can apply
            probs = _without(probs, LIBRARIAN_INTENTS)
        if not _GROUP.search(ctx.text):  # "借阅情况" is one's own: a class or the school is named for theirs
            probs = _without(probs, _GROUP_INTENTS)
        top = max(probs, key=probs.__getitem__)
        agree = probs.get(rule.intent, 0.0)
        if rule.intent in _RULES_DECIDE and kind == "keyword":
            # A command with its barcode or card, or a whole-message "更多": the model cannot read codes, but
            # when it is sure of another librarian action ("催归还" against "归还"), neither is done.
            if _same_family(rule.intent, top) and probs[top] >= LIBRARIAN_VETO and agree < ACTION_AGREEMENT:
                return self._best_non_action(probs, ctx)
            return rule
        if rule.intent in ACTION_INTENTS:
            # A hint (绑错了, a card and a name alone) needs the model's best reading; a keyword its agreement.
            sure = top == rule.intent or (kind == "keyword" and agree >= ACTION_AGREEMENT and probs[top] < ACTION_VETO)
            if rule.intent in _ALWAYS_CONFIRMED and kind == "keyword" and not sure:
                # 挂失/解绑 are always asked first ("确认挂失陈思雨的借阅证吗？"): the keyword stands unless the
                # model is sure of a question ("挂失 陈思雨" reads like "绑定 陈思雨" to character n-grams).
                sure = top in ACTION_INTENTS or probs[top] < ACTION_VETO
            if sure:
                confidence = rule.confidence if agree >= 0.5 else min(rule.confidence, agree)
                return ParseResult(rule.intent, rule.slots, confidence)
            return self._best_non_action(probs, ctx)
        if top in (ACTION_INTENTS | _RULES_DECIDE) and top != rule.intent and self._model_may_act(probs[top], rule, kind):
            return ParseResult(top, self._slots_for(top, ctx), min(probs[top], CONFIRM_THRESHOLD - 0.05))
        if top == rule.intent or top in ACTION_INTENTS or top in _RULES_DECIDE:
            return rule  # the model alone never starts an action, nor reads a code or a "more" it was not shown
        # "借閱查詢": a search command with nothing to search is as weak as no keyword at all.
        weak = kind == "fallback" or rule.intent == "unknown" or (rule.intent == "search" and not rule.slots)
        if not weak and top == "unknown":
            return rule  # "使用说明": a keyword found something; "unknown" is no better reading of it
        if weak and top != "unknown" and _OFF_TOPIC.search(ctx.text) and not _LIBRARY_WORD.search(ctx.text):
            return rule  # "今天天气怎么样": nothing about the library, whatever the model's guess
        if rule.intent == "unknown" and top == "search":
            return rule  # a bare phrase that is no known title: the bot offers close titles (bot/handlers)
        if probs[top] >= (OVERRIDE_WEAK if weak else OVERRIDE_KEYWORD):
            return ParseResult(top, self._slots_for(top, ctx), probs[top])
        return rule

    @staticmethod
    def _model_may_act(p: float, rule: ParseResult, kind: str) -> bool:
        """True when the model is sure of an action the rules read as a question about something else
        ("把孩子的证从这个号上撤下来" → unbind; "再往下翻翻" → more); never over a how-question or a refusal."""
        if rule.intent == "search" and rule.slots:
            return False  # a title or a subject found: a search, however sure the model is
        return p >= MODEL_ACTS and kind in ("fallback", "keyword") and rule.intent in _MODEL_ACTS_OVER

    def _best_non_action(self, probs: dict[str, float], ctx: _Context) -> ParseResult:
        intent = max((i for i in probs if i not in ACTION_INTENTS and i not in _RULES_DECIDE), key=probs.__getitem__)
        if probs[intent] < NON_ACTION_FLOOR:
            return ParseResult("unknown", {}, 0.2)  # no reading stands out: the bot says what it can do
        return ParseResult(intent, self._slots_for(intent, ctx), probs[intent])

    def _slots_for(self, intent: str, ctx: _Context) -> dict[str, Any]:
        if intent == "search":
            query = _find_isbn(ctx.text) or sl.extract_query(ctx.masked, ctx.brackets, ctx.hits, self.tokenize,
                                                                  authors=self._authors, heads=self._heads)
            return {"query": query} if query else {}
        return self._slots(intent, ctx.text, ctx.masked, ctx.brackets, ctx.hits, ctx.raw)

    def _mask(self, text: str) -> tuple[str, list[str], list[str]]:
        """Replace bracketed titles and catalogue terms by one MASK char so keywords inside them
        ("查理九世", "《新书》") cannot trigger an intent; returns masked text, its tokens, hits."""
        masked = _MARKED.sub(sl.MASK, text)
        tokens = self.tokenize(masked)
        hits: list[str] = []
        out: list[str] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if len(tok) >= 2 and tok.lower() in self._terms:
                end = self._volume_end(tokens, i)  # "笑猫日记 保姆狗的阴谋" is 笑猫日记·保姆狗的阴谋
                hits.append("".join(tokens[i:end]))
                out.append(sl.MASK)
                i = end
            else:
                out.append(tok)
                i += 1
        return "".join(out), out, hits

    def _volume_end(self, tokens: list[str], start: int) -> int:
        """The end of a series title written with a space before its volume's title ("不一样的卡梅拉 我想去看海"):
        the longest run of up to 12 tokens from `start` that, without spaces and "·", is a catalogue term."""
        for end in range(min(len(tokens), start + 12), start + 1, -1):
            if tokens[end - 1].isspace() or not any(t.isspace() or t == "·" for t in tokens[start + 1:end]):
                continue
            joined = "".join(t for t in tokens[start:end] if not t.isspace()).replace("·", "").lower()
            if joined in self._terms:
                return end
        return start + 1

    def _slots(self, intent: str, text: str, masked: str, brackets: list[str],
               hits: list[str], raw: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        if intent in ("renew", "cancel_reservation"):
            indexes, rest = sl.extract_indexes(masked, refusals=intent == "renew")
            if not indexes:
                leftover = _SHORT_RENEW.sub("", sl._COMMAND_RE.sub(" ", rest).strip())  # "续2": 续 then a position
                indexes = bare_indexes(leftover) or []
            if indexes:
                out["indexes"] = indexes
            elif sl.wants_all(masked):
                out["all"] = True
            if not out or ("all" in out and (brackets or hits)):
                query = sl.extract_query(rest, brackets, hits, self.tokenize, reject=_NOT_A_TITLE, authors=self._authors, heads=self._heads)
                if query:
                    out["query"] = self._whole_title(query, text, brackets, hits)
        if intent in ("search", "reserve", "renew", "cancel_reservation") and not (brackets or out.get("indexes")) \
                and (latin := _latin_title(text)):
            out.pop("all", None)
            out["query"] = latin  # "预约 Diary of a Wimpy Kid": an English (or pinyin) title is one run of words
            return out
        if intent in ("search", "reserve"):
            isbn = _find_isbn(text) if intent == "search" and not brackets else None
            reject = None if intent == "search" else _NOT_A_TITLE
            query = isbn or sl.extract_query(masked, brackets, hits, self.tokenize, reject=reject, authors=self._authors, heads=self._heads)
            if query:
                out["query"] = query if isbn else self._whole_title(query, text, brackets, hits)
        elif intent == "bind":
            out.update(sl.extract_bind(text))
        elif intent in ("recommend", "new_books", "ranking", "publish_activity", "class_overdue"):
            if (grade := sl.extract_grade(text)) is not None:
                out["grade"] = grade
            if intent in ("recommend", "new_books") and (topic := sl.extract_topic(text)):
                out["topic"] = topic
            if intent == "class_overdue" and (class_no := sl.extract_class_no(text)) is not None:
                out["class_no"] = class_no
            if intent == "publish_activity" and (body := _activity_text(raw or text)):
                out["text"] = body
        elif intent in ("unsubscribe", "resubscribe"):
            if kind := sl.extract_kind(text):
                out["kind"] = kind
        elif intent == "issue_code":
            codes = library_codes(text) or sl.extract_codes(text)
            if codes:
                out["card_no"] = codes[0]
            out["for_parent"] = bool(_FOR_PARENT.search(text)) and not _NOT_PARENT.search(text)
        elif intent == "checkout":
            out.update(_checkout_codes(text))
        elif intent in ("checkin", "recall", "mark_lost", "mark_damaged"):
            codes = library_codes(text)
            if codes:
                out["barcode"] = codes[0]
            if len(codes) > 1:
                out["barcodes"] = codes
        elif intent in ("pay_fine", "replace_card", "reader_loans"):
            codes = library_codes(text)
            if codes:
                out["card_no"] = codes[0]
        return out

    def _whole_title(self, query: str, text: str, brackets: list[str], hits: list[str]) -> str:
        """A free-text query with the words before it that begin a catalogue title it nearly is: "预约 我要做个
        好孩子" (the catalogue has 我要做好孩子) keeps 我要, which the fillers would peel off."""
        if brackets or hits or len(query) < 3 or query.isascii():
            return query
        at = text.find(query)
        for size in (1, 2, 3):
            if at - size < 0 or not _CJK_RUN.fullmatch(text[at - size:at]):
                break
            candidate = text[at - size:at] + query
            # One edit apart, two strings of 2+ characters share their first or their last character.
            near = (*self._terms_by_edge.get(candidate[0], ()), *self._terms_by_edge.get("$" + candidate[-1], ()))
            if any(_one_edit(candidate, term) for term in near):
                return candidate
        return query

    def _fallback(self, text: str, masked: str, brackets: list[str], hits: list[str]) -> ParseResult:
        """No keyword: a bare title, ISBN, pinyin or "X的书" is a search; a card + name a weak bind."""
        if brackets or hits:
            query = sl.extract_query(masked, brackets, hits, self.tokenize, authors=self._authors, heads=self._heads)
            only_title = masked.strip() == sl.MASK
            return ParseResult("search", {"query": query} if query else {}, 0.85 if only_title else 0.7)
        compact = text.replace(" ", "").replace("-", "")
        if _ISBN.match(compact):
            return ParseResult("search", {"query": compact.upper()}, 0.9)
        if isbn := _find_isbn(text):
            return ParseResult("search", {"query": isbn}, 0.8)
        bind = sl.extract_bind(text)
        if "card_no" in bind and "name" in bind and _CARD_SHAPE.match(bind["card_no"]) and not is_question(text) \
                and len(_BIND_REST.sub("", text.upper().replace(bind["card_no"], "", 1).replace(bind["name"], "", 1))) <= 2:
            return ParseResult("bind", bind, 0.45)  # "T0012 张丽": a card and a name, nothing else
        lowered = text.lower()
        if _PINYIN_ONLY.match(lowered):
            words = lowered.split()
            return ParseResult("search", {"query": words[-1] if len(words) > 1 else lowered}, 0.6)
        if _ABOUT_BOOKS.match(text) or sl.extract_topic(text) == text:
            query = sl.extract_query(masked, [], [], self.tokenize)
            return ParseResult("search", {"query": query} if query else {}, 0.6)
        return ParseResult("unknown", {}, 0.2)


_FOR_PARENT = re.compile(r"家长|妈|爸|爷|奶|外公|外婆|父母|家里人|監護|监护")
_NOT_PARENT = re.compile(r"不是给?家长|本人|自己")


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one inserted, deleted or replaced character."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


_PUSH_SETTINGS = frozenset({"unsubscribe", "resubscribe"})


def _same_family(rule: str, top: str) -> bool:
    """True when the model's reading is another action of the rules' kind: two librarian commands, or
    the two push settings (之前全退订了 现在全部订回来: off or on? neither is done)."""
    if rule == top:
        return False
    return (rule in _LIBRARIAN_ACTIONS and top in _LIBRARIAN_ACTIONS) or (rule in _PUSH_SETTINGS and top in _PUSH_SETTINGS)


def _without(probs: dict[str, float], drop: frozenset[str]) -> dict[str, float]:
    """probs with the intents in drop removed and the rest scaled to sum to 1."""
    kept = {k: v for k, v in probs.items() if k not in drop}
    total = sum(kept.values()) or 1.0
    return {k: v / total for k, v in kept.items()}


def _as_written(result: ParseResult, raw: str) -> ParseResult:
    """The query in the characters the user wrote: "預約 西遊記" → 西遊記 (the catalogue search folds
    traditional characters itself; the bot echoes the title as the user typed it)."""
    query = result.slots.get("query")
    if not isinstance(query, str) or query.isascii() or raw.isascii():
        return result
    written = normalise_light(raw)
    if query in written:  # as written already (the usual case): no second conversion
        return result
    simplified = to_simplified(written)
    if simplified == written or len(simplified) != len(written):  # nothing converted, or not char for char
        return result
    at = simplified.find(query)
    if at < 0 or written[at:at + len(query)] == query:
        return result
    return ParseResult(result.intent, {**result.slots, "query": written[at:at + len(query)]}, result.confidence)


def _find_isbn(text: str) -> str | None:
    """An ISBN-13 (978/979…) or ISBN-10 written anywhere in the message ("这个书号有吗 9787532473014")."""
    m = _ISBN_IN_TEXT.search(text.replace("-", ""))
    return m.group(1).upper() if m else None


_LATIN_RUN = re.compile(r"(?<![A-Za-z0-9'’.:-])[A-Za-z][A-Za-z0-9'’.:-]*(?:[ ,]+[A-Za-z0-9][A-Za-z0-9'’.:-]*)+")


def _latin_title(text: str) -> str | None:
    """The longest run of two or more Latin words ("The Very Hungry Caterpillar", "ha li bo te"), codes aside."""
    runs = [m.group().strip(" ,") for m in _LATIN_RUN.finditer(text)]
    runs = [r for r in runs if sum(1 for w in r.split() if any(c.isalpha() for c in w) and not LIB_CODE_RE.fullmatch(w)) >= 2]
    return max(runs, key=len) if runs else None


def _asks_whether(text: str) -> bool:
    """True for "能续借吗" / "可以预约几本"; False for "能帮我续借一下吗" (a polite request)."""
    return bool(_WHETHER.search(text)) and not _REQUEST.search(text)


def _asks_how(intent: str, text: str) -> bool:
    """True when a message about an action asks how it works rather than asking for it.

    "怎么续借" / "借书证丢了怎么办" / "补办借书证要钱吗" ask; "能帮我续借一下吗" is a polite request.
    For a lost or replaced card any question asks (its answer is the procedure, and acting is costly).
    """
    if _HOW.search(text):
        return True
    return intent in ("report_lost_card", "replace_card") and bool(_ASKS.search(text))


def _checkout_codes(text: str) -> dict[str, str]:
    """The book's barcode and the reader's card in a checkout, told apart by shape, then by order."""
    codes = library_codes(text)
    out: dict[str, str] = {}
    cards = [c for c in codes if _CARD_SHAPE.match(c)]
    books = [c for c in codes if not _CARD_SHAPE.match(c)]
    if len(cards) == 1 and books:
        return {"barcode": books[0], "card_no": cards[0]}
    if len(books) == 1 and cards:
        return {"barcode": books[0], "card_no": cards[0]}
    if codes:
        out["barcode"] = codes[0]
    if len(codes) > 1:
        out["card_no"] = codes[1]
    return out


def _activity_text(raw: str) -> str | None:
    """The announcement after 发布活动, as written; a grade standing alone ("五年级") is a slot, not text."""
    text = normalise_light(raw)
    m = _ACTIVITY_CMD.match(text)
    if not m:
        return None
    parts = [p for p in text[m.end():].split() if not _GRADE_TOKEN.match(p.strip("，,：:"))]
    body = " ".join(parts).strip(" ，,：:")
    return body or None


def _strip_greeting(text: str) -> str | None:
    """Remove a leading greeting; None when the message was nothing but greetings.

    Moves an index instead of slicing, so "你好，你好，…" costs O(n), not O(n²).
    """
    pos = 0
    while True:
        for word in _GREETINGS:
            end = pos + len(word)
            if text[pos:end].lower() == word:
                single = len(word) == 1 or word.isascii()
                after = _SEP_AFTER_GREETING.match(text, end)
                if single and end < len(text) and not after.group():  # type: ignore[union-attr]
                    continue  # "早点还" is not a greeting; "hiking" is not "hi"
                pos = after.end()  # type: ignore[union-attr]
                break
        else:
            return text[pos:]
        if pos >= len(text):
            return None


_POLITE = re.compile(r"谢谢(?:你|您|老师)?|多谢|麻烦(?:你|您)?了|辛苦(?:你|您)?了")
_CHOOSE = re.compile(r"^(?:我选|选择|选|要|就|是)\s*")
_DIGIT_RUN = re.compile(r"^([一二三四五六七八九]{2,5})(?:都要|都行|都续|全要|都)?$")
_MAX_ANSWER_WORD = 16
_WORD_SPLIT = re.compile(r"[\s,，。.!！~～、]+")
_YES_RUN = re.compile("(?:" + "|".join(re.escape(w) for w in sorted(CONFIRM_YES, key=len, reverse=True)) + ")+")
_NO_RUN = re.compile("(?:" + "|".join(re.escape(w) for w in sorted(CONFIRM_NO, key=len, reverse=True)) + ")+")


# Sentence particles said after a short answer ("第二个呗", "好的呀", "不用啦", "OK的", "要得").
# Taking back what was just said: "刚才的取消", "刚才那个不算", "取消刚才的操作".
_TAKE_BACK = re.compile(r"^(?:算了\s*)?(?:刚才|刚刚|上一条|前面)(?:的|那个|那条|说的)?(?:都|也)?(?:取消|不算|作废|撤回|不要了?)"
                        r"|^(?:取消|撤回|撤销)(?:刚才|刚刚|上一步|上一条)(?:的)?(?:操作|那个|请求)?$")
# A correction before the answer: "搞错了 不是第二本是第三本", "噢不 是1和2", "不是第一本 是最后一本".
_CORRECTION = re.compile(r"^(?:搞错了|说错了|打错了|弄错了|噢不|哦不|不对不对|不对)[\s,，]*|不是[^是]{1,10}?[\s,，]*(?=是)")


# Sentence particles said after a short answer ("第二个呗", "好的呀", "不用啦", "OK的"); not 得 ("得了吧" is
# "forget it") nor 嘛 ("是嘛" is "really?").
_PARTICLE_CHARS = "呗噻呀嘞哈啦喇咯哦撒哒滴的吧了呐哟啊哇嗷"


def _unparticle(word: str, particles: str = _PARTICLE_CHARS) -> str:
    """The word without the sentence particles after it ("第二个呗" → "第二个"); its first character stays.

    str.rstrip, not a regex search: `(?:…)+$` retried from every position is quadratic on "的的…的x"."""
    return word[:1] + word[1:].rstrip(particles)


def _yes_or_no(text: str) -> bool | None:
    """True / False when the message only says yes / no ("好的好的 麻烦了", "不要了谢谢"), else None."""
    if _TAKE_BACK.search(text):
        return False
    words = [w for w in _WORD_SPLIT.split(_POLITE.sub(" ", text.lower())) if w]
    if not words:
        return None
    if any(len(w) > _MAX_ANSWER_WORD for w in words):
        return None  # _YES_RUN/_NO_RUN backtrack exponentially on "对对…对x" (对 and 对对 are both words)
    if all(_YES_RUN.fullmatch(w) or _YES_RUN.fullmatch(_unparticle(w)) for w in words):
        return True
    if all(_NO_RUN.fullmatch(w) or _NO_RUN.fullmatch(_unparticle(w)) for w in words):
        return False
    return None


def _short_reply(text: str) -> ParseResult | None:
    """Answers to a pending question: yes/no, positions ("2", "第1本和第3本"), or all."""
    if (answer := _yes_or_no(text)) is not None:
        return ParseResult("unknown", {"confirm": answer}, 0.9)
    text = _CHOOSE.sub("", _POLITE.sub(" ", _CORRECTION.sub("", text))).strip(" ,，")  # "选4", "全都要 谢谢"
    text = _unparticle(text, _PARTICLE_CHARS + "嘛得")  # "第三个嘛", "全部都要得": no yes/no to mistake here
    if (run := _DIGIT_RUN.match(text)) is not None:  # "一二三都要": each digit a position
        return ParseResult("unknown", {"indexes": sorted({cn_to_int(c) for c in run.group(1)})}, 0.8)
    if _BARE_ALL.match(text):
        return ParseResult("unknown", {"all": True}, 0.8)
    if (indexes := bare_indexes(text)) is not None:
        return ParseResult("unknown", {"indexes": indexes}, 0.8)
    found, spans = find_indexes(text)
    if found:
        if not _SELECT_NOISE.sub("", sl.blank_spans(text, spans, "")):
            return ParseResult("unknown", {"indexes": found}, 0.8)
    return None


def _confidence(match: IntentMatch, text: str, slots: dict[str, Any]) -> float:
    """Strong keyword → high; a question about an action → a little lower; a hint → below threshold."""
    action = match.intent in ACTION_INTENTS
    if match.weak:
        return 0.45 if action else 0.55
    if not action:
        return 0.85
    if is_question(text) and not slots:
        return 0.7
    return 0.95 if slots else 0.85
