"""Unit of work: one transaction per command; rolls back unless committed."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

CommitGuard = Callable[[Session], None]
# Set by whoever runs a request exactly once (the transport's run-once key): every write this
# request commits carries the key's "acting" mark in the same transaction (see core.messaging).
_COMMIT_GUARD: ContextVar[CommitGuard | None] = ContextVar("shuxiang_commit_guard", default=None)


@contextmanager
def commit_guard(guard: CommitGuard) -> Iterator[None]:
    """Run `guard(session)` inside every UnitOfWork commit in this context, just before COMMIT.

    The guard writes in the same transaction as the work (so both stick or neither does) and may
    raise to refuse the commit (the work is then rolled back). Context variables follow the request
    into worker threads started with asyncio.to_thread or a copied context.
    """
    token = _COMMIT_GUARD.set(guard)
    try:
        yield
    finally:
        _COMMIT_GUARD.reset(token)


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
        guard = _COMMIT_GUARD.get()
        if guard is not None:
            guard(self.session)
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
