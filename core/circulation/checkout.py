"""借出: lend a copy to a reader at the desk."""
from __future__ import annotations

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from core.circulation.commands import CheckoutItem
from core.circulation.condition import record_condition
from core.circulation.lookups import account_reasons, audit, item_by_barcode, reader_by_card, set_item_status
from core.circulation.results import LoanCreated
from core.errors import Reason, Refused
from core.library import Library
from core.models import Charge, ChargeStatus, Item, ItemStatus, Loan, Reservation, ReservationStatus

UNAVAILABLE = {ItemStatus.ON_LOAN, ItemStatus.IN_REPAIR, ItemStatus.LOST, ItemStatus.WITHDRAWN}


_READER = bindparam("reader_id")
# Everything the rules need to know about the reader, in one statement built once.
_READER_STATE = select(
    select(func.coalesce(func.sum(Charge.amount_fen), 0))
    .where(Charge.reader_id == _READER, Charge.status == ChargeStatus.OPEN).scalar_subquery(),
    select(func.count()).select_from(Loan)
    .where(Loan.reader_id == _READER, Loan.is_open.is_(True), Loan.due_date < bindparam("today"))
    .scalar_subquery(),
    select(func.count()).select_from(Loan).join(Item, Item.id == Loan.item_id)
    .where(Loan.reader_id == _READER, Loan.is_open.is_(True), Item.item_type == bindparam("item_type"))
    .scalar_subquery(),
    select(Reservation.id).where(Reservation.title_id == bindparam("title_id"), Reservation.reader_id == _READER,
                                 Reservation.status == ReservationStatus.WAITING).limit(1).scalar_subquery(),
    select(func.count()).select_from(Loan).where(Loan.reader_id == _READER, Loan.is_open.is_(True))
    .scalar_subquery(),
)
_INSERT_LOAN = insert(Loan.__table__).returning(Loan.__table__.c.id)


def checkout(library: Library, cmd: CheckoutItem) -> LoanCreated:
    """Lend the copy `cmd.barcode` to the reader `cmd.card_no`, or raise Refused with every reason."""
    now, today = library.now(), library.today()
    with library.uow() as uow:
        session = uow.session
        reader = reader_by_card(session, cmd.card_no, lock=True)
        item = item_by_barcode(session, cmd.barcode)
        calendar = library.calendar(session)
        rule = library.policy.rule(reader.reader_type, item.item_type)

        unpaid, overdue, same_type, own_waiting, all_types = session.execute(_READER_STATE, {
            "reader_id": reader.id, "today": today, "item_type": item.item_type, "title_id": item.title_id,
        }).one()

        reasons = account_reasons(reader, today)
        if unpaid > library.policy.max_unpaid_fen:
            reasons.append(Reason.UNPAID_CHARGES)
        if library.policy.block_checkout_when_overdue and overdue:
            reasons.append(Reason.HAS_OVERDUE)
        if not rule.loanable:
            reasons.append(Reason.NOT_FOR_LOAN)
        if item.status in UNAVAILABLE:
            reasons.append(Reason.ITEM_UNAVAILABLE)

        reservation = None
        if item.status == ItemStatus.HELD:
            reservation = session.scalar(select(Reservation).where(
                Reservation.item_id == item.id, Reservation.status == ReservationStatus.READY))
            if reservation is None or reservation.reader_id != reader.id:
                reasons.append(Reason.HELD_FOR_ANOTHER)
        elif item.status == ItemStatus.AVAILABLE and own_waiting is not None:
            # A reader who queued for this title and finds a copy on the shelf gets it.
            reservation = session.get(Reservation, own_waiting)
        if rule.loanable and same_type >= rule.max_items:
            reasons.append(Reason.LIMIT_REACHED)
        total = library.policy.total_limit(reader.reader_type)
        if rule.loanable and total is not None and all_types >= total and same_type < rule.max_items:
            reasons.append(Reason.TOTAL_LIMIT_REACHED)  # one limit named at a time: the type's own first
        if reasons:
            # Everything a front end needs to name the rule: which book, whose, which limit, how much.
            raise Refused(*reasons, max_items=rule.max_items, suspended_until=reader.suspended_until,
                          item_status=item.status.value, title=item.title.title, barcode=item.barcode,
                          reader_name=reader.name, reader_type=reader.reader_type.value,
                          item_type=item.item_type.value, on_loan=same_type, unpaid_fen=unpaid,
                          max_unpaid_fen=library.policy.max_unpaid_fen, overdue_loans=overdue,
                          max_items_total=total, on_loan_total=all_types,
                          suspension_reason=reader.suspension_reason or None)

        due = calendar.due_date(today, rule.loan_days)
        if library.policy.due_on_class_turn:  # a student's due date on their class's next rota turn
            from core.rota.service import student_turn_due
            due = student_turn_due(session, calendar, reader, due)
        try:
            loan_id = session.execute(_INSERT_LOAN, {
                "item_id": item.id, "reader_id": reader.id, "loaned_at": now, "due_date": due, "is_open": True,
                "renewal_count": 0}).scalar_one()
        except IntegrityError:
            # The partial unique index saw another open loan on this copy (a race we lost).
            raise Refused(Reason.ITEM_UNAVAILABLE) from None
        set_item_status(session, item, ItemStatus.ON_LOAN)
        if cmd.condition_note.strip():
            record_condition(session, item, cmd.condition_note, now=now, actor=cmd.actor, reader_id=reader.id)
        if reservation is not None:
            reservation.status = ReservationStatus.FULFILLED
            reservation.item_id = item.id
            reservation.closed_at = now
        audit(session, now, "checkout", cmd.actor, reader_id=reader.id, item_id=item.id, loan_id=loan_id,
              due_date=due)
        result = LoanCreated(loan_id, reader.id, reader.name, item.title.title, item.barcode, due,
                             reservation.id if reservation is not None else None, item.condition_note)
        uow.commit()
        return result
