"""退订 / 恢复: a user stops or restarts one kind of push; delivery skips stopped topics.

The bot calls `unsubscribe` / `resubscribe` for the user's own words; the console calls `set_topic`
for a parent who asks the librarian: the same rows, plus an audit entry naming the librarian.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.library import Library
from core.messaging import Unsubscribed
from core.notices.topics import ALL, ESSENTIAL


def stop_in(session: Session, user_id: str, topic: str, now: datetime) -> bool:
    """`unsubscribe` in the caller's transaction."""
    if session.get(Unsubscribed, (user_id, topic)) is not None:
        return False
    session.add(Unsubscribed(user_id=user_id, topic=topic, since=now))
    return True


def restart_in(session: Session, user_id: str, topic: str) -> bool:
    """`resubscribe` in the caller's transaction."""
    stmt = delete(Unsubscribed).where(Unsubscribed.user_id == user_id)
    if topic != ALL:
        stmt = stmt.where(Unsubscribed.topic.in_([topic, ALL]))
    return bool(session.execute(stmt).rowcount)


def unsubscribe(library: Library, user_id: str, topic: str) -> bool:
    """Stop `topic` (or ALL) for the user; True when it was not stopped before."""
    with library.uow() as uow:
        done = stop_in(uow.session, user_id, topic, library.now())
        uow.commit()
    return done


def resubscribe(library: Library, user_id: str, topic: str) -> bool:
    """Restart `topic` (ALL restarts everything; so does restarting one topic while ALL is stopped, as
    "恢复新书推荐" after "退订全部" means the user wants pushes again); True when something was stopped."""
    with library.uow() as uow:
        done = restart_in(uow.session, user_id, topic)
        uow.commit()
    return done


def stopped_topics(library: Library, user_id: str) -> set[str]:
    """The topics this user stopped (ALL included as "*")."""
    with library.uow() as uow:
        return set(uow.session.scalars(select(Unsubscribed.topic).where(Unsubscribed.user_id == user_id)))


def is_stopped(stopped: set[str], topic: str) -> bool:
    """退订全部 stops everything but 催还 (the library needs its books back); that one only by name."""
    return topic in stopped or (ALL in stopped and topic not in ESSENTIAL)
