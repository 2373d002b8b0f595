"""Report periods: the current term, a week, or any date range (inclusive school days)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import school_datetime
from core.models import Term


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date  # inclusive
    is_term: bool = False  # a whole term: [targets] (per term) apply; a week or a date range shows none

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, day after end 00:00) in school time, as UTC instants."""
        return school_datetime(self.start), school_datetime(self.end + timedelta(days=1))


class NoTerm(LookupError):
    """No term is set up in the calendar."""


def term_period(session: Session, today: date, name: str | None = None) -> Period:
    """The named term, else the term containing today, else the latest term that has started."""
    terms = list(session.scalars(select(Term).order_by(Term.start_date)))
    if name:
        terms = [t for t in terms if t.name == name]
    current = [t for t in terms if t.start_date <= today <= t.end_date]
    started = [t for t in terms if t.start_date <= today]
    term = (current or started or terms or [None])[-1]
    if term is None:
        raise NoTerm(f"没有找到学期{name or ''}：请先在校历里设置学期")
    return Period(term.name, term.start_date, term.end_date, is_term=True)


def week_period(day: date) -> Period:
    """Monday to Sunday of the week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return Period(f"{monday.isoformat()} 这一周", monday, monday + timedelta(days=6))
