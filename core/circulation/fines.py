"""Overdue fines: per open day late, never for closed days, capped at the item's price."""
from __future__ import annotations

from datetime import date

from core.calendar import SchoolCalendar
from core.policy import Policy


def overdue_open_days(calendar: SchoolCalendar, due_date: date, on_day: date) -> int:
    """Open days after the due day through `on_day` (returning on the due day is never late)."""
    return calendar.open_days_between(due_date, on_day)


def days_late(policy: Policy, calendar: SchoolCalendar, due_date: date, on_day: date) -> int:
    """How many days late a loan due on `due_date` is on `on_day`: the one count everyone shows.

    The fine at return, 我的借阅, the 催书 push, the class teacher's weekly list, the chat's class
    list and the console's lists all call this, so a reader, a teacher and the desk never read two
    numbers for the same book. Today it counts open days (`overdue_open_days`); a `fine_days` policy
    option decides it here, in one place, when it comes (the policy is passed for that).
    """
    return max(0, overdue_open_days(calendar, due_date, on_day))


def overdue_fine_fen(policy: Policy, days_late: int, price_fen: int) -> int:
    fine = max(0, days_late) * policy.fine_per_day_fen
    if policy.fine_cap_at_price and price_fen > 0:
        fine = min(fine, price_fen)
    return fine
