"""The library's dependencies in one place: database, clock, policy, school settings.

Built once by the bootstrap (server, scheduler, CLI) and passed to services; tests build
their own with a fixed clock. Nothing here is created at import time.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import versions
from core.calendar import SchoolCalendar
from core.clock import SCHOOL_TZ, Clock, school_today
from core.db import ensure_may_block, make_engine, make_read_session_factory, make_session_factory
from core.live import ChangeWatcher, LiveCache, Tag
from core.logtags import load_secret_or_keep
from core.policy import Policy
from core.schema import upgrade
from core.settings import SchoolSettings
from core.uow import SharedReadUnitOfWork, UnitOfWork

T = TypeVar("T")


@dataclass
class _ReadScope:
    """One request's reads (see Library.read_scope)."""

    library: Library
    session: Session | None = None  # opened by the first read that needs the database
    synced: bool = False  # the read model has applied the change feed since the scope's last write


# The current read scope, per thread/task context.
_READ_SCOPE: ContextVar[_ReadScope | None] = ContextVar("shuxiang_read_scope", default=None)


@dataclass
class Library:
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    policy: Policy = field(default_factory=Policy)
    school: SchoolSettings = field(default_factory=SchoolSettings)
    read_session_factory: sessionmaker[Session] | None = None  # defaults to one on the same engine
    live: LiveCache | None = None  # identities, open loans, ... kept in memory (see core/live)
    _calendar_cache: tuple[int, SchoolCalendar] | None = field(default=None, init=False, repr=False)
    _calendar_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def open(cls, url: str, *, clock: Clock, policy: Policy | None = None,
             school: SchoolSettings | None = None, migrate: bool = True, echo: bool = False,
             live: bool = True) -> Library:
        engine = make_engine(url, echo=echo)
        if migrate:
            upgrade(engine)
        load_secret_or_keep(engine)  # the log tags' per-install key (core/logtags.py)
        return cls(engine, make_session_factory(engine), clock, policy or Policy(), school or SchoolSettings(),
                   live=LiveCache(ChangeWatcher(engine)) if live else None)

    def __post_init__(self) -> None:
        if self.read_session_factory is None:
            self.read_session_factory = make_read_session_factory(self.engine)

    def uow(self) -> UnitOfWork:
        ensure_may_block("write")
        return UnitOfWork(self.session_factory, on_commit=self._after_write)

    def read_uow(self) -> UnitOfWork:
        """A unit of work for queries only: never blocks or is blocked by writers on SQLite."""
        assert self.read_session_factory is not None
        ensure_may_block("read")
        scope = self._scope()
        if scope is None:
            return UnitOfWork(self.read_session_factory)
        if scope.session is None:
            scope.session = self.read_session_factory()
        return SharedReadUnitOfWork(scope.session)

    def _scope(self) -> _ReadScope | None:
        scope = _READ_SCOPE.get()
        return scope if scope is not None and scope.library is self else None

    def fresh_read_uow(self) -> UnitOfWork:
        """A read in a transaction of its own, begun now (the read model's loads need that)."""
        assert self.read_session_factory is not None
        ensure_may_block("read")
        return UnitOfWork(self.read_session_factory)

    def cached(self, key: Hashable, load: Callable[[Session], tuple[T, Iterable[Tag]]],
               valid: Callable[[T], bool] | None = None) -> T:
        """`load(session)` → (value, tags), kept in memory until the change feed names a tag (or until
        `valid(value)` says it no longer holds, for values that depend on the time)."""
        def fresh() -> tuple[T, Iterable[Tag]]:
            with self.fresh_read_uow() as uow:
                return load(uow.session)
        if self.live is None:
            return fresh()[0]
        scope = self._scope()
        if scope is None:
            return self.live.get(key, fresh, valid=valid)
        # Within one request the feed is read once, and again after the request's own writes.
        value = self.live.get(key, fresh, sync=not scope.synced, valid=valid)
        scope.synced = True
        return value

    @contextmanager
    def read_scope(self) -> Iterator[None]:
        """Let every read of one request share one read session: one BEGIN/ROLLBACK, not one per query.

        A write committed meanwhile ends the shared transaction, so later reads see it.
        """
        scope = _ReadScope(self)
        token = _READ_SCOPE.set(scope)
        try:
            yield
        finally:
            _READ_SCOPE.reset(token)
            if scope.session is not None:
                scope.session.rollback()
                scope.session.close()

    def _after_write(self) -> None:
        scope = self._scope()
        if scope is None:
            return
        scope.synced = False  # the read model must see this write
        if scope.session is not None:
            scope.session.rollback()  # the next read begins a new snapshot that includes this write
            scope.session.info.clear()  # and re-reads the change counters

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return school_today(self.clock(), SCHOOL_TZ)

    def school_calendar(self) -> SchoolCalendar:
        """The calendar for reads outside a transaction: from memory until terms or days change."""
        def load(session: Session) -> tuple[SchoolCalendar, list[Tag]]:
            return self.calendar(session), [("version", str(versions.CALENDAR))]
        return self.cached(("calendar",), load)

    def calendar(self, session: Session) -> SchoolCalendar:
        """The school calendar, reloaded only when its change counter moved (one tiny query)."""
        version = versions.current(session, versions.CALENDAR)
        cached = self._calendar_cache
        if cached is not None and cached[0] == version:
            return cached[1]
        calendar = SchoolCalendar.load(session, weekend_closed=self.policy.weekend_closed)
        with self._calendar_lock:
            self._calendar_cache = (version, calendar)
        return calendar

    def close(self) -> None:
        if self.live is not None:
            self.live.close()
        self.engine.dispose()
