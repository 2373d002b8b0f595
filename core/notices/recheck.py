"""Re-check a notice when delivering it: no 催书 for a returned book, no stale due date after a renewal."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Loan, Reservation, ReservationStatus


def still_holds(session: Session, ref: str, today: date | None = None) -> str | None:
    """None when the notice is still true; otherwise the reason to drop it. `today` (school date) drops
    a notice about one day ("day:<iso date>", 借书日提醒) delivered after that day."""
    if not ref:
        return None
    kind, _, rest = ref.partition(":")
    if kind == "loan":
        loan_id, _, due = rest.partition(":")
        loan = session.get(Loan, int(loan_id))
        if loan is None or not loan.is_open:
            return "已归还"
        if due and loan.due_date != date.fromisoformat(due):
            return "应还日期已变（续借或催还）"
        return None
    if kind == "reservation":
        res = session.get(Reservation, int(rest))
        return None if res is not None and res.status == ReservationStatus.READY else "预约已取走或取消"
    if kind == "day":
        return "那一天已经过去" if today is not None and date.fromisoformat(rest) < today else None
    if kind == "reader":
        n = session.scalar(select(func.count()).select_from(Loan).where(Loan.reader_id == int(rest),
                                                                       Loan.is_open.is_(True)))
        return None if n else "已全部归还"
    return None
