"""One pipeline for every channel: dedupe, run the responder under the deadline, hand off late answers."""
from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.dbwork import DatabaseExecutor, using
from bot.dedupe import dedupe_key
from bot.keywriter import BatchedKeys
from bot.messages import IncomingMessage, Reply
from bot.responder import Responder
from core.clock import Clock
from core.messaging import KEY_LEASE_RENEW, Claim, Outcome
from core.uow import commit_guard

log = logging.getLogger("shuxiang.dispatch")

HOLDING_TEXT = "正在为你查询，结果稍后发给你～"
SORRY_TEXT = "抱歉，系统开小差了，请稍后再试，或联系图书室老师。"
# A copy that took over a key whose work was committed before its holder died (the answer was lost).
# It cannot tell "all done" from "one of several commits done" (全部续借 renews each book in its own
# transaction), so it never claims it was all done: it says how to check.
ALREADY_DONE_TEXT = ("这条消息刚才已经处理过，但系统中途重启了一下，可能只办好了一部分。"
                     "请发送“我的借阅”核对一下，没办好的再发一次就行。")
POLL_SECONDS = 0.05
# How far behind WeChat's our clock may run (NTP keeps servers well within this). Used to tell a
# fresh message from one that may have a copy that already missed its deadline (_may_have_late_copy).
CLOCK_SKEW_SECONDS = 1.0
# A read-only answer that missed the deadline claims its key then; the claim gets this much more
# before the holding reply goes out without it (WeChat gives up at 5 s, the deadline is 4 s).
CLAIM_GRACE_SECONDS = 0.5
# A claim refused by a locked database (SQLite's busy timeout, a PostgreSQL lock timeout) is tried
# again with backoff for this long: the user was told the answer follows.
CLAIM_PATIENCE_SECONDS = 120.0

LateHandler = Callable[[IncomingMessage, Reply, str], Awaitable[None]]
T = TypeVar("T")


class NotAdmitted(Exception):
    """The transport's admission check said no within the deadline (a replayed callback): refuse it."""


@dataclass
class _Held:
    """One request that owns its key: the claim, and whether the holding reply went out for it."""

    claim: Claim
    told_later: bool = False


