"""The console's home page figures: today's desk work, what needs doing, and whether a term is set."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.clock import school_datetime
from core.library import Library
from core.messaging import FAILED, OutboundMessage, Unreachable
from core.models import Loan, Reservation, ReservationStatus


@dataclass(frozen=True)
class Dashboard:
    """Counts for one school day (the library clock's), plus the current term's name or None."""

    loans_today: int  # copies lent since 00:00 school time
    returns_today: int  # copies returned since 00:00 school time
    overdue: int  # open loans past their due day
    holds_to_shelve: int  # reservations with a copy caught for the reader (put it on the 预约架)
    failed_pushes: int  # notices given up after their retries
    unreachable: int  # (channel, user) pairs a channel refused
    term: str | None  # the term today falls in; None: no current term in the calendar


def dashboard(library: Library) -> Dashboard:
    """Today's figures from the database, in one read-only transaction."""
    today = library.today()
    start = school_datetime(today)
    with library.read_uow() as uow:
        s = uow.session
        loans = s.scalar(select(func.count(Loan.id)).where(Loan.loaned_at >= start)) or 0
        returns = s.scalar(select(func.count(Loan.id)).where(Loan.returned_at >= start)) or 0
        overdue = s.scalar(select(func.count(Loan.id)).where(Loan.is_open, Loan.due_date < today)) or 0
        holds = s.scalar(select(func.count(Reservation.id))
                         .where(Reservation.status == ReservationStatus.READY)) or 0
        failed = s.scalar(select(func.count(OutboundMessage.id)).where(OutboundMessage.status == FAILED)) or 0
        unreachable = s.scalar(select(func.count()).select_from(Unreachable)) or 0
        term = library.calendar(s).term_of(today)
    return Dashboard(loans, returns, overdue, holds, failed, unreachable, term.name if term else None)
