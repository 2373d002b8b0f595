"""催书/提前收回: the library asks for a copy back earlier; the reader gets a new deadline."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from core.circulation.commands import RecallLoan
from core.circulation.lookups import audit, item_by_barcode, open_loan_of_item
from core.circulation.results import LoanRecalled
from core.errors import Reason, Refused
from core.library import Library


def recall(library: Library, cmd: RecallLoan,
           then: Callable[[Session, LoanRecalled], None] | None = None) -> LoanRecalled:
    """Bring the due date forward to `open_days` open days from today (never later than it was).

    `then(session, result)` runs in the same transaction before it commits (e.g. queueing the
    reader's notice: both are written or neither).
    """
    now, today = library.now(), library.today()
    with library.uow() as uow:
        session = uow.session
        item = item_by_barcode(session, cmd.barcode)
        loan = open_loan_of_item(session, item.id)
        if loan is None:
            raise Refused(Reason.NOT_ON_LOAN, barcode=item.barcode)
        calendar = library.calendar(session)
        old_due = loan.due_date
        loan.due_date = min(old_due, calendar.add_open_days(today, max(cmd.open_days, 1)))
        loan.recalled_at = now
        audit(session, now, "recall", cmd.actor, reader_id=loan.reader_id, item_id=item.id, loan_id=loan.id,
              old_due=old_due, new_due=loan.due_date)
        result = LoanRecalled(loan.id, loan.reader_id, item.title.title, old_due, loan.due_date)
        if then is not None:
            then(session, result)
        uow.commit()
        return result
