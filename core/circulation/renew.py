"""续借: extend a loan, or explain every reason it cannot be extended."""
from __future__ import annotations

from sqlalchemy import select

from core.circulation.commands import RenewLoan
from core.circulation.fines import days_late as count_days_late
from core.circulation.lookups import account_reasons, audit, reader_by_id
from core.circulation.results import LoanRenewed
from core.circulation.waiting import titles_short_for_others
from core.errors import Reason, Refused
from core.library import Library
from core.models import Loan, ReaderType, Renewal
from core.policy import Policy
from core.queries import LoanView


def renew(library: Library, cmd: RenewLoan) -> LoanRenewed:
    """Renew one of the reader's own open loans; Refused lists every reason that applies."""
    now, today = library.now(), library.today()
    with library.uow() as uow:
        session = uow.session
        reader = reader_by_id(session, cmd.reader_id, lock=True)
        loan = session.scalar(select(Loan).where(Loan.id == cmd.loan_id).with_for_update())
        if loan is None or loan.reader_id != reader.id or not loan.is_open:
            # Never reveal whether someone else's loan exists.
            raise Refused(Reason.LOAN_NOT_FOUND, loan_id=cmd.loan_id)
        item = loan.item
        calendar = library.calendar(session)
        rule = library.policy.rule(reader.reader_type, item.item_type)

        reasons = account_reasons(reader, today)
        days_late = count_days_late(library.policy, calendar, loan.due_date, today)
        if days_late > library.policy.renew_grace_days:
            reasons.append(Reason.OVERDUE)
        if loan.recalled_at is not None:
            reasons.append(Reason.RECALLED)
        if item.title_id in titles_short_for_others(session, library.policy, reader.id, [item.title_id]):
            reasons.append(Reason.RESERVED_BY_OTHER)
        if loan.renewal_count >= rule.renewals:
            reasons.append(Reason.RENEWALS_USED_UP)
        # Count from the later of the old due date and today: no stacking, no bonus for lateness.
        new_due = calendar.due_date(max(loan.due_date, today), rule.renew_days)
        if new_due <= loan.due_date:
            reasons.append(Reason.TERM_END)
        if reasons:
            term = calendar.term_of(today)
            raise Refused(*reasons, loan_id=loan.id, title=item.title.title, due_date=loan.due_date,
                          days_late=days_late, suspended_until=reader.suspended_until,
                          renewals=rule.renewals, term_end=term.end if term else None)

        old_due = loan.due_date
        loan.due_date = new_due
        loan.renewal_count += 1
        session.add(Renewal(loan_id=loan.id, renewed_at=now, old_due=old_due, new_due=new_due))
        audit(session, now, "renew", cmd.actor, reader_id=reader.id, item_id=item.id, loan_id=loan.id,
              old_due=old_due, new_due=new_due)
        result = LoanRenewed(loan.id, item.title.title, old_due, new_due, rule.renewals - loan.renewal_count)
        uow.commit()
        return result


def quick_renew_reasons(policy: Policy, reader_type: ReaderType, loan: LoanView) -> list[Reason]:
    """Why renew() would refuse this loan, from what the read model keeps (no database read).

    Covers overdue, recalled and renewals used up; a waiting reservation by someone else needs
    titles_wanted_by_others() and the account's own state (suspended, unpaid) is not checked here.
    """
    reasons = []
    if loan.overdue_days > policy.renew_grace_days:
        reasons.append(Reason.OVERDUE)
    if loan.recalled:
        reasons.append(Reason.RECALLED)
    if loan.renewal_count >= policy.rule(reader_type, loan.item_type).renewals:
        reasons.append(Reason.RENEWALS_USED_UP)
    return reasons


def titles_wanted_by_others(library: Library, reader_id: int, title_ids: list[int]) -> set[int]:
    """The titles among `title_ids` that renew() refuses as RESERVED_BY_OTHER for this reader:
    other readers wait and the shelf holds no copy each of them may borrow (core.circulation.waiting)."""
    if not title_ids:
        return set()
    with library.read_uow() as uow:
        return titles_short_for_others(uow.session, library.policy, reader_id, title_ids)