class Dispatcher:
    """Runs each message once (database key with a lease), answers within the deadline or hands off to `later`.

    A responder may say that a message has no side effects (`needs_run_once(message) -> False`,
    e.g. 我的借阅 or a search): such a message runs without a database write; a retry simply runs
    it again (WeChat shows one reply). It is first offered to the responder's `answer_now(message)`,
    if it has one (a reply from memory, without a task or a timer), then to `respond`. It claims its
    key only when it misses the deadline, so the late answer is still pushed once, and a copy that
    finds the key taken answers like a retry. Without the hook, or when it says True, the key is
    claimed before the responder runs: an action never runs twice.

    The deadline covers everything, the claim included: a claim stuck behind a database lock gets
    the holding reply in time and the answer later. While it runs, the responder's commits carry the
    key's "acting" mark (core.uow.commit_guard) and its lease is renewed; a copy arriving after the
    holder died takes the key over and runs the message, or, if its work was committed, only answers.
    Blocking calls run on `executor` (the app's database threads; read-only messages on
    `read_executor`). Nothing here raises: a database error is a friendly reply, never an HTTP 500.
    """

    def __init__(self, responder: Responder, keys: BatchedKeys, later: LateHandler, *,
                 deadline: float, clock: Clock, holding_text: str = HOLDING_TEXT,
                 executor: DatabaseExecutor | None = None, read_executor: DatabaseExecutor | None = None) -> None:
        self._responder = responder
        self._clock = clock
        self._keys = keys
        self._later = later
        self._deadline = deadline
        self._holding = holding_text
        self._executor = executor
        # Read-only messages get threads of their own: a query must not queue behind actions that
        # wait on a lock (on PostgreSQL and in SQLite's WAL mode reads do not wait on writers).
        self._read_executor = read_executor or executor
        self._tasks: set[asyncio.Task[Any]] = set()
        self._needs_run_once: Callable[[IncomingMessage], bool] | None = getattr(responder, "needs_run_once", None)
        self._answer_now_hook: Callable[[IncomingMessage], Reply | None] | None = getattr(
            responder, "answer_now", None)

    async def dispatch(self, message: IncomingMessage, admission: asyncio.Future[bool] | None = None) -> Reply:
        """The reply for this message; a retry gets the first answer, the holding text, or nothing.

        `admission` is the transport's pending verdict on the request itself (the replay guard's
        nonce write): it is waited for inside the deadline like the claim. False in time raises
        NotAdmitted (the transport refuses the request); still unknown at the deadline, the request
        gets the holding reply and the message runs once the verdict is True (its answer pushed),
        never if it is False.
        """
        until = asyncio.get_running_loop().time() + self._deadline
        if admission is not None and (held := await self._admit(message, admission, until)) is not None:
            return held
        key = dedupe_key(message)
        try:
            if not self._run_once(message):
                return await self._dispatch_read_only(message, key, until)
            held = await self._claim_in_time(message, key, until)
            if isinstance(held, Reply):
                return held
            if held is None:
                log.info("retry key=%s", _short(key))
                return await self._first_answer(key, until)
            return await self._answer(message, held, self._track(self._run(message, held)), until)
        except Exception:  # a database that is down: a friendly answer, never a 500 (WeChat would retry)
            _log_failure("dispatch failed channel=%s kind=%s", message.channel, message.kind)
            return Reply(SORRY_TEXT)

    async def _admit(self, message: IncomingMessage, admission: asyncio.Future[bool], until: float) -> Reply | None:
        """None when admitted in time; the holding reply when the verdict is late; NotAdmitted when refused."""
        try:
            admitted = await asyncio.wait_for(asyncio.shield(admission),
                                              max(0.0, until - asyncio.get_running_loop().time()))
        except TimeoutError:
            log.info("deadline channel=%s: admission still waiting on the database; holding reply", message.channel)
            self._track(self._late_admission(message, admission))
            return Reply(self._holding)
        except Exception:  # the database failed: we cannot tell a replay, so nothing runs
            _log_failure("admission failed channel=%s kind=%s", message.channel, message.kind)
            return Reply(SORRY_TEXT)
        if not admitted:
            raise NotAdmitted()
        return None

    async def _late_admission(self, message: IncomingMessage, admission: asyncio.Future[bool]) -> None:
        """The holding reply went out before the verdict: run the message if admitted, push its answer."""
        try:
            if not await admission:
                log.info("late admission refused channel=%s: not run", message.channel)
                return
        except Exception:
            _log_failure("late admission failed channel=%s kind=%s: not run", message.channel, message.kind)
            return
        claiming = self._track(self._claim_patiently(dedupe_key(message)))
        await self._late_claim(message, claiming, None)

    def _run_once(self, message: IncomingMessage) -> bool:
        if self._needs_run_once is None:
            return True
        try:
            return bool(self._needs_run_once(message))
        except Exception:  # when unsure, claim first
            log.exception("needs_run_once failed channel=%s kind=%s", message.channel, message.kind)
            return True

    async def _claim_in_time(self, message: IncomingMessage, key: str, until: float,
                             running: asyncio.Task[Reply] | None = None) -> _Held | Reply | None:
        """Claim the key before `until`: the claim, None for a retry, or the holding reply when it is late.

        A late claim goes on in the background; if it wins, the message runs (or `running` is
        awaited) and the answer is pushed; if it loses, the copy that holds the key answers.
        """
        claiming = self._track(self._claim_patiently(key))
        try:
            claim = await asyncio.wait_for(asyncio.shield(claiming),
                                           max(0.0, until - asyncio.get_running_loop().time()))
        except TimeoutError:
            log.info("deadline key=%s: the claim is still waiting on the database; holding reply", _short(key))
            self._track(self._late_claim(message, claiming, running))
            return Reply(self._holding)
        return None if claim is None else _Held(claim)

    async def _claim_patiently(self, key: str) -> Claim | None:
        loop = asyncio.get_running_loop()
        started, delay = loop.time(), 0.2
        while True:
            try:
                return await self._keys.claim(key)
            except OperationalError:  # locked or busy past the driver's timeout: the lock ends some day
                if loop.time() - started > CLAIM_PATIENCE_SECONDS:
                    raise
                log.warning("claim key=%s refused by the database; trying again in %.1f s", _short(key), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _late_claim(self, message: IncomingMessage, claiming: asyncio.Task[Claim | None],
                          running: asyncio.Task[Reply] | None) -> None:
        """The holding reply went out before the claim returned: run the message now, push its answer."""
        try:
            claim = await claiming
        except Exception:
            _log_failure("late claim failed channel=%s kind=%s: no answer follows", message.channel, message.kind)
            return
        if claim is None:
            return  # another copy holds the key: it answers
        held = _Held(claim, told_later=True)
        try:  # retries meanwhile get the holding text too
            await self._keys.hand_off(claim, {"state": "later", "text": self._holding})
        except Exception:
            log.warning("late claim key=%s: hand-off not recorded", _short(claim.key))
        await self._settle(message, held, running or self._track(self._run(message, held)))

    async def _dispatch_read_only(self, message: IncomingMessage, key: str, until: float) -> Reply:
        """No side effects: answer without touching the key; claim it only to hand a late answer off once."""
        reply = self._answer_now(message)  # from memory: no task, no timer
        if reply is None:
            task = self._track(self._respond(message, self._read_executor))
            try:
                reply = await asyncio.wait_for(asyncio.shield(task),
                                               max(0.0, until - asyncio.get_running_loop().time()))
            except TimeoutError:
                held = await self._claim_in_time(message, key, until + CLAIM_GRACE_SECONDS, running=task)
                if isinstance(held, Reply):
                    return held
                if held is None:  # another copy missed the deadline first: it pushes
                    log.info("retry key=%s (read-only, late)", _short(key))
                    return await self._first_answer(key, until)
                return await self._answer(message, held, task, until)
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

    async def _answer(self, message: IncomingMessage, held: _Held, task: asyncio.Task[Reply], until: float) -> Reply:
        """We own the key: the answer within the deadline, else the holding text and a push later."""
        settled = self._track(self._settle(message, held, task))
        try:
            return await asyncio.wait_for(asyncio.shield(settled), max(0.0, until - asyncio.get_running_loop().time()))
        except TimeoutError:
            pass
        holding = Reply(self._holding)
        try:
            handed_off = await asyncio.wait_for(self._keys.hand_off(held.claim, {"state": "later", "text": holding.text}),
                                                CLAIM_GRACE_SECONDS)
        except Exception:  # locked or slow: the answer still follows as a push (see _settle)
            log.warning("deadline key=%s: hand-off not recorded; holding reply anyway", _short(held.claim.key))
            handed_off = True
        if handed_off:
            held.told_later = True
            if not settled.done():
                log.info("deadline key=%s: holding reply, answer follows as a push", _short(held.claim.key))
                return holding
        return await settled  # the answer was stored just as the deadline passed: send it now

    def _track(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, message: IncomingMessage, held: _Held) -> Reply:
        """Run an action under its claim: commits carry the key's mark, the lease is renewed meanwhile."""
        claim = held.claim
        if claim.acted:  # its holder died after committing: never run it again, just answer
            log.info("took over key=%s: already done", _short(claim.key))
            return Reply(claim.answer or ALREADY_DONE_TEXT)
        if claim.took_over:
            log.info("took over key=%s: its holder died before committing; running it", _short(claim.key))
        keeper = asyncio.create_task(self._keep_lease(claim))
        try:
            with commit_guard(self._keys.store.fence(claim)):
                return await self._respond(message, self._executor)
        finally:
            keeper.cancel()

    async def _keep_lease(self, claim: Claim) -> None:
        while True:
            await asyncio.sleep(KEY_LEASE_RENEW.total_seconds())
            try:
                if not await self._keys.renew(claim):
                    return  # taken over: its commits will be refused
            except Exception:  # a locked database: the next round tries again
                log.warning("lease renewal failed key=%s", _short(claim.key))

    async def _respond(self, message: IncomingMessage, executor: DatabaseExecutor | None) -> Reply:
        try:
            with using(executor):
                return await self._responder.respond(message)
        except Exception:  # one bad handler must not leave the user (or WeChat's retries) hanging
            log.exception("responder failed channel=%s kind=%s", message.channel, message.kind)
            return Reply(SORRY_TEXT)

    async def _settle(self, message: IncomingMessage, held: _Held, task: asyncio.Task[Reply]) -> Reply:
        """Store the answer on the key; if the holding text went out instead, push the answer."""
        reply = await task
        try:
            outcome: Outcome | None = await self._keys.finish(held.claim, {"state": "done", "text": reply.text})
        except Exception:  # the answer is known; only the key could not record it
            _log_failure("storing the answer failed key=%s", _short(held.claim.key))
            outcome = None
        if outcome in (Outcome.STORED, None) and not held.told_later:
            return reply  # (STORED after told_later: the hand-off failed to record, so push below)
        if outcome is Outcome.LOST:
            log.info("key=%s was taken over: the copy that holds it answers", _short(held.claim.key))
            return Reply("")
        if not reply.is_empty:  # the request was answered with the holding text: push the answer
            try:
                await self._later(message, reply, held.claim.key)
            except Exception:
                log.exception("late answer could not be queued key=%s", _short(held.claim.key))
        return reply

    async def _first_answer(self, key: str, until: float) -> Reply:
        loop = asyncio.get_running_loop()
        while True:
            result = await self._keys.result(key)
            if isinstance(result, dict) and "text" in result:
                return Reply(str(result.get("text", "")))
            if result is None or loop.time() + POLL_SECONDS > until:
                return Reply("")  # still running (or forgotten): `success`, the first request answers
            await asyncio.sleep(POLL_SECONDS)  # PENDING, or "acting": committed, answer on its way

    async def drain(self, timeout: float = 10.0) -> None:
        """Let running answers finish (and queue their late pushes) before shutdown."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def _log_failure(msg: str, *args: object) -> None:
    # SQLAlchemy's errors print the statement's parameters (run-once keys hold openids): for them
    # the error's class only; anything else with its trace.
    exc = sys.exc_info()[1]
    if isinstance(exc, SQLAlchemyError):
        log.error(msg + ": %s", *args, type(getattr(exc, "orig", None) or exc).__name__)
    else:
        log.exception(msg, *args)


def _short(key: str) -> str:
    # Keys hold openids; logs keep only the channel, the kind and a short tail.
    head, _, rest = key.partition(":")
    return f"{head}:…{rest[-6:]}"
