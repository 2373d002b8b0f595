"""The callback replay guard on the event loop: timestamp window first, then the nonce, batched writes.

Endpoints call `check_window` once the signature is verified and `accept` once everything signed
(the body too) is verified, so an unsigned request never writes a row. Nonces arriving while a
write is in flight share the next INSERT (group commit, as bot/keywriter.py does for run-once keys).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.wxml import BadRequest
from core.replay import MAX_NONCE, NonceStore

log = logging.getLogger("shuxiang.replay")
MAX_BATCH = 300  # 3 bound parameters a row: well under SQLite's limit


def parse_timestamp(text: str) -> datetime:
    """A callback's `timestamp` (Unix seconds, digits only) as an aware UTC datetime; BadRequest(403) otherwise."""
    if not text.isascii() or not text.isdigit() or len(text) > 11:
        raise BadRequest(403, "missing or malformed timestamp")
    return datetime.fromtimestamp(int(text), UTC)


class ReplayGuard:
    """Refuses (BadRequest 403) callbacks outside the time window and nonces already used on a channel."""

    def __init__(self, store: NonceStore, *, after_write: Callable[[], None] | None = None) -> None:
        """`after_write` runs in the writer thread after each batch (see _write)."""
        self.store = store
        self._after_write = after_write
        self._queue: list[tuple[str, str, datetime, asyncio.Future[bool]]] = []
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

    async def accept(self, channel: str, nonce: str, when: datetime) -> None:
        """Record the nonce; BadRequest(403) when it is empty, too long, or was already used."""
        if not nonce or len(nonce) > MAX_NONCE:
            raise BadRequest(403, "missing or malformed nonce")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((channel, nonce, when, future))
        self._wake.set()
        if self._task is None:  # not started (a bare endpoint): write now
            await self._flush()
        if not await future:
            raise BadRequest(403, "nonce already used (replay)")

    def _write(self, offers: Sequence[tuple[str, str, datetime]]) -> set[tuple[str, str]]:
        accepted = self.store.accept_many(offers)
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
        try:
            accepted = await asyncio.to_thread(self._write, [(c, n, t) for c, n, t, _ in batch])
        except Exception as exc:
            log.exception("writing %d callback nonces failed", len(batch))
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for channel, nonce, _, future in batch:
            if not future.done():  # the caller may have gone
                future.set_result((channel, nonce) in accepted)
            accepted.discard((channel, nonce))  # the same nonce twice in one batch: only the first wins
