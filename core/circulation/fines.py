"""Days late and overdue fines: the one place that counts them, for fines, 我的借阅, notices and lists.

Which days count is [policy] fine_days: "open" (the default) skips days the library is closed
(weekends, holidays, vacations from the calendar); "all" counts every calendar day (每超期一天).
Returning on the due day is never late either way. A fine is capped at the item's price.
"""
from __future__ import annotations

from datetime import date

from core.calendar import SchoolCalendar
from core.policy import Policy


def days_late(policy: Policy, calendar: SchoolCalendar, due_date: date, on_day: date) -> int:
    """Days after the due day through `on_day` that count as late under the policy (0 when not late)."""
    if on_day <= due_date:
        return 0
    if policy.fine_days == "all":
        return (on_day - due_date).days
    return calendar.open_days_between(due_date, on_day)


def overdue_fine_fen(policy: Policy, days: int, price_fen: int) -> int:
    """The fine for `days` late (from `days_late`), capped at the price when the policy says so."""
    fine = max(0, days) * policy.fine_per_day_fen
    if policy.fine_cap_at_price and price_fen > 0:
        fine = min(fine, price_fen)
    return fine
