"""Replay guard for signed callbacks: a timestamp window and nonces accepted once, kept in the database.

A callback signature (WeChat's `signature`, `msg_signature`) proves who made a URL, not when it was
used: anyone who saw one signed URL could send it again. `NonceStore` refuses a timestamp outside
`window` of our clock and a (channel, nonce) pair seen before. Because a nonce row outlives the
window in which its timestamp could be accepted, a replay is refused whichever way it comes: inside
the window by its nonce, outside by its timestamp. Rows live in `callback_nonces`, so every server
process sharing the database sees them. Knows nothing of WeChat: channels and nonces are opaque strings.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.models import CallbackNonce

MAX_NONCE = 64  # the column's width; WeChat's nonces are about 10 digits
PURGE_MARGIN = timedelta(minutes=5)  # rows stay this long past the window: a clock stepped back cannot revive a nonce


class NonceStore:
    """Timestamp window plus once-only nonces per channel.

    `window` is how far (either way) a callback's timestamp may be from the injected clock.
    """

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, window: timedelta) -> None:
        if window <= timedelta(0):
            raise ValueError("the callback window must be positive")
        self._engine = session_factory.kw["bind"]
        self._clock = clock
        self.window = window

    def in_window(self, timestamp: datetime) -> bool:
        """True when `timestamp` (aware) is within the window around now, ends included."""
        return abs(self._clock() - timestamp) <= self.window

    def accept(self, channel: str, nonce: str, timestamp: datetime) -> bool:
        """True the first time (channel, nonce) is offered with a timestamp in the window; False otherwise."""
        return (channel, nonce) in self.accept_many([(channel, nonce, timestamp)])

    def accept_many(self, offers: Sequence[tuple[str, str, datetime]]) -> set[tuple[str, str]]:
        """The (channel, nonce) pairs accepted among `offers`, in one INSERT … ON CONFLICT DO NOTHING.

        Offers outside the window, with an empty or over-long nonce, or repeated within `offers` (the
        first copy counts) are not accepted. Safe across processes: the primary key decides.
        """
        rows: dict[tuple[str, str], datetime] = {}
        for channel, nonce, timestamp in offers:
            if nonce and len(nonce) <= MAX_NONCE and self.in_window(timestamp):
                rows.setdefault((channel, nonce), timestamp.astimezone(UTC))
        if not rows:
            return set()
        table = CallbackNonce.__table__
        with self._engine.begin() as conn:
            insert_ignore = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            stmt = insert_ignore(table).values([{"channel": c, "nonce": n, "timestamp": t}
                                                for (c, n), t in rows.items()])
            done = conn.execute(stmt.on_conflict_do_nothing().returning(table.c.channel, table.c.nonce))
            return {(c, n) for c, n in done}

    def purge(self) -> int:
        """Forget nonces whose timestamp can never be in the window again (plus a margin); returns how many."""
        table = CallbackNonce.__table__
        with self._engine.begin() as conn:
            done = conn.execute(delete(table).where(table.c.timestamp < self._clock() - self.window - PURGE_MARGIN))
            return done.rowcount
