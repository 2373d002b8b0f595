"""How many binding tries are checked: per user id, and per card across many user ids.

Rules (all failures within the last hour; see docs/conversations.md):
- A user id with MAX_FAILURES_PER_USER failed tries is refused without a check, and that refused
  try is not recorded: it costs no card anything, and a flood does not grow the table.
- A card is locked for everyone once CARD_LOCK_USERS *different* user ids have failed on it, so
  one guesser (or a few) never locks out the owner; only a distributed guess does, and issuing a
  new code for the card (the librarian or class teacher) ends that lock: failures before the
  newest code do not count against the card.

Exactness: the check and the record happen in the caller's one write transaction, serialised
per user id and per card (see `serialise`), so N simultaneous tries check exactly the limit.
"""
from __future__ import annotations

import enum
import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Boolean, Index, String, distinct, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.models import Base, UTCDateTime

MAX_FAILURES_PER_USER = 5
CARD_LOCK_USERS = 10
WINDOW = timedelta(hours=1)
CARD_NO_MAX = 40


class BindingAttempt(Base):
    """Every checked binding attempt, kept for rate limiting and for the librarian to look at."""

    __tablename__ = "binding_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    card_no: Mapped[str] = mapped_column(String(40))
    ok: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_binding_attempts_user_at", "user_id", "at"),
                      Index("ix_binding_attempts_card_at", "card_no", "at"))


class Limited(enum.StrEnum):
    """Which limit refused a try."""

    USER = "user"
    CARD = "card"


def _lock_key(kind: str, value: str) -> int:
    # A signed 64-bit key for pg_advisory_xact_lock; a collision only serialises two unrelated tries.
    digest = hashlib.blake2b(f"shuxiang-bind:{kind}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def serialise(session: Session, user_id: str, card_no: str) -> None:
    """Make the rest of this transaction the only binding try of this user id and of this card.

    Call it first in the transaction, before reading any count. PostgreSQL: transaction-level
    advisory locks, always the user's before the card's (one of each per transaction, in one
    order: no deadlock), released at commit or rollback; READ COMMITTED then lets the counts that
    follow see every earlier try. SQLite: nothing to do, a write transaction begins with BEGIN
    IMMEDIATE (core/db.py) and is the only writer of the whole file until it ends.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for kind, value in (("user", user_id), ("card", card_no[:CARD_NO_MAX])):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(kind, value)})


def refusal(session: Session, now: datetime, *, user_id: str, card_no: str,
            newest_code_at: datetime | None) -> Limited | None:
    """Which limit, if any, refuses this try now (call after `serialise`, in the same transaction).

    `newest_code_at`: when the newest binding code for the card was issued (None: no such card or
    no code); failures before it do not count against the card.
    """
    since = now - WINDOW
    failed = select(func.count()).select_from(BindingAttempt).where(BindingAttempt.at > since,
                                                                     BindingAttempt.ok.is_(False))
    if (session.scalar(failed.where(BindingAttempt.user_id == user_id)) or 0) >= MAX_FAILURES_PER_USER:
        return Limited.USER
    card_since = max(since, newest_code_at) if newest_code_at is not None else since
    guessers = session.scalar(
        select(func.count(distinct(BindingAttempt.user_id))).where(
            BindingAttempt.card_no == card_no[:CARD_NO_MAX], BindingAttempt.at > card_since,
            BindingAttempt.ok.is_(False))) or 0
    return Limited.CARD if guessers >= CARD_LOCK_USERS else None


def record(session: Session, now: datetime, *, user_id: str, card_no: str, ok: bool) -> None:
    """Add a checked try to the caller's transaction."""
    session.add(BindingAttempt(at=now, user_id=user_id, card_no=card_no[:CARD_NO_MAX], ok=ok))
