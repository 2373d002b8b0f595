"""Answers to the bot's own questions in any natural form, and 算了 / 不用了.

The numbered continuations (`Routes.resume`) read a bare "2", "全部" or "好的". People also answer
with a title ("想预约哪本书？" → "三体"), a child's name ("给谁预约？" → "思雨"), a kind of push
("想退订哪种推送？" → "新书推荐"), or "算了". The parser reads those as a search, a new request or an
unknown; here they are turned into the request the question was about, before anything else runs.

`answer(ctx)` either replies, or rewrites `ctx.parse` (and returns None) so the router dispatches the
completed request as if the user had typed it in full.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime

from bot.handlers.base import Context
from bot.handlers.people import people
from bot.nlp import ParseResult
from core.notices import topics

RESERVE_TITLE = "reserve_title"  # 想预约哪本书？ (reserve.py)
UNSUBSCRIBE_KIND = "unsubscribe_kind"  # 想退订哪种推送？ (notices.py)
RESUBSCRIBE_KIND = "resubscribe_kind"  # 想恢复哪种推送？
CLOSED = "好的，不办了。还需要什么请直接告诉我～"
NOTHING_OPEN = "好的～ 还需要什么请直接告诉我。"

# Questions whose answer may be a title; the request it completes.
_TITLE_ANSWERS = {RESERVE_TITLE: "reserve", "reserve": "reserve", "renew": "renew",
                  "cancel_reservation": "cancel_reservation"}
# Questions answered by choosing one of the user's people (own card, children) by name.
_NAME_ANSWERS = ("reserve_for", "report_lost_card", "unbind", "class_turn_for")
_KIND_ANSWERS = {UNSUBSCRIBE_KIND: "unsubscribe", RESUBSCRIBE_KIND: "resubscribe"}
_ASK_AGAIN = {RESERVE_TITLE: "请直接回复想预约的书名，比如：三体。不预约了请回复“算了”。",
              UNSUBSCRIBE_KIND: "请直接回复想退订的推送，比如：新书推荐、活动通知、到期提醒、全部。",
              RESUBSCRIBE_KIND: "请直接回复想恢复的推送，比如：新书推荐、活动通知、到期提醒、全部。"}
FREE_ANSWER_KINDS = frozenset(_TITLE_ANSWERS) | frozenset(_NAME_ANSWERS) | frozenset(_KIND_ANSWERS)
"""Open questions a title, a name or a kind of push may answer (an action: see OpenQuestions)."""
_COMMANDS = ("查", "找", "搜", "有没有", "有")  # a new search, not an answer
_TRIM = " \t\r\n。.，,！!？?~～…《》“”\"'「」"


def is_no(ctx: Context) -> bool:
    """算了 / 不用了 / 不 / 取消: a plain no, with no number or 全部 beside it."""
    slots = ctx.slots
    return ctx.parse.intent == "unknown" and slots.get("confirm") is False and not slots.get("indexes") \
        and not slots.get("all")


def answer(ctx: Context) -> str | None:
    """Continue the open question with a free-form answer; None when this message is not one."""
    pending = ctx.pending
    if pending is None:
        return None
    if (completes := _TITLE_ANSWERS.get(pending.kind)) is not None and (title := _title(ctx)):
        # A title where a number was asked for (or the title itself was asked for): the request in full.
        ctx.parse = ParseResult(completes, {"query": title}, 1.0)
        if pending.kind == RESERVE_TITLE:
            ctx.pending = None
        return None
    if pending.kind in _NAME_ANSWERS and (position := _person_named(ctx, pending.options)) is not None:
        ctx.parse = ParseResult("unknown", {"indexes": [position]}, 1.0)
        return None  # the numbered continuation runs next
    if pending.kind == "cancel_reservation" and pending.data.get("people"):
        # "取消谁的？" (one title, several children): "都取消", or a child's name.
        if ctx.text.strip(_TRIM) in _BOTH:
            ctx.parse = ParseResult("unknown", {"all": True}, 1.0)
            return None
        if positions := _positions_named(ctx, pending.data["people"]):
            ctx.parse = ParseResult("unknown", {"indexes": positions}, 1.0)
            return None
    if pending.kind in _ASK_AGAIN and not is_no(ctx) and any(k in ctx.slots for k in ("indexes", "all", "confirm")):
        # "好的" or "1" where a title or a kind was asked: the question stays, said more plainly.
        if not (pending.kind in _KIND_ANSWERS and ctx.slots.get("all")):
            ctx.ask(pending.kind)
            return _ASK_AGAIN[pending.kind]
    if (completes := _KIND_ANSWERS.get(pending.kind)) is not None:
        if is_no(ctx):
            return CLOSED
        if _is_kind_answer(ctx) or ctx.slots.get("all"):
            text = ctx.text if not ctx.slots.get("all") or "全部" in ctx.text else "全部"
            ctx.message = replace(ctx.message, text=text)
            ctx.parse = ParseResult(completes, {}, 1.0)  # the handler reads the topic from the text
            return None
    return None


_QUESTION_WORDS = ("?", "？", "吗", "什么", "几", "怎么", "哪", "呢", "有没有")


def _is_kind_answer(ctx: Context) -> bool:
    """"新书推荐" / "到期提醒吧" answer 想退订哪种推送？; "到期提醒是几点发的" or "最近有什么新书" are new questions."""
    text = ctx.text.strip(_TRIM)
    if topics.topic_from_text(text) is None or any(w in ctx.text for w in _QUESTION_WORDS):
        return False
    return ctx.parse.intent in ("unknown", "unsubscribe", "resubscribe") or len(text) <= 6


def closed(ctx: Context) -> str | None:
    """算了 that no continuation took (or with nothing open): a short close, never "expired"."""
    if not is_no(ctx):
        return None
    return CLOSED if ctx.pending is not None else NOTHING_OPEN


def _title(ctx: Context) -> str | None:
    """The title a bare answer names: the search slot of a message that is little more than a title."""
    if any(key in ctx.slots for key in ("indexes", "all", "confirm", "_offset")):
        # A number, 全部 or yes/no: the numbered continuation reads it. "_offset": 更多 turned into the
        # paged search again (bot/router.py), never a title the user typed as an answer.
        return None
    bare = ctx.text.strip(_TRIM)
    if ctx.parse.intent == "search":
        query = (ctx.slots.get("query") or "").strip()
        # Only a bare title ("三体", "三体吧", "我要三体"): "查 草房子" is a new request, and must not
        # renew 草房子 because the open question was "续借哪一本？".
        if not query or bare.startswith(_COMMANDS) or len(bare) > len(query) + 3:
            return None
        if any(w in bare.replace(query, " ") for w in _NEGATIONS):
            return None  # "别约三体", "三体不": a no, not the title
        return query
    # Text the parser could not read as a title ("嗯嗯", "我再想想") is never searched for here: a fuzzy
    # search could find exactly one book and reserve something nobody asked for.
    return None


_BOTH = ("都取消", "都", "全部取消", "两个都取消", "都不要了", "都取消吧", "两个都")


def _positions_named(ctx: Context, reader_ids: list[int]) -> list[int]:
    """1-based positions of the options whose reader the answer names ("思远", "陈思远的")."""
    text = ctx.text.strip(_TRIM).removesuffix("的")
    if not _is_bare_name_answer(ctx, text):
        return []
    names = {p.reader_id: p.name for p in people(ctx)}
    named = {i for i, n in names.items() if _names(text, n)}
    if len(named) != 1:
        return []
    return [n for n, reader_id in enumerate(reader_ids, 1) if reader_id in named]


_NEGATIONS = ("不", "没", "别", "甭", "找到", "算了")


def _is_bare_name_answer(ctx: Context, text: str) -> bool:
    """A name as an answer: the parser found no request in it ("陈思雨的借阅" is 我的借阅, not an
    answer), and nothing negates it ("不是陈思雨", "陈思雨的没丢", "不给陈思雨约")."""
    return ctx.parse.intent == "unknown" and len(text) >= 2 and not any(w in text for w in _NEGATIONS)


_FILLERS = set("的吧啊呀呢哦嗯了")


def _names(text: str, name: str) -> bool:
    """The answer is the name (or part of it, "思雨") with at most a filler ("陈思雨的", "思雨吧"):
    "陈思雨的借阅" names her but asks something else."""
    if text in name:
        return True
    return name in text and set(text.replace(name, "", 1)) <= _FILLERS


def _person_named(ctx: Context, options: tuple[int, ...]) -> int | None:
    """The 1-based position among the people asked about whose name the answer gives ("思雨" too)."""
    text = ctx.text.strip(_TRIM)
    if not _is_bare_name_answer(ctx, text):
        return None
    by_id = {p.reader_id: p for p in people(ctx)}
    shown = [by_id.get(i) for i in options]
    hits = [n for n, p in enumerate(shown, 1) if p is not None and _names(text, p.name)]
    return hits[0] if len(hits) == 1 else None



class OpenQuestions:
    """user id → until when a question this process asked is open (a bounded LRU, no database).

    Read on the event loop by the router's needs_run_once: a bare title or name while a question is
    open may act ("三体" after "想预约哪本书？"), so it is claimed (run once) like "1" or "好的".
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._until: OrderedDict[str, datetime] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def asked(self, user_id: str, until: datetime) -> None:
        """A question to `user_id` is open until `until`."""
        with self._lock:
            self._until[user_id] = until
            self._until.move_to_end(user_id)
            while len(self._until) > self._capacity:
                self._until.popitem(last=False)

    def answered(self, user_id: str) -> None:
        """The question was taken (answered or dropped by another request)."""
        if user_id in self._until:
            with self._lock:
                self._until.pop(user_id, None)

    def is_open(self, user_id: str, now: datetime) -> bool:
        """True while a question this process asked the user has not expired or been taken."""
        with self._lock:
            until = self._until.get(user_id)
        return until is not None and until > now
