"""活动通知: the librarian records an activity; the `activities` job announces it once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.library import Library
from core.live import ANY, Tag
from core.notices.models import Activity

AUDIENCES = {"parents", "teachers"}


def add_activity(library: Library, *, title: str, body: str, starts_on: date, grades: list[int] | None = None,
                 classes: list[str] | None = None, audience: set[str] | None = None,
                 announce_from: datetime | None = None, place: str = "") -> int:
    """Record an activity (no grades and no classes = the whole school); returns its id."""
    audience = audience or set(AUDIENCES)
    if not title.strip() or not audience <= AUDIENCES:
        raise ValueError("an activity needs a title and an audience of parents and/or teachers")
    if any(not 1 <= g <= 9 for g in grades or []):
        raise ValueError("grades are 1–9")
    with library.uow() as uow:
        row = Activity(title=title.strip()[:100], body=body.strip(), starts_on=starts_on, place=place.strip()[:40],
                       grades=" ".join(str(g) for g in grades or []), classes=" ".join(classes or []),
                       audience=" ".join(sorted(audience)), announce_from=announce_from or library.now(),
                       created_at=library.now())
        uow.session.add(row)
        uow.commit()
        return row.id


@dataclass(frozen=True)
class ActivityView:
    """An upcoming activity as the chat lists it; `place` "" when none was given."""

    title: str
    body: str
    starts_on: date
    grades: tuple[int, ...]
    classes: tuple[str, ...]
    place: str = ""


def upcoming_activities(library: Library, *, grades: set[int] | None = None, classes: set[str] | None = None,
                        everyone: bool = False, limit: int = 5) -> list[ActivityView]:
    """Activities from today on for these grades/classes (whole-school ones always); soonest first.

    `everyone` (the librarian) sees every activity whatever its audience.
    """
    grades, classes = grades or set(), classes or set()
    today = library.today()

    def load(session: Session) -> tuple[list[ActivityView], list[Tag]]:
        # Every activity from today on, kept for the day until any activity changes (migration 0016).
        rows = session.scalars(select(Activity).where(Activity.starts_on >= today)
                               .order_by(Activity.starts_on, Activity.id))
        return [ActivityView(row.title, row.body, row.starts_on, tuple(int(g) for g in row.grades.split()),
                             tuple(row.classes.split()), row.place) for row in rows], [("activity", ANY)]

    views = []
    for view in library.cached(("activities", today), load):
        whole_school = not view.grades and not view.classes
        if everyone or whole_school or grades & set(view.grades) or classes & set(view.classes):
            views.append(view)
        if len(views) >= limit:
            break
    return views
