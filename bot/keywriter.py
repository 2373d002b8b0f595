"""Group commit for run-once keys: claims and answers queued while a write is in flight share the next one.

Under load, one database transaction serves many messages (SQLite has a single writer; threads
fighting over its lock sleep in the busy handler). At low load a batch is a single message and
adds no delay. Each caller still gets its own answer: claimed or not, stored or not.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.exc import OperationalError

from bot.dbwork import DatabaseExecutor
from core.messaging import Claim, IdempotencyStore, Outcome

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger("shuxiang.keys")
MAX_BATCH = 500  # keeps one INSERT under SQLite's bound-parameter limit


class BatchedKeys:
    """Async front of IdempotencyStore: `claim` and `finish` share write batches, `peek` read batches.

    Its database calls run on `executor` (the app's key writer threads, apart from the handlers', so
    claims keep flowing while handlers wait on a lock); without one, on asyncio's default executor.
    """

    def __init__(self, store: IdempotencyStore, executor: DatabaseExecutor | None = None) -> None:
        self.store = store
        self._executor = executor
        self._claims: list[tuple[str, asyncio.Future[Claim | None]]] = []
        self._results: list[tuple[Claim, dict[str, Any], asyncio.Future[Outcome]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._peeks: list[tuple[str, asyncio.Future[dict[str, Any] | object | None]]] = []
        self._reader: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._claims or self._results:
            await self._flush()

    async def _call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._executor is None:
            return await asyncio.to_thread(fn, *args, **kwargs)
        return await self._executor.run(fn, *args, **kwargs)

    async def claim(self, key: str) -> Claim | None:
        """The claim when this caller owns the request, None for a retry (see IdempotencyStore.claim)."""
        future: asyncio.Future[Claim | None] = asyncio.get_running_loop().create_future()
        self._claims.append((key, future))
        self._wake.set()
        return await future

    async def finish(self, claim: Claim, result: dict[str, Any]) -> Outcome:
        """Store the answer under the claim (see IdempotencyStore.apply and Outcome)."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._results.append((claim, result, future))
        self._wake.set()
        return await future

    async def hand_off(self, claim: Claim, result: dict[str, Any]) -> bool:
        # Not batched: it races `finish` for the same key, and the database must order the two.
        return await self._call(self.store.hand_off, claim, result)

    async def renew(self, claim: Claim) -> bool:
        """Extend the claim's lease: its holder is alive and still working."""
        return await self._call(self.store.renew, claim)

    async def result(self, key: str) -> dict[str, Any] | object | None:
        return await self._call(self.store.result, key)

    async def peek(self, key: str) -> dict[str, Any] | object | None:
        """Like `result`, but lookups arriving while one is in flight share the next query."""
        future: asyncio.Future[dict[str, Any] | object | None] = asyncio.get_running_loop().create_future()
        self._peeks.append((key, future))
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read())  # ends when no lookup is left
        return await future

    async def _read(self) -> None:
        while self._peeks:
            batch, self._peeks = self._peeks[:MAX_BATCH], self._peeks[MAX_BATCH:]
            try:
                found = await self._call(self.store.results, [k for k, _ in batch])
            except Exception as exc:
                log.exception("reading %d run-once keys failed", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for key, future in batch:
                if not future.done():
                    future.set_result(found.get(key))

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._claims or self._results:
                await self._flush()

    async def _flush(self) -> None:
        claims, self._claims = self._claims[:MAX_BATCH], self._claims[MAX_BATCH:]
        results, self._results = self._results[:MAX_BATCH], self._results[MAX_BATCH:]
        # A second answer for one key in a batch waits for the next one (the first may win, not both).
        wanted: dict[str, tuple[Claim, dict[str, Any]]] = {}
        for claim, result, _ in results:
            wanted.setdefault(claim.key, (claim, result))
        try:
            claimed, outcomes = await self._call(self.store.apply, [k for k, _ in claims], wanted)
        except OperationalError as exc:  # locked or busy: the callers try again, no trace needed
            log.warning("writing %d run-once keys failed: %s", len(claims) + len(results), type(exc.orig).__name__)
            for _, future in claims:
                _settle(future, exc=exc)
            for _, _, future in results:
                _settle(future, exc=exc)
            return
        except Exception as exc:
            log.exception("writing %d run-once keys failed", len(claims) + len(results))
            for _, future in claims:
                _settle(future, exc=exc)
            for _, _, future in results:
                _settle(future, exc=exc)
            return
        for key, future in claims:
            _settle(future, claimed.pop(key, None))  # a key twice in one batch: only its first caller owns it
        for claim, result, future in results:
            if wanted[claim.key][1] is result:
                _settle(future, outcomes[claim.key])
            else:
                self._results.append((claim, result, future))


def _settle(future: asyncio.Future[Any], value: Any = None, *, exc: Exception | None = None) -> None:
    if future.done():  # the caller was cancelled (client went away)
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(value)
