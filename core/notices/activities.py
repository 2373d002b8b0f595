"""活动通知: the librarian records an activity; the `activities` job announces it once."""
from __future__ import annotations

from datetime import date, datetime

from core.library import Library
from core.notices.models import Activity

AUDIENCES = {"parents", "teachers"}


def add_activity(library: Library, *, title: str, body: str, starts_on: date, grades: list[int] | None = None,
                 classes: list[str] | None = None, audience: set[str] | None = None,
                 announce_from: datetime | None = None) -> int:
    """Record an activity (no grades and no classes = the whole school); returns its id."""
    audience = audience or set(AUDIENCES)
    if not title.strip() or not audience <= AUDIENCES:
        raise ValueError("an activity needs a title and an audience of parents and/or teachers")
    if any(not 1 <= g <= 9 for g in grades or []):
        raise ValueError("grades are 1–9")
    with library.uow() as uow:
        row = Activity(title=title.strip()[:100], body=body.strip(), starts_on=starts_on,
                       grades=" ".join(str(g) for g in grades or []), classes=" ".join(classes or []),
                       audience=" ".join(sorted(audience)), announce_from=announce_from or library.now(),
                       created_at=library.now())
        uow.session.add(row)
        uow.commit()
        return row.id
