"""Database work off the event loop on its own bounded thread pool, apart from asyncio's default one.

Handlers and run-once keys block on the database (a long SQLite write, a PostgreSQL row lock).
On asyncio's shared default executor they would take every thread, and the deadline's own work
(the holding reply's hand-off, pushes, health checks) would wait behind them. Here they wait in
their own pool, sized for the engine's connection pool; the default executor stays free.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class DatabaseExecutor:
    """A bounded ThreadPoolExecutor for blocking database calls; `run` keeps the caller's context.

    `workers`: at most this many calls run at once, the rest queue (in memory, not holding threads).
    Context variables (the request's run-once commit guard, its read scope) follow each call.
    """

    def __init__(self, workers: int, name: str) -> None:
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` in one of the pool's threads, in a copy of the current context."""
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def shutdown(self) -> None:
        """Stop taking work; calls already running finish in their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_CURRENT: ContextVar[DatabaseExecutor | None] = ContextVar("shuxiang_db_executor", default=None)


@contextmanager
def using(executor: DatabaseExecutor | None) -> Iterator[None]:
    """Make `run_db` in this context (and the tasks it starts) use `executor`."""
    token = _CURRENT.set(executor)
    try:
        yield
    finally:
        _CURRENT.reset(token)


async def run_db(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking database work on the request's DatabaseExecutor (asyncio.to_thread outside a request)."""
    executor = _CURRENT.get()
    if executor is None:
        return await asyncio.to_thread(fn, *args, **kwargs)
    return await executor.run(fn, *args, **kwargs)
