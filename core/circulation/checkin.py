"""归还: take a copy back, charge any overdue fine, pass it to the reservation queue."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.calendar import SchoolCalendar
from core.circulation.commands import CheckinItem
from core.circulation.condition import condition_records
from core.circulation.fines import days_late as count_days_late
from core.circulation.fines import overdue_fine_fen
from core.circulation.holds import shelve_or_hold
from core.circulation.lookups import audit, item_by_barcode, open_loan_of_item
from core.circulation.results import LoanReturned
from core.errors import Reason, Refused
from core.library import Library
from core.models import Charge, ChargeKind, Item, Loan, ReaderType
from core.policy import Policy

_LOANS = Loan.__table__
_CLOSE_LOAN = (update(_LOANS).where(_LOANS.c.id == bindparam("loan_id"))
               .values(returned_at=bindparam("now"), is_open=False))


def checkin(library: Library, cmd: CheckinItem) -> LoanReturned:
    """Return the copy `cmd.barcode`; raise Refused(NOT_ON_LOAN) when it is not lent out."""
    with library.uow() as uow:
        session = uow.session
        item = item_by_barcode(session, cmd.barcode)
        loan = open_loan_of_item(session, item.id)
        if loan is None:
            raise Refused(Reason.NOT_ON_LOAN, barcode=item.barcode, item_status=item.status.value)
        calendar = library.calendar(session)
        result = close_loan(session, loan, item, now=library.now(), today=library.today(),
                            calendar=calendar, policy=library.policy, actor=cmd.actor)
        uow.commit()
        return result


def close_loan(session: Session, loan: Loan, item: Item, *, now: datetime, today: date,
               calendar: SchoolCalendar, policy: Policy, actor: str, shelve: bool = True) -> LoanReturned:
    """Close an open loan: fine, suspension after a renewed loan came back late, then the queue."""
    reader = loan.reader  # loaded and locked together with the loan
    days_late = count_days_late(policy, calendar, loan.due_date, today)
    fine = overdue_fine_fen(policy, days_late, item.price_fen)
    if reader.reader_type == ReaderType.CLASS and not policy.class_collection_fines:
        fine = 0  # 集体借阅: no class fine by default; the class teacher is reminded instead
    session.execute(_CLOSE_LOAN, {"loan_id": loan.id, "now": now})
    set_committed_value(loan, "returned_at", now)
    set_committed_value(loan, "is_open", False)
    if fine > 0:
        session.add(Charge(reader_id=reader.id, loan_id=loan.id, item_id=item.id, kind=ChargeKind.OVERDUE,
                           amount_fen=fine, note=f"逾期{days_late}天", created_at=now))
    suspended_until = None
    if days_late > 0 and loan.renewal_count > 0:
        # Overdue again after a renewal: reported to the 教务处 list and no borrowing for a while.
        suspended_until = today + timedelta(days=policy.suspension_days)
        if reader.suspended_until is None or reader.suspended_until < suspended_until:
            reader.suspended_until = suspended_until
            reader.suspension_reason = ""  # now the automatic one, which the desk names as such
        audit(session, now, "report_academic_office", actor, reader_id=reader.id, item_id=item.id,
              loan_id=loan.id, days_late=days_late, suspended_until=suspended_until)
    audit(session, now, "checkin", actor, reader_id=reader.id, item_id=item.id, loan_id=loan.id,
          days_late=days_late, fine_fen=fine)
    ready = None
    if shelve:
        ready = shelve_or_hold(session, item, now=now, today=today, calendar=calendar, policy=policy, actor=actor)
    records = condition_records(session, item.id, loan.loaned_at) if item.condition_note else ()
    return LoanReturned(loan.id, reader.id, reader.name, item.title.title, item.barcode, loan.due_date,
                        days_late, fine, suspended_until, ready, item.condition_note or "", records)
