"""The school calendar: which days the library is open, and the terms.

Closed: weekends (configurable), holidays and other closed days, and every day outside a
term (vacations). Open: make-up school days (调休) even on a weekend. With no terms defined
at all (a fresh install) every weekday counts as open.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import CalendarDay, InstallFact, Term

# The install fact holding the closed days of the week ("5,6": Saturday and Sunday; 0 = Monday),
# written by core.school_calendar.set_closed_weekdays. Absent: the policy's weekend_closed decides.
CLOSED_WEEKDAYS_FACT = "calendar.closed_weekdays"
MAX_SCAN_DAYS = 400  # a year and a bit: no school is closed longer than that


@dataclass(frozen=True)
class TermSpan:
    name: str
    start: date
    end: date

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


class SchoolCalendar:
    """Terms, per-day exceptions (True: open, e.g. 调休; False: closed) and the closed days of the week.

    `closed_weekdays` (0 = Monday) overrides `weekend_closed` when given.
    """

    def __init__(self, terms: list[TermSpan], exceptions: dict[date, bool], weekend_closed: bool = True,
                 closed_weekdays: frozenset[int] | None = None) -> None:
        self.terms = sorted(terms, key=lambda t: t.start)
        self.exceptions = exceptions
        self.weekend_closed = weekend_closed
        self.closed_weekdays = closed_weekdays if closed_weekdays is not None else (
            frozenset({5, 6}) if weekend_closed else frozenset())

    @classmethod
    def load(cls, session: Session, weekend_closed: bool = True) -> SchoolCalendar:
        terms = [TermSpan(t.name, t.start_date, t.end_date) for t in session.scalars(select(Term))]
        exceptions = {d.day: d.is_open for d in session.scalars(select(CalendarDay))}
        fact = session.get(InstallFact, CLOSED_WEEKDAYS_FACT)
        closed = frozenset(int(d) for d in fact.value.split(",") if d.strip()) if fact is not None else None
        return cls(terms, exceptions, weekend_closed, closed)

    def term_of(self, day: date) -> TermSpan | None:
        for term in self.terms:
            if day in term:
                return term
        return None

    def current_or_next_term(self, day: date) -> TermSpan | None:
        for term in self.terms:
            if term.end >= day:
                return term
        return None

    def is_open(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day] and (not self.terms or self.term_of(day) is not None)
        if self.terms and self.term_of(day) is None:
            return False
        return day.weekday() not in self.closed_weekdays

    def next_open_day(self, day: date) -> date:
        """`day` itself when open, else the first open day after it."""
        for offset in range(MAX_SCAN_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_open(candidate):
                return candidate
        return day  # calendar without open days: do not loop forever

    def previous_open_day(self, day: date) -> date:
        for offset in range(MAX_SCAN_DAYS):
            candidate = day - timedelta(days=offset)
            if self.is_open(candidate):
                return candidate
        return day

    def add_open_days(self, day: date, count: int) -> date:
        """The `count`-th open day after `day` (day itself not counted)."""
        current = day
        for _ in range(count):
            current = self.next_open_day(current + timedelta(days=1))
        return current

    def open_days_between(self, after: date, through: date) -> int:
        """Open days in (after, through]: the days a late loan is charged for."""
        if through <= after:
            return 0
        return sum(1 for n in range(1, (through - after).days + 1) if self.is_open(after + timedelta(days=n)))

    def due_date(self, start: date, days: int) -> date:
        """start + days, moved to the next open day, never after the term's last day."""
        due = self.next_open_day(start + timedelta(days=days))
        term = self.term_of(start) or self.current_or_next_term(start)
        if term is not None and due > term.end:
            due = self.previous_open_day(term.end)
            if due < start:  # the term ends before any open day: keep the term's end
                due = term.end
        return due
