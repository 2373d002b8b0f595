"""The console's reports are reused while the data is unchanged and rebuilt after any loan, return or
renewal (core/reports/cache.py), on the hand-computed school of tests/librarian/dataset.py."""
from __future__ import annotations

from sqlalchemy import select

from core.circulation.checkin import checkin
from core.circulation.checkout import checkout
from core.circulation.commands import CheckinItem, CheckoutItem, RenewLoan
from core.circulation.renew import renew
from core.library import Library
from core.models import Loan, Reader
from core.reports.asks import ReportAsk, run_report
from core.targets import Targets
from tests.librarian.dataset import build_school

TERM = ReportAsk("term")


def test_report_is_reused_until_a_loan_return_or_renewal_changes_the_data(library: Library) -> None:
    build_school(library)
    first = run_report(library, TERM, Targets())
    assert run_report(library, TERM, Targets()) is first  # nothing changed: the same report
    assert run_report(library, ReportAsk("class", class_name="三年级2班"), Targets()) is not first

    checkout(library, CheckoutItem("S302", "CF2"))
    lent = run_report(library, TERM, Targets())
    assert lent is not first and lent.loans == first.loans + 1

    checkin(library, CheckinItem("ST3"))  # 张老师's open loan comes back: counts stay, the data changed
    returned = run_report(library, TERM, Targets())
    assert returned is not lent and returned.loans == lent.loans

    with library.read_uow() as uow:
        reader_id, loan_id = uow.session.execute(
            select(Reader.id, Loan.id).join(Loan, Loan.reader_id == Reader.id)
            .where(Reader.card_no == "S302", Loan.is_open.is_(True))).one()
    renew(library, RenewLoan(reader_id, loan_id))
    assert run_report(library, TERM, Targets()) is not returned
    assert run_report(library, TERM, Targets(), reuse=False).loans == returned.loans


def test_other_targets_are_another_report(library: Library) -> None:
    build_school(library)
    plain = run_report(library, TERM, Targets())
    other = run_report(library, TERM, Targets.from_config({"books_per_student": 2}))
    assert other is not plain and other.classes[0].target == 2 and plain.classes[0].target == 4
