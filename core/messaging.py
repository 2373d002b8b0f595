"""Channel-agnostic message bookkeeping: run-once keys for incoming requests and an outbound queue.

`IdempotencyStore` lets a transport claim a request key (insert-first, the primary key decides
the winner) so retries of one WeChat message never run an action twice, across processes.
`OutboundQueue` holds messages to deliver later (a slow answer, a push); each row is written
before any attempt, so a crash loses nothing, and a lease keeps two processes from sending it twice.
Knows nothing of WeChat: keys, channels and user ids are opaque strings.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, Integer, String, Text, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.clock import Clock
from core.models import Base, IdempotencyKey, UTCDateTime

LEASE = timedelta(seconds=60)  # a claimed outbound row is someone else's for this long
BACKOFF = (5, 30, 120, 600, 1800)  # seconds between delivery attempts
MAX_ATTEMPTS = 8


class OutboundMessage(Base):
    """A message to a user on one channel (late answer or push); sent_at set once delivered."""

    __tablename__ = "outbound_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # written once per key
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20), default="push")  # reply | push
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None once finished
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # given up
    last_error: Mapped[str] = mapped_column(String(300), default="")

    __table_args__ = (
        Index("ix_outbound_due", "next_attempt_at"),
        Index("ix_outbound_user", "channel", "user_id", "id"),
    )


PENDING = object()
"""`IdempotencyStore.result` for a key claimed but not answered yet."""


class IdempotencyStore:
    """Run-once keys in `idempotency_keys`: claim first, record the answer, let retries read it."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = session_factory
        self._clock = clock

    def claim(self, key: str) -> bool:
        """Insert the key; True when this caller owns the request, False when it is a retry."""
        return key in self.apply([key], {})[0]

    def finish(self, key: str, result: dict[str, Any]) -> bool:
        """Store the answer unless someone already did (e.g. a deadline hand-off); True when stored."""
        return key in self.apply([], {key: result})[1]

    def hand_off(self, key: str, result: dict[str, Any]) -> bool:
        """Mark a pending key as answered later (result = the holding reply); True when marked."""
        return key in self.apply([], {key: result})[1]

    def apply(self, claims: list[str], results: dict[str, dict[str, Any]]) -> tuple[set[str], set[str]]:
        """Claim keys and store answers in one transaction (group commit); returns (claimed, stored).

        A key listed twice in `claims` is claimed at most once; callers dedupe their waiters.
        Storing is a compare-and-set on "result IS NULL": of the answer and the deadline hand-off,
        exactly one wins, so a slow answer is delivered once, in the reply or as a push.
        """
        claimed: set[str] = set()
        stored: set[str] = set()
        table = IdempotencyKey.__table__
        # Core on a bare connection, not a Session: this runs for every message.
        with self._factory.kw["bind"].begin() as conn:
            fresh = list(dict.fromkeys(claims))
            if fresh:
                now = self._clock()
                insert_ignore = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                stmt = insert_ignore(table).values([{"key": k, "created_at": now, "result": None} for k in fresh])
                claimed = set(conn.scalars(stmt.on_conflict_do_nothing().returning(table.c.key)).all())
            for key, result in results.items():
                done = conn.execute(update(table).where(table.c.key == key, table.c.result.is_(None))
                                    .values(result=json.dumps(result, ensure_ascii=False)))
                if done.rowcount == 1:
                    stored.add(key)
        return claimed, stored

    def result(self, key: str) -> dict[str, Any] | object | None:
        """The stored answer, PENDING while the first request runs, None for an unknown key."""
        with self._factory() as session:
            row = session.execute(select(IdempotencyKey.result).where(IdempotencyKey.key == key)).first()
        if row is None:
            return None
        return PENDING if row[0] is None else json.loads(row[0])

    def purge(self, older_than: timedelta) -> int:
        """Forget keys older than this (WeChat retries within seconds); returns how many."""
        with self._factory() as session:
            done = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < self._clock() - older_than))
            session.commit()
            return done.rowcount


@dataclass(frozen=True)
class Outbound:
    """A queued message as the delivery side sees it."""

    id: int
    channel: str
    user_id: str
    kind: str
    title: str
    text: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None


def _outbound(row: OutboundMessage) -> Outbound:
    return Outbound(row.id, row.channel, row.user_id, row.kind, row.title, row.text, row.attempts,
                    row.created_at, row.sent_at)


class OutboundQueue:
    """Messages to deliver later, one row per key; claim with a lease, then mark sent or failed."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = session_factory
        self._clock = clock

    def enqueue(self, *, key: str, channel: str, user_id: str, text: str, kind: str = "push",
                title: str = "", sent: bool = False) -> bool:
        """Write the message once per key (sent=True records an already delivered one); True if new."""
        now = self._clock()
        with self._factory() as session:
            try:
                session.execute(insert(OutboundMessage).values(
                    key=key, channel=channel, user_id=user_id, kind=kind, title=title[:200], text=text,
                    created_at=now, attempts=0, last_error="",
                    next_attempt_at=None if sent else now, sent_at=now if sent else None))
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
        return True

    def claim_due(self, channels: list[str], limit: int = 20) -> list[Outbound]:
        """Rows due now on these channels, each leased to this caller (others skip it)."""
        now = self._clock()
        claimed: list[Outbound] = []
        with self._factory() as session:
            rows = session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.next_attempt_at <= now, OutboundMessage.channel.in_(channels))
                .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id).limit(limit)
            ).all()
            for row in rows:
                done = session.execute(
                    update(OutboundMessage)
                    .where(OutboundMessage.id == row.id, OutboundMessage.next_attempt_at == row.next_attempt_at)
                    .values(next_attempt_at=now + LEASE, attempts=OutboundMessage.attempts + 1)
                )
                if done.rowcount == 1:
                    claimed.append(_outbound(row))
            session.commit()
        return claimed

    def mark_sent(self, message_id: int) -> None:
        """Delivered: never try again."""
        with self._factory() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                            .values(sent_at=self._clock(), next_attempt_at=None, last_error=""))
            session.commit()

    def mark_failed(self, message_id: int, error: str, *, retry: bool) -> None:
        """A failed attempt: retry later with backoff, or give up (permanent error, too many tries)."""
        now = self._clock()
        with self._factory() as session:
            row = session.get(OutboundMessage, message_id)
            if row is None:
                return
            attempts = row.attempts  # already counted by claim_due
            if retry and attempts < MAX_ATTEMPTS:
                row.next_attempt_at = now + timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])
            else:
                row.next_attempt_at, row.failed_at = None, now
            row.last_error = error[:300]
            session.commit()

    def history(self, channel: str, user_id: str, limit: int = 50) -> list[Outbound]:
        """The newest messages for one user on one channel, oldest first (the simulator's inbox)."""
        with self._factory() as session:
            rows = session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.channel == channel, OutboundMessage.user_id == user_id)
                .order_by(OutboundMessage.id.desc()).limit(limit)
            ).all()
            return [_outbound(r) for r in reversed(rows)]
