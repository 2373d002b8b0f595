"""Overdue fines: per open day late, never for closed days, capped at the item's price."""
from __future__ import annotations

from datetime import date

from core.calendar import SchoolCalendar
from core.policy import Policy


def overdue_open_days(calendar: SchoolCalendar, due_date: date, on_day: date) -> int:
    """Open days after the due day through `on_day` (returning on the due day is never late)."""
    return calendar.open_days_between(due_date, on_day)


def overdue_fine_fen(policy: Policy, days_late: int, price_fen: int) -> int:
    fine = max(0, days_late) * policy.fine_per_day_fen
    if policy.fine_cap_at_price and price_fen > 0:
        fine = min(fine, price_fen)
    return fine
