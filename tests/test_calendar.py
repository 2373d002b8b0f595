"""The school calendar and due dates (pure rules, no database)."""
from datetime import date

import pytest

from core.calendar import SchoolCalendar, TermSpan

TERM = TermSpan("秋季", date(2026, 9, 1), date(2027, 1, 22))
NATIONAL_DAY = {date(2026, 10, d): False for d in range(1, 8)}
MAKEUP_SATURDAY = {date(2026, 10, 10): True}


def calendar(**extra: bool) -> SchoolCalendar:
    return SchoolCalendar([TERM], {**NATIONAL_DAY, **MAKEUP_SATURDAY}, weekend_closed=True)


@pytest.mark.parametrize(("day", "is_open"), [
    (date(2026, 11, 18), True),    # Wednesday in term
    (date(2026, 11, 21), False),   # Saturday
    (date(2026, 10, 3), False),    # National Day holiday
    (date(2026, 10, 10), True),    # make-up Saturday (调休)
    (date(2026, 8, 20), False),    # summer vacation: outside every term
    (date(2027, 2, 1), False),     # winter vacation
])
def test_open_days_follow_weekends_holidays_makeup_days_and_vacations(day: date, is_open: bool) -> None:
    assert calendar().is_open(day) is is_open


@pytest.mark.parametrize(("start", "days", "due"), [
    (date(2026, 11, 18), 7, date(2026, 11, 25)),   # Wed + 7 = Wed, open
    (date(2026, 11, 16), 5, date(2026, 11, 23)),   # lands on Saturday → next Monday
    (date(2026, 9, 24), 7, date(2026, 10, 8)),     # lands in National Day week → first open day after
    (date(2027, 1, 15), 14, date(2027, 1, 22)),    # would pass the term's last day → capped
])
def test_due_date_moves_to_next_open_day_and_never_passes_term_end(start: date, days: int, due: date) -> None:
    assert calendar().due_date(start, days) == due


def test_open_days_between_counts_only_open_days() -> None:
    cal = calendar()
    # Fri 2026-11-20 → Mon 2026-11-23: the weekend is free.
    assert cal.open_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1
    # 9-30 → 10-8: the whole holiday week is free.
    assert cal.open_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert cal.open_days_between(date(2026, 11, 20), date(2026, 11, 20)) == 0
    assert cal.open_days_between(date(2026, 11, 20), date(2026, 11, 19)) == 0


def test_add_open_days_skips_closed_days() -> None:
    assert calendar().add_open_days(date(2026, 11, 19), 3) == date(2026, 11, 24)  # Thu → Fri, Mon, Tue


def test_without_terms_every_weekday_is_open() -> None:
    cal = SchoolCalendar([], {}, weekend_closed=True)
    assert cal.is_open(date(2026, 8, 20))
    assert not cal.is_open(date(2026, 8, 22))
    assert cal.due_date(date(2026, 8, 20), 2) == date(2026, 8, 24)
