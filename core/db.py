"""Engines and sessions. SQLite gets WAL, foreign keys and write-locking transactions."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_URL = "sqlite:///shuxiang.db"
READ_ONLY = "shuxiang_read_only"  # execution option marking read-only sessions
_MEMORY_ONLY: ContextVar[bool] = ContextVar("shuxiang_memory_only", default=False)


class WouldBlock(Exception):
    """Database work inside memory_only(): the caller runs the same work again where it may block."""


@contextmanager
def memory_only() -> Iterator[None]:
    """Refuse every database call in this block: code on the event loop answering from memory."""
    token = _MEMORY_ONLY.set(True)
    try:
        yield
    finally:
        _MEMORY_ONLY.reset(token)


def ensure_may_block(what: str) -> None:
    """Raise WouldBlock inside memory_only(); called before anything that waits on the database."""
    if _MEMORY_ONLY.get():
        raise WouldBlock(what)


def _refuse_in_memory_only(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    # The backstop for code that reaches the engine without going through Library (e.g. search).
    ensure_may_block(statement[:40])


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3; a bare path means a SQLite file."""
    if "://" not in url:
        return f"sqlite:///{Path(url)}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQL parameters (openids, card numbers, names) never reach a log or an
    error message unless `echo` (`[database] echo`, for debugging on a copy) is on."""
    url = normalise_url(url)
    hide = not echo
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, echo=echo, hide_parameters=hide,
                               connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, echo=echo, hide_parameters=hide, pool_pre_ping=True, pool_size=10,
                               max_overflow=20)
    event.listen(engine, "before_cursor_execute", _refuse_in_memory_only)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and takes the write lock late, which
    # turns two racing checkouts into "database is locked" errors half-way through. We emit
    # BEGIN IMMEDIATE ourselves so a write transaction holds the lock from its first statement
    # (the SQLAlchemy docs' "Serializable isolation / Savepoints / Transactional DDL" recipe).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Readers (search, loan lists) must not queue behind writers: WAL gives them a snapshot.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading only: on SQLite they take no write lock (plain deferred BEGIN)."""
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


def pool_size(engine: Engine) -> int:
    """How many connections the engine keeps open (QueuePool's pool_size; 5 when the pool has none).

    The transport sizes its database threads by this: more threads than connections would only
    queue inside the pool, holding a thread each.
    """
    size = getattr(engine.pool, "size", None)
    return max(1, int(size())) if callable(size) else 5
