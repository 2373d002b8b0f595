"""A year's national holidays and 调休 days from chinese-calendar (real package data, real databases)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.library import Library
from core.models import AuditEntry, CalendarDay
from core.national_holidays import holiday_plan, known_years, load_holidays, national_days
from core.school_calendar import CalendarInvalid, close_days


def test_2026_has_the_published_arrangement_with_its_makeup_workdays() -> None:
    days = {d.day: d for d in national_days(2026)}
    # 国庆节 and 中秋节 2026 as published: closed 10-01..10-07, 调休 on Sunday 9-20 and Saturday 10-10.
    assert all(not days[date(2026, 10, n)].is_open and days[date(2026, 10, n)].reason == "国庆节" for n in range(1, 8))
    assert days[date(2026, 9, 25)].reason == "中秋节"
    assert days[date(2026, 9, 20)].is_open and days[date(2026, 9, 20)].reason == "国庆节调休上课"
    assert days[date(2026, 10, 10)].is_open
    # 春节 2026: 2-15..2-23 closed, Saturdays 2-14 and 2-28 are workdays.
    assert not days[date(2026, 2, 17)].is_open and days[date(2026, 2, 17)].reason == "春节"
    assert days[date(2026, 2, 14)].is_open and days[date(2026, 2, 28)].is_open
    assert date(2026, 10, 8) not in days and date(2026, 11, 21) not in days  # ordinary days are not listed
    assert sorted(d.day for d in days.values() if d.is_open) == [
        date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)]


def test_a_year_not_published_yet_says_so() -> None:
    unknown = known_years()[-1] + 1
    with pytest.raises(CalendarInvalid) as refused:
        national_days(unknown)
    message = refused.value.errors["year"]
    assert f"还没有 {unknown} 年的放假安排" in message and "11 月" in message and "pip install -U chinese-calendar" in message


def test_holidays_2026_preview_then_load_then_load_again(lib: Library) -> None:
    close_days(lib, date(2026, 10, 8), reason="期中考试", actor="t")  # the librarian's own day: not listed
    open_day_kept = date(2026, 10, 1)
    close_days(lib, open_day_kept, reason="国庆节", actor="t")  # already closed the same way: "same"
    preview = holiday_plan(lib, 2026)
    assert len(preview.holidays) == 32 and len(preview.workdays) == 6 and [d.day for d in preview.same] == [open_day_kept]
    in_term = {d.day for d in preview.add if d.in_term}
    assert date(2026, 10, 3) in in_term and date(2026, 2, 17) not in in_term  # 春节 2026 is before the autumn term
    with lib.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CalendarDay)) == 2  # a preview writes nothing

    loaded = load_holidays(lib, 2026, actor="t")
    assert len(loaded.add) == 38
    calendar = lib.school_calendar()
    assert not calendar.is_open(date(2026, 10, 5)) and calendar.is_open(date(2026, 10, 10))
    assert calendar.is_open(date(2026, 9, 20))  # a Sunday, 调休 in term
    assert not calendar.is_open(date(2026, 2, 14))  # a 调休 Saturday in winter vacation stays closed
    assert not calendar.is_open(date(2026, 10, 8))  # the librarian's exam day is kept

    again = load_holidays(lib, 2026, actor="t")
    assert again.add == [] and len(again.same) == 39
    with lib.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).where(AuditEntry.action == "calendar_holidays")) == 1


def test_a_day_the_librarian_set_otherwise_is_kept(lib: Library) -> None:
    close_days(lib, date(2026, 10, 10), reason="校园开放日", actor="t")  # the school's own plan for a 调休 day
    plan = load_holidays(lib, 2026, actor="t")
    assert [d.day for d in plan.kept] == [date(2026, 10, 10)]
    assert not lib.school_calendar().is_open(date(2026, 10, 10))
