"""A year's national holidays and 调休 make-up workdays, from the `chinese-calendar` package.

Why `chinese-calendar` and not `holidays`: it carries the State Council's published arrangement
year by year, including the weekend days that become workdays (调休), and it raises for a year
whose arrangement it does not have yet. `holidays.China` computes holidays by rule for any year:
for a year not yet published it silently returns plausible days without their 调休 workdays,
which would make a school open on a holiday or closed on a make-up day without anyone noticing.
The arrangement for a year is published around November of the year before: upgrade the
package then (`pip install -U chinese-calendar`).

`holiday_plan` previews, `load_holidays` writes (one transaction, like every calendar command).
Every day of the year is loaded, in a term or not: outside a term it changes nothing (vacation),
and next term's holidays are then already there when the term is entered later. A day the
librarian already set (an exam day, their own 调休) is kept, never overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import select

from core.library import Library
from core.models import CalendarDay, Term
from core.school_calendar import CalendarInvalid, begin_change, record_change

# chinese-calendar's holiday names (its Holiday enum values) in the school's words.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class PlannedDay:
    """One day of the arrangement: closed (a holiday) or open (调休 workday), with its Chinese reason."""

    day: date
    is_open: bool
    reason: str
    in_term: bool


@dataclass
class HolidayPlan:
    """What loading a year would do. `add`: new rows; `kept`: days already set differently by the
    librarian (left alone); `same`: days already set the same way (a second load changes nothing)."""

    year: int
    add: list[PlannedDay] = field(default_factory=list)
    kept: list[PlannedDay] = field(default_factory=list)
    same: list[PlannedDay] = field(default_factory=list)

    @property
    def holidays(self) -> list[PlannedDay]:
        return [d for d in self.add if not d.is_open]

    @property
    def workdays(self) -> list[PlannedDay]:
        return [d for d in self.add if d.is_open]


def known_years() -> range:
    """The years the installed chinese-calendar knows."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


def national_days(year: int) -> list[PlannedDay]:
    """The official holidays (every day, weekends inside a holiday too) and 调休 weekend workdays.

    `in_term` is False here; holiday_plan fills it. Raises CalendarInvalid(year) for a year the
    package does not know yet.
    """
    known = known_years()
    if year not in known:
        newest = known[-1]
        raise CalendarInvalid({"year": (
            f"还没有 {year} 年的放假安排（已收录到 {newest} 年）。国务院一般在前一年 11 月公布次年安排，"
            f"公布后升级 chinese-calendar（pip install -U chinese-calendar）再导入；"
            f"也可以先用“闭馆”和“调休”手工录入。")})
    days = []
    first = date(year, 1, 1)
    for n in range((date(year + 1, 1, 1) - first).days):
        day = first + timedelta(days=n)
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        chinese = NAMES.get(str(name), str(name)) if name else ""
        if on_holiday and name:
            days.append(PlannedDay(day, False, chinese, False))
        elif not on_holiday and day.weekday() >= 5:  # a weekend day that is a workday: 调休
            days.append(PlannedDay(day, True, f"{chinese}调休上课" if chinese else "调休上课", False))
    return days


def holiday_plan(library: Library, year: int) -> HolidayPlan:
    """Preview loading `year`: which days would be added, which are kept as the librarian set them."""
    planned = national_days(year)
    with library.read_uow() as uow:
        session = uow.session
        existing = {row.day: row.is_open for row in session.scalars(
            select(CalendarDay).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))}
        terms = [(t.start_date, t.end_date) for t in session.scalars(select(Term))]
    plan = HolidayPlan(year)
    for item in planned:
        item = PlannedDay(item.day, item.is_open, item.reason, any(s <= item.day <= e for s, e in terms))
        if item.day not in existing:
            plan.add.append(item)
        elif existing[item.day] == item.is_open:
            plan.same.append(item)
        else:
            plan.kept.append(item)
    return plan


def load_holidays(library: Library, year: int, *, actor: str) -> HolidayPlan:
    """Write the plan's new days in one transaction and return the plan. Raises CalendarInvalid(year)."""
    plan = holiday_plan(library, year)
    if not plan.add:
        return plan
    with library.uow() as uow:
        session = uow.session
        begin_change(session)
        already = set(session.scalars(select(CalendarDay.day).where(CalendarDay.day.in_([d.day for d in plan.add]))))
        for item in plan.add:
            if item.day not in already:  # set meanwhile by someone else: theirs wins
                session.add(CalendarDay(day=item.day, is_open=item.is_open, reason=item.reason))
        record_change(library, session, "calendar_holidays", actor, year=year, added=len(plan.add))
        uow.commit()
    return plan
