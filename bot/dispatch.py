"""One pipeline for every channel: dedupe, run the responder under the deadline, hand off late answers."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.dedupe import dedupe_key
from bot.keywriter import BatchedKeys
from bot.messages import IncomingMessage, Reply
from bot.responder import Responder
from core.messaging import PENDING

log = logging.getLogger("shuxiang.dispatch")

HOLDING_TEXT = "正在为你查询，结果稍后发给你～"
SORRY_TEXT = "抱歉，系统开小差了，请稍后再试，或联系图书室老师。"
POLL_SECONDS = 0.05

LateHandler = Callable[[IncomingMessage, Reply, str], Awaitable[None]]


class Dispatcher:
    """Runs each message once (database key), answers within the deadline or hands off to `later`."""

    def __init__(self, responder: Responder, keys: BatchedKeys, later: LateHandler, *,
                 deadline: float, holding_text: str = HOLDING_TEXT) -> None:
        self._responder = responder
        self._keys = keys
        self._later = later
        self._deadline = deadline
        self._holding = holding_text
        self._tasks: set[asyncio.Task[Reply]] = set()

    async def dispatch(self, message: IncomingMessage) -> Reply:
        """The reply for this message; a retry gets the first answer, the holding text, or nothing."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        key = dedupe_key(message)
        if not await self._keys.claim(key):
            log.info("retry key=%s", _short(key))
            return await self._first_answer(key, started + self._deadline)
        task = asyncio.create_task(self._run(message, key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        remaining = max(0.0, started + self._deadline - loop.time())
        try:
            return await asyncio.wait_for(asyncio.shield(task), remaining)
        except TimeoutError:
            pass
        holding = Reply(self._holding)
        if await self._keys.hand_off(key, {"state": "later", "text": holding.text}):
            log.info("deadline key=%s: holding reply, answer follows as a push", _short(key))
            return holding
        return await task  # the answer was stored just as the deadline passed: send it now

    async def _run(self, message: IncomingMessage, key: str) -> Reply:
        try:
            reply = await self._responder.respond(message)
        except Exception:  # one bad handler must not leave the user (or WeChat's retries) hanging
            log.exception("responder failed channel=%s kind=%s", message.channel, message.kind)
            reply = Reply(SORRY_TEXT)
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
