"""The handlers' Responder: parse → pending question → handler by intent (small routers, in order)."""
from __future__ import annotations

import asyncio
import functools
import gc
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from bot.dbwork import run_db
from bot.handlers import ROUTES, followups
from bot.handlers.base import Context, Pending, Routes
from bot.handlers.confirm import gate
from bot.handlers.info import fallback, menu
from bot.handlers.paging import MORE, NOTHING_TO_PAGE, PagedLists
from bot.handlers.people import ShownLists
from bot.menu import click_as_text
from bot.messages import IncomingMessage, Reply
from bot.nlp import Parser, ParseResult
from bot.nlp.limits import CUT_NOTE, cut
from bot.parser_refresh import ParserRefresher
from bot.scan import SCAN_EVENTS, not_a_book_reply, scan_as_text
from core import accounts, conversations, queries
from core.db import WouldBlock, memory_only
from core.library import Library
from core.logtags import tag
from core.notices import following, reachability
from core.search import CatalogueSearch
from core.settings import Settings

log = logging.getLogger("shuxiang.router")

PENDING_TIMEOUT = timedelta(minutes=5)
WELCOME = ("欢迎关注书香图书室！先绑定借阅证，就能查借阅、续借、收到还书提醒。\n"
           "请发送：绑定 借阅证号 姓名 验证码（验证码向图书室老师领取）\n发送“帮助”看看我能做什么。")
WELCOME_BACK = ("欢迎回来！您的借阅证还绑定着，到期提醒和到书通知会照常发给您。\n"
                "发送“我的借阅”看看借的书，发送“帮助”看看我能做什么。")
NOT_TEXT = "这类消息我还看不懂😊 请用文字或语音告诉我，比如：查 城南旧事、我的借阅。"
TYPE_INSTEAD = ("这条语音我没能转成文字😊 请直接打字发送，如：续借 / 查 草房子 / 我的借阅。\n"
                "发送“帮助”看看我能做什么。")
FOLLOW_EVENTS = ("subscribe", "subscribe_scan", "unsubscribe")
# Read-only on their own, but with a question open they may answer it with a title or a name (an action).
FREE_ANSWER_INTENTS = frozenset({"search", "unknown", "new_books", "recommend"})
OOPS = "抱歉，刚才出了点小问题，请稍后再试；着急的话可以直接找图书室老师。"
CONTINUING_SLOTS = ("indexes", "all", "confirm")
# Intents that only read: the transport answers them without a run-once claim, so a WeChat retry
# may run them again. Everything else — actions, 验证码, answers to a pending question, and any
# intent added later — is claimed first and never runs twice.
READ_ONLY_INTENTS = frozenset({"my_loans", "history", "fines", "search", "hours", "rules", "help", "new_books",
                               "recommend", "ranking", "activities", "class_overdue",
                               "reader_loans", "school_overdue", "class_stats", "class_not_borrowed"})


