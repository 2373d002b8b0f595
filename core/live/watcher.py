"""Reads the change feed past the last row applied; nearly free when nothing was committed.

On a SQLite file, `PRAGMA data_version` on a connection of our own tells whether any other
connection (any thread, any process) committed since we last asked: a few microseconds, no query
of the feed unless something changed. Elsewhere (PostgreSQL) every call reads the feed: one small
indexed query, still far cheaper than the reads it saves.

PostgreSQL hands out sequence numbers before commit, so a row with a lower seq can appear after one
with a higher seq. A missing seq is therefore read again on later polls until it shows up or has
been missing for `gap_seconds` (its transaction rolled back).
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from core.db import READ_ONLY, ensure_may_block
from core.live.feed import NEWEST_SEQ, ChangeRow

MAX_ROWS = 5_000  # more than this behind: forget everything rather than read on


@dataclass(frozen=True)
class Change:
    topic: str
    ref: str


RESET = None  # changes() returns this when it lost track: every cached entry must go


class ChangeWatcher:
    """`changes()` returns the feed rows not yet returned (or RESET); thread-safe."""

    def __init__(self, engine: Engine, *, gap_seconds: float = 120.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine.execution_options(**{READ_ONLY: True})
        self._gap_seconds = gap_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._signal = _signal_for(engine)
        self._low: int | None = None  # every seq <= low has been returned (or given up on)
        self._above: set[int] = set()  # seqs > low already returned
        self._missing_since: dict[int, float] = {}
        self._poll_due = False  # the signal moved but the poll had to wait (memory_only)
        self.polls = 0

    def changes(self) -> list[Change] | None:
        """New changes, RESET, or WouldBlock inside memory_only() when the feed must be read."""
        with self._lock:
            if self._low is not None and not self._poll_due and not self._signal.changed():
                return []
            self._poll_due = True  # until a poll succeeds
            ensure_may_block("change feed")
            changes = self._poll()
            self._poll_due = False
            return changes

    def close(self) -> None:
        self._signal.close()

    def _poll(self) -> list[Change] | None:
        self.polls += 1
        with self._engine.connect() as conn:
            if self._low is None:  # first call: start at the end, nothing cached yet
                self._signal.changed()  # the baseline: commits from now on move it
                self._low = conn.scalar(NEWEST_SEQ)
                return []
            rows = conn.execute(select(ChangeRow.seq, ChangeRow.topic, ChangeRow.ref)
                                .where(ChangeRow.seq > self._low).order_by(ChangeRow.seq)
                                .limit(MAX_ROWS)).all()
        if len(rows) == MAX_ROWS or (rows and rows[-1].seq - self._low > 4 * MAX_ROWS):
            # Far behind (or purged past us): start again from the end.
            self._low, self._above, self._missing_since = rows[-1].seq, set(), {}
            return RESET
        fresh = [r for r in rows if r.seq not in self._above]
        self._above.update(r.seq for r in fresh)
        self._advance()
        return [Change(r.topic, r.ref) for r in fresh if r.ref is not None]

    def _advance(self) -> None:
        """Move `low` over seqs returned in order; wait for a missing one until it is too old."""
        assert self._low is not None
        if not self._above:
            return
        now = self._monotonic()
        for seq in range(self._low + 1, max(self._above)):
            if seq not in self._above:
                self._missing_since.setdefault(seq, now)
        while True:
            following = self._low + 1
            if following in self._above:
                self._above.discard(following)
            elif now - self._missing_since.get(following, now) >= self._gap_seconds:
                del self._missing_since[following]  # rolled back: that seq will never appear
            else:
                break
            self._low = following


class _AlwaysChanged:
    def changed(self) -> bool:
        return True

    def close(self) -> None:
        pass


class _SqliteDataVersion:
    """PRAGMA data_version on a private connection: it moves when another connection commits."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._seen: int | None = None

    def changed(self) -> bool:
        (version,) = self._conn.execute("PRAGMA data_version").fetchone()
        moved, self._seen = version != self._seen, version
        return moved

    def close(self) -> None:
        self._conn.close()


def _signal_for(engine: Engine) -> _AlwaysChanged | _SqliteDataVersion:
    path = engine.url.database
    if engine.dialect.name == "sqlite" and path not in (None, "", ":memory:") and not path.startswith("file:"):
        return _SqliteDataVersion(path)
    return _AlwaysChanged()
