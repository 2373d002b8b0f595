"""Unit of work: one transaction per command; rolls back unless committed."""
from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """`with uow:` opens a session; `uow.commit()` makes the work stick, anything else rolls back.

    Services are synchronous (SQLAlchemy's sync engine): the aiohttp side calls them in a
    worker thread. That keeps one code path for the server, the CLI, the scheduler and the
    property tests, and SQLite's driver is synchronous underneath anyway.
    """

    def __init__(self, session_factory: sessionmaker[Session], *,
                 on_commit: Callable[[], None] | None = None) -> None:
        self._factory = session_factory
        self._session: Session | None = None
        self._on_commit = on_commit

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `with`")
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("UnitOfWork is not re-entrant")
        self._session = self._factory()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        session, self._session = self.session, None
        try:
            session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        self.session.commit()
        if self._on_commit is not None:
            self._on_commit()

    def flush(self) -> None:
        self.session.flush()


class SharedReadUnitOfWork(UnitOfWork):
    """A read inside a request's read scope: the scope's session, left open for the next read."""

    def __init__(self, session: Session) -> None:
        super().__init__(sessionmaker())
        self._shared = session

    def __enter__(self) -> UnitOfWork:
        self._session = self._shared
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._session = None  # the scope rolls back and closes it at its end

    def commit(self) -> None:
        raise RuntimeError("a read-only unit of work cannot commit")
