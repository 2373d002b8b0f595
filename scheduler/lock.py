"""Only one scheduler runs the jobs: a PostgreSQL advisory lock, or on SQLite a lock row with an expiry."""
from __future__ import annotations

import hashlib
import os
import socket
from datetime import timedelta

from sqlalchemy import Connection, Engine, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import Clock
from core.messaging import JobLock

ROW_TTL = timedelta(minutes=2)  # a SQLite leader that stops renewing is replaced after this


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class LeaderLock:
    """`acquire()` is True while this process leads; call it before each job (it renews the row lease)."""

    def __init__(self, engine: Engine, clock: Clock, name: str = "shuxiang-scheduler") -> None:
        self._engine = engine
        self._clock = clock
        self._name = name
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._conn: Connection | None = None  # PostgreSQL: the session that holds the advisory lock

    @property
    def postgres(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    def acquire(self) -> bool:
        if self.postgres:
            return self._acquire_pg()
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
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(self._name)})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        elif not self.postgres:
            with self._engine.begin() as conn:
                conn.execute(JobLock.__table__.delete().where(JobLock.name == self._name,
                                                              JobLock.owner == self.owner))
