"""Which users have any row in a table, from memory: a new user's first message needs no database.

A burst of first messages (a push to 3,000 parents, a QR code on a poster) asks for each sender's
binding, open question and refusals: all usually absent. The set of user ids that have rows is kept
until any row of that table changes (the feed's topic, any ref), so an absent user costs a set lookup;
a present one still goes through its own entry.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.live.cache import ANY, Tag


def may_have_rows(library: Any, column: InstrumentedAttribute[str], topic: str, user_id: str) -> bool:
    """False when `user_id` has no row with `column` (a table's user id), as of now; `topic` is its feed's."""
    if library.live is None:
        return True  # the read model is off: every read goes to the database anyway

    def load(session: Session) -> tuple[frozenset[str], list[Tag]]:
        return frozenset(session.scalars(select(column).distinct())), [(topic, ANY)]
    return user_id in library.cached(("users with rows", topic), load)
