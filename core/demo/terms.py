"""The demo school year around today: the current term, the next one, holidays and one 调休 Saturday."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.calendar import SchoolCalendar, TermSpan
from core.models import CalendarDay, Term

TERM_STARTED_DAYS_AGO = 75  # about ten weeks into the term: history for the statistics
TERM_ENDS_IN_DAYS = 49  # seven weeks to go: 期末 reminders are still ahead
VACATION_DAYS = 35
NEXT_TERM_WEEKS = 20
KEEP_CLEAR_DAYS = 14  # no holiday this close to today, so due-soon and overdue loans stay as planned


@dataclass(frozen=True)
class DemoTerms:
    current: TermSpan
    next: TermSpan
    exceptions: dict[date, tuple[bool, str]]  # day → (is_open, reason)

    def calendar(self, weekend_closed: bool = True) -> SchoolCalendar:
        opened = {day: is_open for day, (is_open, _) in self.exceptions.items()}
        return SchoolCalendar([self.current, self.next], opened, weekend_closed)

    def rows(self) -> tuple[list[Term], list[CalendarDay]]:
        terms = [Term(name=t.name, start_date=t.start, end_date=t.end) for t in (self.current, self.next)]
        days = [CalendarDay(day=d, is_open=o, reason=r) for d, (o, r) in sorted(self.exceptions.items())]
        return terms, days


def _monday_on_or_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _friday_on_or_after(day: date) -> date:
    return day + timedelta(days=(4 - day.weekday()) % 7)


def term_name(start: date) -> str:
    """2026—2027学年第一学期 for a term starting in August or later, else the year's 第二学期."""
    if start.month >= 8:
        return f"{start.year}—{start.year + 1}学年第一学期"
    return f"{start.year - 1}—{start.year}学年第二学期"


def _next_term_name(current: str) -> str:
    years, half = current.split("学年")
    first = int(years.split("—")[0])
    return f"{years}学年第二学期" if half == "第一学期" else f"{first + 1}—{first + 2}学年第一学期"


def _weekday_at_least(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def demo_terms(today: date) -> DemoTerms:
    """Terms and calendar exceptions placed relative to `today` (never near today itself)."""
    start = _monday_on_or_before(today - timedelta(days=TERM_STARTED_DAYS_AGO))
    end = _friday_on_or_after(today + timedelta(days=TERM_ENDS_IN_DAYS))
    current = TermSpan(term_name(start), start, end)
    next_start = _monday_on_or_before(end + timedelta(days=VACATION_DAYS))
    following = TermSpan(_next_term_name(current.name), next_start,
                         next_start + timedelta(weeks=NEXT_TERM_WEEKS, days=-3))
    # A Thursday–Friday holiday in week 4, its 调休 make-up Saturday just before, and a one-day
    # holiday three weeks ahead: all at least KEEP_CLEAR_DAYS from today.
    holiday = _weekday_at_least(start + timedelta(weeks=4), 3)
    exceptions: dict[date, tuple[bool, str]] = {
        holiday: (False, "节假日放假"),
        holiday + timedelta(days=1): (False, "节假日放假"),
        holiday - timedelta(days=5): (True, "调休上课（补周五）"),
    }
    future_holiday = _weekday_at_least(today + timedelta(days=KEEP_CLEAR_DAYS + 7), 0)
    if future_holiday < end:
        exceptions[future_holiday] = (False, "学校活动日闭馆")
    for day in list(exceptions):
        if abs((day - today).days) < KEEP_CLEAR_DAYS:
            del exceptions[day]
    return DemoTerms(current, following, exceptions)
