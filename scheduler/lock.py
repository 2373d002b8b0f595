"""Only one scheduler runs the jobs and delivers the notices.

PostgreSQL: a session advisory lock (freed when the holder's session ends, i.e. when it dies).
SQLite file: an OS file lock (`flock`) on `<database file>.leader`, held by an open descriptor; the
kernel frees it the moment the holder dies (kill -9 included), so a standby takes over at its next
check (the delivery interval, 5 s by default). Where no file lock is possible (`:memory:`, a
read-only directory) the old lock row with a 2-minute lease is the fallback.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import Clock
from core.messaging import JobLock

ROW_TTL = timedelta(minutes=2)  # the fallback lock row: a leader that stops renewing is replaced after this
log = logging.getLogger("shuxiang.scheduler")


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def lock_file_for(engine: Engine, name: str) -> Path | None:
    """`<database file>.leader` (or `.<name>.leader` for another lock name); None for memory databases."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).resolve()
    suffix = ".leader" if name == "shuxiang-scheduler" else f".{name}.leader"
    return path.with_name(path.name + suffix)


class LeaderLock:
    """`acquire()` is True while this process leads; call it before each job and delivery round."""

    def __init__(self, engine: Engine, clock: Clock, name: str = "shuxiang-scheduler", *,
                 file_lock: bool = True) -> None:
        self._engine = engine
        self._clock = clock
        self._name = name
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._conn: Connection | None = None  # PostgreSQL: the session that holds the advisory lock
        self._path = lock_file_for(engine, name) if file_lock else None
        self._fd: int | None = None  # SQLite: the descriptor that holds the flock

    @property
    def postgres(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    def acquire(self) -> bool:
        """True when this process holds (or just took) the lock."""
        if self.postgres:
            return self._acquire_pg()
        if self._path is not None:
            got = self._acquire_file()
            if got is not None:
                return got
        return self._acquire_row()

    def _acquire_pg(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception:  # the session died and took the lock with it: try again
                self._conn = None
        conn = self._engine.connect()
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(self._name)}).scalar())
        conn.commit()
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def _acquire_file(self) -> bool | None:
        """True/False from the file lock; None when the file cannot be opened (use the row instead)."""
        if self._fd is not None:
            return True
        assert self._path is not None
        try:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            log.warning("no leader lock file (%s): falling back to the lock row", exc.strerror)
            self._path = None
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a live process
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{self.owner}\n".encode())  # for a curious administrator; the lock is the flock
        self._fd = fd
        return True

    def _acquire_row(self) -> bool:
        now = self._clock()
        table = JobLock.__table__
        with self._engine.begin() as conn:
            conn.execute(sqlite_insert(table).values(name=self._name, owner=self.owner, expires_at=now + ROW_TTL)
                         .on_conflict_do_nothing())
            done = conn.execute(update(table).where(
                table.c.name == self._name, (table.c.owner == self.owner) | (table.c.expires_at < now))
                .values(owner=self.owner, expires_at=now + ROW_TTL))
            return done.rowcount == 1

    def release(self) -> None:
        """Stop leading (a clean stop): the next standby takes over at its next check."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(self._name)})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        elif self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        elif not self.postgres:
            with self._engine.begin() as conn:
                conn.execute(JobLock.__table__.delete().where(JobLock.name == self._name,
                                                              JobLock.owner == self.owner))
