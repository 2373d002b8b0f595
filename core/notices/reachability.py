"""Channels a user refused: listed for the librarian, cleared when the user can be reached again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.library import Library
from core.live import Tag
from core.live.users import may_have_rows
from core.messaging import Unreachable


@dataclass(frozen=True)
class Refusal:
    channel: str
    user_id: str
    reason: str
    since: datetime


def refusals(library: Library) -> list[Refusal]:
    """Every (channel, user) a channel refused, newest first: the librarian checks these bindings."""
    with library.uow() as uow:
        rows = uow.session.scalars(select(Unreachable).order_by(Unreachable.since.desc()))
        return [Refusal(r.channel, r.user_id, r.reason, r.since) for r in rows]


def _is_refused(library: Library, user_id: str, channel: str | None) -> bool:
    def load(session: Session) -> tuple[bool, list[Tag]]:
        query = select(Unreachable.user_id).where(Unreachable.user_id == user_id)
        if channel is not None:
            query = query.where(Unreachable.channel == channel)
        return session.scalar(query.limit(1)) is not None, [("unreach", user_id)]
    if not may_have_rows(library, Unreachable.user_id, "unreach", user_id):
        return False
    return library.cached(("refused", user_id, channel), load)


def mark_reachable(library: Library, user_id: str, channel: str | None = None) -> int:
    """Forget refusals (e.g. the user wrote to the Official Account: its 48 h window is open again)."""
    if not _is_refused(library, user_id, channel):  # called for every incoming message: usually no
        return 0
    with library.uow() as uow:
        stmt = delete(Unreachable).where(Unreachable.user_id == user_id)
        if channel is not None:
            stmt = stmt.where(Unreachable.channel == channel)
        done = uow.session.execute(stmt)
        uow.commit()
        return done.rowcount
