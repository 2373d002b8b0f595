"""Open questions of a conversation: one opaque JSON state per external user id, with an expiry.

The bot asks "续借哪一本？" in one message and reads the answer in the next, possibly in another
server process or after a restart, so the question lives in the database, not in memory.
`put` inserts or replaces, `take` deletes and returns in one statement: an answer is used once.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.library import Library
from core.live import Tag
from core.live.users import may_have_rows
from core.models import Base, UTCDateTime


class ConversationState(Base):
    """The question a user has been asked and not yet answered."""

    __tablename__ = "conversation_states"
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def put(library: Library, user_id: str, state: dict[str, Any], expires_at: datetime) -> None:
    """Remember the user's open question, replacing any earlier one (an atomic upsert)."""
    dialect = library.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(ConversationState).values(user_id=user_id, state=state, expires_at=expires_at)
    stmt = stmt.on_conflict_do_update(index_elements=[ConversationState.user_id],
                                      set_={"state": stmt.excluded.state, "expires_at": stmt.excluded.expires_at})
    with library.uow() as uow:
        uow.session.execute(stmt)
        # Questions nobody answered would otherwise stay forever; the expiry index keeps this cheap.
        uow.session.execute(delete(ConversationState).where(ConversationState.expires_at < library.now()))
        uow.commit()


def take(library: Library, user_id: str) -> dict[str, Any] | None:
    """Remove the user's open question and return it, or None when there is none or it expired."""
    if not _has_question(library, user_id):  # most messages answer no question: no write lock for them
        return None
    stmt = (delete(ConversationState).where(ConversationState.user_id == user_id)
            .returning(ConversationState.state, ConversationState.expires_at))
    with library.uow() as uow:
        row = uow.session.execute(stmt).first()
        uow.commit()
    if row is None or row.expires_at <= library.now():
        return None
    return dict(row.state)


def _has_question(library: Library, user_id: str) -> bool:
    def load(session: Session) -> tuple[bool, list[Tag]]:
        found = session.scalar(select(ConversationState.user_id).where(ConversationState.user_id == user_id))
        return found is not None, [("conv", user_id)]
    if not may_have_rows(library, ConversationState.user_id, "conv", user_id):
        return False
    return library.cached(("has_question", user_id), load)


def peek(library: Library, user_id: str) -> dict[str, Any] | None:
    """The open question without taking it (for tests and the simulator)."""
    with library.uow() as uow:
        row = uow.session.execute(select(ConversationState.state, ConversationState.expires_at)
                                  .where(ConversationState.user_id == user_id)).first()
    return dict(row.state) if row is not None and row.expires_at > library.now() else None
