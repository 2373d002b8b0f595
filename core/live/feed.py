"""The change feed: one row per changed thing, written by database triggers (migration 0008).

Rows say what to forget, never what the new value is: ("reader", "42") after a loan of reader 42
changed, ("user", openid) after a binding changed, and so on. Readers of the feed keep the last
`seq` they applied; old rows are purged by count.
"""
from __future__ import annotations

from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.models import Base

KEEP_ROWS = 100_000  # far more than a watcher reads in one poll (see watcher.MAX_ROWS)


class ChangeRow(Base):
    __tablename__ = "change_feed"
    __table_args__ = {"sqlite_autoincrement": True}  # a seq is never reused, even after a purge
    seq: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str | None] = mapped_column(String(128))


NEWEST_SEQ = select(func.coalesce(func.max(ChangeRow.seq), 0))  # 0 while the feed is empty


def purge(session: Session, keep: int = KEEP_ROWS) -> int:
    """Delete all but the newest `keep` rows; a watcher that fell further behind starts afresh."""
    newest = session.scalar(NEWEST_SEQ) or 0
    return session.execute(delete(ChangeRow).where(ChangeRow.seq <= newest - keep)).rowcount


def purge_old_rows(session_factory: sessionmaker[Session], keep: int = KEEP_ROWS) -> int:
    """purge() in a transaction of its own (at server start-up, like the run-once keys)."""
    with session_factory.begin() as session:
        return purge(session, keep)
