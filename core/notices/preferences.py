"""退订 / 恢复: a user stops or restarts one kind of push; delivery skips stopped topics."""
from __future__ import annotations

from sqlalchemy import delete, select

from core.library import Library
from core.messaging import Unsubscribed
from core.notices.topics import ALL, ESSENTIAL


def unsubscribe(library: Library, user_id: str, topic: str) -> bool:
    """Stop `topic` (or ALL) for the user; True when it was not stopped before."""
    with library.uow() as uow:
        if uow.session.get(Unsubscribed, (user_id, topic)) is not None:
            return False
        uow.session.add(Unsubscribed(user_id=user_id, topic=topic, since=library.now()))
        uow.commit()
    return True


def resubscribe(library: Library, user_id: str, topic: str) -> bool:
    """Restart `topic` (ALL restarts everything); True when something was stopped."""
    with library.uow() as uow:
        stmt = delete(Unsubscribed).where(Unsubscribed.user_id == user_id)
        if topic != ALL:
            stmt = stmt.where(Unsubscribed.topic.in_([topic, ALL]))
        done = uow.session.execute(stmt)
        uow.commit()
    return bool(done.rowcount)


def stopped_topics(library: Library, user_id: str) -> set[str]:
    """The topics this user stopped (ALL included as "*")."""
    with library.uow() as uow:
        return set(uow.session.scalars(select(Unsubscribed.topic).where(Unsubscribed.user_id == user_id)))


def is_stopped(stopped: set[str], topic: str) -> bool:
    """退订全部 stops everything but 催还 (the library needs its books back); that one only by name."""
    return topic in stopped or (ALL in stopped and topic not in ESSENTIAL)
