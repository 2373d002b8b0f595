"""One pipeline for every channel: dedupe, run the responder under the deadline, hand off late answers."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.dedupe import dedupe_key
from bot.keywriter import BatchedKeys
from bot.messages import IncomingMessage, Reply
from bot.responder import Responder
from core.clock import Clock
from core.messaging import PENDING

log = logging.getLogger("shuxiang.dispatch")

HOLDING_TEXT = "正在为你查询，结果稍后发给你～"
SORRY_TEXT = "抱歉，系统开小差了，请稍后再试，或联系图书室老师。"
POLL_SECONDS = 0.05
# How far behind WeChat's our clock may run (NTP keeps servers well within this). Used to tell a
# fresh message from one that may have a copy that already missed its deadline (_may_have_late_copy).
CLOCK_SKEW_SECONDS = 1.0

LateHandler = Callable[[IncomingMessage, Reply, str], Awaitable[None]]


class Dispatcher:
    """Runs each message once (database key), answers within the deadline or hands off to `later`.

    A responder may say that a message has no side effects (`needs_run_once(message) -> False`,
    e.g. 我的借阅 or a search): such a message runs without a database write; a retry simply runs
    it again (WeChat shows one reply). It is first offered to the responder's `answer_now(message)`,
    if it has one (a reply from memory, without a task or a timer), then to `respond`. It claims its
    key only when it misses the deadline, so the late answer is still pushed once, and a copy that
    finds the key taken answers like a retry. Without the hook, or when it says True, the key is
    claimed before the responder runs: an action never runs twice.
    """

    def __init__(self, responder: Responder, keys: BatchedKeys, later: LateHandler, *,
                 deadline: float, clock: Clock, holding_text: str = HOLDING_TEXT) -> None:
        self._responder = responder
        self._clock = clock
        self._keys = keys
        self._later = later
        self._deadline = deadline
        self._holding = holding_text
        self._tasks: set[asyncio.Task[Reply]] = set()
        self._needs_run_once: Callable[[IncomingMessage], bool] | None = getattr(responder, "needs_run_once", None)
        self._answer_now_hook: Callable[[IncomingMessage], Reply | None] | None = getattr(
            responder, "answer_now", None)

    async def dispatch(self, message: IncomingMessage) -> Reply:
        """The reply for this message; a retry gets the first answer, the holding text, or nothing."""
        loop = asyncio.get_running_loop()
        until = loop.time() + self._deadline
        key = dedupe_key(message)
        if not self._run_once(message):
            return await self._dispatch_read_only(message, key, until)
        if not await self._keys.claim(key):
            log.info("retry key=%s", _short(key))
            return await self._first_answer(key, until)
        return await self._answer(message, key, self._track(self._respond(message)), until)

    def _run_once(self, message: IncomingMessage) -> bool:
        if self._needs_run_once is None:
            return True
        try:
            return bool(self._needs_run_once(message))
        except Exception:  # when unsure, claim first
            log.exception("needs_run_once failed channel=%s kind=%s", message.channel, message.kind)
            return True

    async def _dispatch_read_only(self, message: IncomingMessage, key: str, until: float) -> Reply:
        """No side effects: answer without touching the key; claim it only to hand a late answer off once."""
        reply = self._answer_now(message)  # from memory: no task, no timer
        if reply is None:
            task = self._track(self._respond(message))
            try:
                reply = await asyncio.wait_for(asyncio.shield(task),
                                               max(0.0, until - asyncio.get_running_loop().time()))
            except TimeoutError:
                if not await self._keys.claim(key):  # another copy missed the deadline first: it pushes
                    log.info("retry key=%s (read-only, late)", _short(key))
                    return await self._first_answer(key, until)
                return await self._answer(message, key, task, until)
        # An earlier copy that missed its deadline owns the key and pushes the answer: say what it
        # said instead (one batched read, no write). WeChat retries after 5 s, later than any deadline.
        if not self._may_have_late_copy(message) or await self._keys.peek(key) is None:
            return reply
        log.info("retry key=%s (read-only, answered by an earlier copy)", _short(key))
        return await self._first_answer(key, until)

    def _answer_now(self, message: IncomingMessage) -> Reply | None:
        if self._answer_now_hook is None:
            return None
        try:
            return self._answer_now_hook(message)
        except Exception:  # the responder's own path still answers
            log.exception("answer_now failed channel=%s kind=%s", message.channel, message.kind)
            return None

    def _may_have_late_copy(self, message: IncomingMessage) -> bool:
        """False when the message is too fresh for any copy of it to have missed its deadline yet.

        A copy arrives after the message's CreateTime and claims the key only when its deadline
        passes, so a message younger than the deadline has no late copy: its key needs no lookup.
        Messages without a CreateTime are always looked up. If our clock ran more than
        CLOCK_SKEW_SECONDS behind WeChat's, the worst case is a query answered twice, never an action.
        """
        if message.create_time <= 0:
            return True
        age = self._clock().timestamp() - message.create_time
        return age >= self._deadline - CLOCK_SKEW_SECONDS

    async def _answer(self, message: IncomingMessage, key: str, task: asyncio.Task[Reply], until: float) -> Reply:
        """We own the key: the answer within the deadline, else the holding text and a push later."""
        settled = self._track(self._settle(message, key, task))
        try:
            return await asyncio.wait_for(asyncio.shield(settled), max(0.0, until - asyncio.get_running_loop().time()))
        except TimeoutError:
            pass
        holding = Reply(self._holding)
        if await self._keys.hand_off(key, {"state": "later", "text": holding.text}):
            log.info("deadline key=%s: holding reply, answer follows as a push", _short(key))
            return holding
        return await settled  # the answer was stored just as the deadline passed: send it now

    def _track(self, coro: Coroutine[Any, Any, Reply]) -> asyncio.Task[Reply]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _respond(self, message: IncomingMessage) -> Reply:
        try:
            return await self._responder.respond(message)
        except Exception:  # one bad handler must not leave the user (or WeChat's retries) hanging
            log.exception("responder failed channel=%s kind=%s", message.channel, message.kind)
            return Reply(SORRY_TEXT)

    async def _settle(self, message: IncomingMessage, key: str, task: asyncio.Task[Reply]) -> Reply:
        """Store the answer on the key; if the holding text went out instead, push the answer."""
        reply = await task
        if await self._keys.finish(key, {"state": "done", "text": reply.text}):
            return reply
        if not reply.is_empty:  # the request was answered with the holding text: push the answer
            try:
                await self._later(message, reply, key)
            except Exception:
                log.exception("late answer could not be queued key=%s", _short(key))
        return reply

    async def _first_answer(self, key: str, until: float) -> Reply:
        loop = asyncio.get_running_loop()
        while True:
            result = await self._keys.result(key)
            if isinstance(result, dict):
                return Reply(str(result.get("text", "")))
            if result is not PENDING or loop.time() + POLL_SECONDS > until:
                return Reply("")  # still running (or forgotten): `success`, the first request answers
            await asyncio.sleep(POLL_SECONDS)

    async def drain(self, timeout: float = 10.0) -> None:
        """Let running answers finish (and queue their late pushes) before shutdown."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def _short(key: str) -> str:
    # Keys hold openids; logs keep only the channel, the kind and a short tail.
    head, _, rest = key.partition(":")
    return f"{head}:…{rest[-6:]}"
