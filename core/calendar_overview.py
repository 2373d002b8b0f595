"""Everything the console's calendar page shows, read in one call (the page's one core service).

A thin read over `core.school_calendar` (month view, terms, today's term status) and the cached
`SchoolCalendar` (the closed weekdays); it writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.library import Library
from core.school_calendar import MonthView, TermInfo, list_terms, month_view


@dataclass(frozen=True)
class CalendarOverview:
    """The page's data: `month` (MonthView, with today's TermStatus), every term earliest first,
    and the closed weekdays (0 = Monday … 6 = Sunday)."""

    month: MonthView
    terms: list[TermInfo]
    closed_weekdays: frozenset[int]


def calendar_overview(library: Library, year: int, month: int) -> CalendarOverview:
    """The month `year`-`month` with its days, all terms and the weekly rule. Raises CalendarInvalid(month)."""
    view = month_view(library, year, month)
    return CalendarOverview(view, list_terms(library), frozenset(library.school_calendar().closed_weekdays))