class Router:
    """A Responder: one message in, one Chinese reply out; one open question per user, in the database."""

    def __init__(self, library: Library, parser: Parser, search: CatalogueSearch,
                 routes: Sequence[Routes] = ROUTES, *, pending_timeout: timedelta = PENDING_TIMEOUT,
                 refresher: ParserRefresher | None = None, settings: Settings | None = None) -> None:
        self.library = library
        self.settings = settings or Settings()  # notices a handler queues (催还) route by its channels
        self.shown = ShownLists()  # what 我的借阅 showed each user, for the numbers of their next request
        self.pages = PagedLists()  # each user's last list with more items, for 更多 (in memory)
        self.asked = followups.OpenQuestions()  # questions this process asked, for needs_run_once
        self._followed_at: OrderedDict[str, int] = OrderedDict()  # user → CreateTime of the last 关注 seen
        self._follow_lock = threading.Lock()
        self.parser = parser
        self.search = search
        self.routes = tuple(routes)
        self.pending_timeout = pending_timeout
        self.refresher = refresher
        self.ran_in_thread = 0  # queries that could not be answered from memory

    async def start(self) -> None:
        """Warm-up before the server reports ready (bot.app runs it): the search index, so the first
        查书 after a start neither waits for it nor gets "结果稍后发给你". Its pinyin tables follow in the
        background (CatalogueSearch.start_up); then what they built is frozen for the garbage collector,
        as bot.app does with the rest of start-up (else every full collection walks the index: p99)."""
        await asyncio.to_thread(self.search.start_up, _freeze_for_gc)

    async def respond(self, message: IncomingMessage) -> Reply:
        """Events and non-text get fixed answers; text goes through the handlers off the event loop."""
        if message.kind == "event" and message.event in FOLLOW_EVENTS:
            return await run_db(self._follow_event, message)
        text = self._text_or_fixed_reply(message)
        if isinstance(text, Reply):
            return text
        return Reply(await run_db(self.handle, text))  # the app's database threads (bot.dbwork)

    def answer_now(self, message: IncomingMessage) -> Reply | None:
        """The transport's fast path for a query: its reply from memory, or None to respond() instead.

        Runs on the event loop under memory_only(): whatever needs the database raises WouldBlock
        before touching it, and the message then goes through respond() in a thread (a query has
        nothing to undo). Actions are never answered here.
        """
        text = self._text_or_fixed_reply(message)
        if isinstance(text, Reply):
            return text
        if self.needs_run_once(text):
            return None
        try:
            with memory_only():
                return Reply(self.handle(text))
        except WouldBlock:
            self.ran_in_thread += 1
            return None

    def _text_or_fixed_reply(self, message: IncomingMessage) -> IncomingMessage | Reply:
        """A menu click or a book's scan as the text it stands for; the fixed reply for other events,
        non-text and voice without recognised text."""
        if message.kind == "event":
            if message.event in SCAN_EVENTS:
                as_text = scan_as_text(message)  # a book's ISBN: searched as if typed (bot/scan.py)
                if as_text is None:
                    return Reply(not_a_book_reply(message))
            else:
                as_text = click_as_text(message)
            if as_text is None:
                return Reply("")  # view, location reports, ...: nothing to say (follow events: respond)
            message = as_text
        if message.kind not in ("text", "voice"):
            return Reply(NOT_TEXT)
        if message.kind == "voice" and not message.text.strip():
            # No <Recognition> (the account has no speech recognition) or an empty one: asking to say it
            # again would fail the same way every time.
            return Reply(TYPE_INSTEAD)
        return message

    def _follow_event(self, message: IncomingMessage) -> Reply:
        """关注 / 取消关注: pushes stop on unsubscribe and come back on subscribe (core/notices/following.py)."""
        if message.event == "unsubscribe":
            if self._followed_after(message):
                return Reply("")  # an older unsubscribe arriving late: the user follows now
            held = following.unfollowed(self.library, message.user_id, message.channel)
            # A keyed tag, never the openid (docs/privacy.md).
            log.info("user#%s unfollowed on %s: %d pushes held", tag(message.user_id), message.channel, held)
            return Reply("")  # WeChat shows nothing to a user who left
        self._note_follow(message)
        released, closed = following.refollowed(self.library, message.user_id, message.channel)
        if released or closed:
            log.info("user#%s followed again on %s: %d held pushes released, %d too old",
                     tag(message.user_id), message.channel, released, closed)
        if accounts.identify(self.library, message.user_id) is not None:
            return Reply(WELCOME_BACK)
        return Reply(WELCOME)

    def _note_follow(self, message: IncomingMessage) -> None:
        # The subscribe's own time (CreateTime), in this process's memory: an unsubscribe sent before it
        # but handled after it (a retry, a slow request) must not hold pushes while the user follows.
        if message.create_time:
            with self._follow_lock:
                self._followed_at[message.user_id] = message.create_time
                self._followed_at.move_to_end(message.user_id)
                while len(self._followed_at) > 10_000:
                    self._followed_at.popitem(last=False)

    def _followed_after(self, message: IncomingMessage) -> bool:
        """True when this unsubscribe is older than a subscribe of the same user already handled here."""
        with self._follow_lock:
            followed = self._followed_at.get(message.user_id)
        return bool(message.create_time and followed is not None and message.create_time < followed)

    def needs_run_once(self, message: IncomingMessage) -> bool:
        """The transport's question: may this message act? False only for read-only intents."""
        if message.kind == "event":
            if message.event in SCAN_EVENTS:
                as_text = scan_as_text(message)
                if as_text is None:
                    return False  # a fixed answer
            else:
                as_text = click_as_text(message)
            if as_text is None:
                return True  # (un)subscribe stops and restarts pushes; other events: claimed, cheap
            message = as_text
        if message.kind not in ("text", "voice") or not message.text.strip():
            return False  # fixed answers
        parse = self._parse(message.text)
        if parse.intent in FREE_ANSWER_INTENTS and self._may_have_question(message.user_id):
            return True  # "三体" after "想预约哪本书？" reserves (bot/handlers/followups.py): an action
        if parse.intent == "unknown":  # "1", "好的", "全部" may continue a pending action
            return any(slot in parse.slots for slot in CONTINUING_SLOTS)
        return parse.intent not in READ_ONLY_INTENTS and parse.intent != MORE  # 更多: the next page of a query

    def _may_have_question(self, user_id: str) -> bool:
        # This process's note of the questions it asked (no database on the event loop). A question
        # asked by another process is not known here: its answer then runs unclaimed, and still at most
        # once, since the question is taken by one DELETE … RETURNING (core/conversations.py).
        return self.asked.is_open(user_id, self.library.now())

    def _parse(self, text: str) -> ParseResult:
        # The transport asks needs_run_once() and then respond() about the same message: parse once.
        # Cut first, so the cache holds short keys and every path reads the same head of the text.
        return self._parse_with(cut(text)[0], self.parser.generation)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one router per process, it lives as long
    def _parse_with(self, text: str, generation: int) -> ParseResult:
        return self.parser.parse(text)

    def handle(self, message: IncomingMessage) -> str:
        """Synchronous core of respond(): usable from the terminal chat and tests.

        Only the first MAX_MESSAGE_CHARS characters are read (bot.nlp.limits); the reply to a
        longer message ends with a note saying so, since what came later was not done.
        """
        text, was_cut = cut(message.text)
        if was_cut:
            message = replace(message, text=text)
        reply = self._handle_safely(message)
        return f"{reply}\n{CUT_NOTE}" if was_cut and reply else reply

    def _handle_safely(self, message: IncomingMessage) -> str:
        try:
            return self._handle(message)
        except WouldBlock:
            raise  # not an error: respond() runs the message again in a thread
        except Exception:  # a stack trace is never an answer
            # No message text or openid in the logs (personal data): a keyed tag ties lines together.
            log.exception("handler failed for user#%s (%d characters)", tag(message.user_id), len(message.text))
            return OOPS

    def _take_pending(self, user_id: str) -> Pending | None:
        # Taken (deleted) by every message: any new request drops the old question.
        state = conversations.take(self.library, user_id)
        return Pending.from_state(state) if state is not None else None

    def _handle(self, message: IncomingMessage) -> str:
        with self.library.read_scope():  # one read transaction for the whole message
            return self._handle_in_scope(message)

    def _handle_in_scope(self, message: IncomingMessage) -> str:
        if self.refresher is not None:
            self.refresher.maybe_refresh()  # new books become words the parser knows
        parse = self._parse(message.text)
        if not message.text.strip():
            return "没听清楚，请再说一遍～ 发送“帮助”看看我能做什么。"
        if message.channel == "wechat":
            # A message to the Official Account reopens its 48-hour customer-service window.
            reachability.mark_reachable(self.library, message.user_id, "wechat_cs")
        pending = self._take_pending(message.user_id)
        identity = accounts.identify(self.library, message.user_id)
        ctx = Context(self.library, self.search, message, parse, identity, pending,
                      question_lifetime=self.pending_timeout, settings=self.settings,
                      shown=self.shown, pages=self.pages)
        reply = self._dispatch(ctx)
        if parse.intent == MORE:
            self.pages.answered(message.user_id, message.msg_id, reply)
        if not ctx.kept_page:
            self.pages.forget(message.user_id)  # 更多 continues only the list this user just read
        if ctx.asked is not None:
            expires = self.library.now() + self.pending_timeout
            conversations.put(self.library, message.user_id, ctx.asked.to_state(), expires)
            if ctx.asked.kind in followups.FREE_ANSWER_KINDS:
                self.asked.asked(message.user_id, expires)  # the answer to it is claimed (needs_run_once)
            else:
                self.asked.answered(message.user_id)
        elif pending is not None:
            self.asked.answered(message.user_id)
        return reply

    def _dispatch(self, ctx: Context) -> str:
        if ctx.parse.intent == MORE:
            # 更多 is not claimed (read-only, docs/transport.md): a WeChat retry of it must show the same
            # page again, not the next one.
            if (again := self.pages.replay(ctx.message.user_id, ctx.message.msg_id)) is not None:
                ctx.kept_page = True
                return again
            page = self.pages.recall(ctx.message.user_id, self.library.now() - self.pending_timeout)
            if page is None:
                return NOTHING_TO_PAGE
            ctx.parse = ParseResult(page.intent, {**page.slots, "_offset": page.shown}, 1.0)
        if (reply := followups.answer(ctx)) is not None:  # a title, a name, a kind of push, 算了
            return reply
        if ctx.pending is not None and ctx.parse.intent == "unknown" and any(
                slot in ctx.parse.slots for slot in CONTINUING_SLOTS):
            for routes in self.routes:
                if (reply := routes.continue_(ctx)) is not None:
                    return reply
        if (reply := followups.closed(ctx)) is not None:
            return reply
        if (question := gate(ctx)) is not None:
            return question
        for routes in self.routes:
            if (reply := routes.handle(ctx)) is not None:
                return reply
        return fallback.handle(ctx) or menu(ctx)


def _freeze_for_gc() -> None:
    gc.collect()  # first, so no garbage is frozen with the index
    gc.freeze()


def build_router(library: Library, *, parser: Parser | None = None,
                 search: CatalogueSearch | None = None, settings: Settings | None = None) -> Router:
    """The router with a parser that knows the catalogue's titles and authors, and catalogue search."""
    if parser is None:
        terms, authors = queries.catalogue_vocabulary(library)
        parser = Parser(catalogue_terms=terms, authors=authors)
    if search is None:  # availability and the catalogue version from the read model (core/live)
        search = CatalogueSearch(library.read_session_factory,
                                 cached=library.cached if library.live is not None else None)
    return Router(library, parser, search,
                  refresher=ParserRefresher(library, parser), settings=settings)
