"""Channels a user refused: listed for the librarian, cleared when the user can be reached again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from core.library import Library
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


def mark_reachable(library: Library, user_id: str, channel: str | None = None) -> int:
    """Forget refusals (e.g. the user wrote to the Official Account: its 48 h window is open again)."""
    with library.read_uow() as uow:  # called for every incoming message: no write lock unless needed
        query = select(Unreachable.user_id).where(Unreachable.user_id == user_id)
        if channel is not None:
            query = query.where(Unreachable.channel == channel)
        if uow.session.scalar(query.limit(1)) is None:
            return 0
    with library.uow() as uow:
        stmt = delete(Unreachable).where(Unreachable.user_id == user_id)
        if channel is not None:
            stmt = stmt.where(Unreachable.channel == channel)
        done = uow.session.execute(stmt)
        uow.commit()
        return done.rowcount
