"""The library's dependencies in one place: database, clock, policy, school settings.

Built once by the bootstrap (server, scheduler, CLI) and passed to services; tests build
their own with a fixed clock. Nothing here is created at import time.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import versions
from core.calendar import SchoolCalendar
from core.clock import SCHOOL_TZ, Clock, school_today
from core.db import make_engine, make_read_session_factory, make_session_factory
from core.policy import Policy
from core.schema import upgrade
from core.settings import SchoolSettings
from core.uow import SharedReadUnitOfWork, UnitOfWork

# The read session shared by one request's reads (see Library.read_scope), per thread/task context.
_READ_SCOPE: ContextVar[tuple[Library, Session] | None] = ContextVar("shuxiang_read_scope", default=None)


@dataclass
class Library:
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    policy: Policy = field(default_factory=Policy)
    school: SchoolSettings = field(default_factory=SchoolSettings)
    read_session_factory: sessionmaker[Session] | None = None  # defaults to one on the same engine
    _calendar_cache: tuple[int, SchoolCalendar] | None = field(default=None, init=False, repr=False)
    _calendar_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def open(cls, url: str, *, clock: Clock, policy: Policy | None = None,
             school: SchoolSettings | None = None, migrate: bool = True, echo: bool = False) -> Library:
        engine = make_engine(url, echo=echo)
        if migrate:
            upgrade(engine)
        return cls(engine, make_session_factory(engine), clock, policy or Policy(), school or SchoolSettings())

    def __post_init__(self) -> None:
        if self.read_session_factory is None:
            self.read_session_factory = make_read_session_factory(self.engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, on_commit=self._after_write)

    def read_uow(self) -> UnitOfWork:
        """A unit of work for queries only: never blocks or is blocked by writers on SQLite."""
        scope = _READ_SCOPE.get()
        if scope is not None and scope[0] is self:
            return SharedReadUnitOfWork(scope[1])
        assert self.read_session_factory is not None
        return UnitOfWork(self.read_session_factory)

    @contextmanager
    def read_scope(self) -> Iterator[None]:
        """Let every read of one request share one read session: one BEGIN/ROLLBACK, not one per query.

        A write committed meanwhile ends the shared transaction, so later reads see it.
        """
        assert self.read_session_factory is not None
        session = self.read_session_factory()
        token = _READ_SCOPE.set((self, session))
        try:
            yield
        finally:
            _READ_SCOPE.reset(token)
            session.rollback()
            session.close()

    def _after_write(self) -> None:
        scope = _READ_SCOPE.get()
        if scope is not None and scope[0] is self:
            scope[1].rollback()  # the next read begins a new snapshot that includes this write
            scope[1].info.clear()  # and re-reads the change counters

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return school_today(self.clock(), SCHOOL_TZ)

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
        self.engine.dispose()
