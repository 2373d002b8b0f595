"""The callback replay guard on the event loop: timestamp window first, then the nonce, batched writes.

Endpoints call `check_window` once the signature is verified and `offer` once
everything signed (the body too) is verified, so an unsigned request never writes a row. Nonces
arriving while a write is in flight share the next INSERT (group commit, as bot/keywriter.py does
for run-once keys). A write refused by a locked database (a long SQLite import, a PostgreSQL lock)
is tried again with backoff; the dispatcher waits for the verdict only as long as its reply
deadline allows (bot/dispatch.py), so a slow database never holds a reply past WeChat's 5 s.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError

from bot.dbwork import DatabaseExecutor
from bot.wxml import BadRequest
from core.replay import MAX_NONCE, NonceStore, Offer

log = logging.getLogger("shuxiang.replay")
MAX_BATCH = 300  # 3 bound parameters a row: well under SQLite's limit
# A write refused by a locked database is retried for this long (as run-once claims are, bot/dispatch.py).
WRITE_PATIENCE_SECONDS = 120.0
# GET verification waits this long for the verdict; later, it echoes anyway (a replayed GET can only
# echo, and WeChat's verification gives up after 5 s).
GET_VERDICT_SECONDS = 4.0


def parse_timestamp(text: str) -> datetime:
    """A callback's `timestamp` (Unix seconds, canonical digits) as an aware UTC datetime; BadRequest(403) otherwise.

    Canonical: no sign, no leading zero. The signature is sha1 of the sorted parts *concatenated*, so
    where one part ends is not signed: "0123456"+"01796051911" signs like "01234560"+"1796051911".
    A zero-padded timestamp would let a used URL be cut into a new nonce for the same second.
    """
    if not text.isascii() or not text.isdigit() or len(text) > 11 or text != str(int(text)):
        raise BadRequest(403, "missing or malformed timestamp")
    return datetime.fromtimestamp(int(text), UTC)


class ReplayGuard:
    """Refuses (BadRequest 403) callbacks outside the time window and nonces already used on a channel."""

    def __init__(self, store: NonceStore, *, after_write: Callable[[], None] | None = None,
                 executor: DatabaseExecutor | None = None) -> None:
        """`after_write` runs in the writer thread after each batch (see _write); writes run on
        `executor` (the app's run-once key threads), or asyncio's default one without it."""
        self.store = store
        self._after_write = after_write
        self._executor = executor
        self._queue: list[tuple[str, str, datetime, str | None, asyncio.Future[bool]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._queue:
            await self._flush()

    def check_window(self, timestamp: str) -> datetime:
        """The parsed timestamp when it lies within the window of our clock; BadRequest(403) otherwise."""
        when = parse_timestamp(timestamp)
        if not self.store.in_window(when):
            raise BadRequest(403, "timestamp outside the callback window")
        return when

    def offer(self, channel: str, nonce: str, when: datetime, signature: str = "") -> asyncio.Future[bool]:
        """Queue the nonce for the next write; the future says whether it was new (False: a replay).

        `signature` (the request's `signature` or `msg_signature`) is recorded with the nonce and
        must be new too: however a used URL is cut into other timestamp and nonce strings, the
        concatenation it signs, and so its signature, stays the same.
        BadRequest(403) at once when the nonce is empty or too long. The future waits while the
        database is locked (retried with backoff) and fails only on another error or after
        WRITE_PATIENCE_SECONDS. Needs `start()` (the app's start-up does it).
        """
        if not nonce or len(nonce) > MAX_NONCE:
            raise BadRequest(403, "missing or malformed nonce")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((channel, nonce, when, signature or None, future))
        self._wake.set()
        return future

    def _write(self, offers: Sequence[Offer]) -> set[tuple[str, str]]:
        # The window was checked when each request arrived (check_window); not again here.
        accepted = self.store.accept_many(offers, window_checked=True)
        if self._after_write is not None:
            # Our own commit moves SQLite's data_version, so the in-memory read model would read the
            # change feed on the next message, from a thread. Syncing it here, in this thread, keeps
            # queries answered from memory on the event loop (bench/http.py without it: 105 → 395 µs of
            # server CPU per message).
            try:
                self._after_write()
            except Exception:
                log.exception("syncing the read model after writing nonces failed")
        return accepted

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                await self._flush()

    async def _flush(self) -> None:
        batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        if not batch:
            return
        loop = asyncio.get_running_loop()
        started, delay = loop.time(), 0.2
        offers = [(c, n, t, sig) for c, n, t, sig, _ in batch]
        while True:
            try:
                if self._executor is not None:
                    accepted = await self._executor.run(self._write, offers)
                else:
                    accepted = await asyncio.to_thread(self._write, offers)
                break
            except OperationalError as exc:  # locked or busy: the lock ends some day, the callers wait
                if loop.time() - started > WRITE_PATIENCE_SECONDS:
                    self._fail(batch, exc)
                    return
                log.warning("writing %d callback nonces: database busy (%s); again in %.1f s", len(batch),
                            type(exc.orig or exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception as exc:
                self._fail(batch, exc)
                return
        for channel, nonce, _, _, future in batch:
            if not future.done():  # the caller may have gone
                future.set_result((channel, nonce) in accepted)
            accepted.discard((channel, nonce))  # the same nonce twice in one batch: only the first wins

    @staticmethod
    def _fail(batch: list[tuple[str, str, datetime, str | None, asyncio.Future[bool]]], exc: Exception) -> None:
        log.error("writing %d callback nonces failed: %s", len(batch), type(exc).__name__)
        for *_, future in batch:
            if not future.done():
                future.set_exception(exc)


async def verify_admitted(admission: asyncio.Future[bool]) -> None:
    """For a URL verification (GET): BadRequest(403) when the nonce was used; waits at most
    GET_VERDICT_SECONDS, then lets it through (the write goes on; a replayed GET can only echo)."""
    try:
        admitted = await asyncio.wait_for(asyncio.shield(admission), GET_VERDICT_SECONDS)
    except TimeoutError:
        log.warning("verification echoed before its nonce was written (database slow)")
        return
    if not admitted:
        raise BadRequest(403, "nonce already used (replay)")
