"""Cards and accounts: 挂失, a new card that keeps the history, and leaving clearance."""
from __future__ import annotations

from sqlalchemy import func, select

from core.circulation.commands import ClearReader, ReplaceCard, ReportCardLost
from core.circulation.holds import shelve_or_hold
from core.circulation.lookups import audit, normalise_card, reader_by_card, unpaid_fen
from core.circulation.results import CardReplaced, ReaderCleared
from core.errors import Reason, Refused
from core.library import Library
from core.models import (
    Item,
    ItemStatus,
    Loan,
    Reader,
    ReaderStatus,
    Reservation,
    ReservationStatus,
    RetiredCard,
)


def report_card_lost(library: Library, cmd: ReportCardLost) -> int:
    """The card stops working at once; returns the reader id."""
    now = library.now()
    with library.uow() as uow:
        reader = reader_by_card(uow.session, cmd.card_no, lock=True)
        if reader.status == ReaderStatus.LEFT:
            raise Refused(Reason.READER_LEFT)
        reader.status = ReaderStatus.CARD_LOST
        audit(uow.session, now, "card_lost", cmd.actor, reader_id=reader.id, card_no=reader.card_no)
        uow.commit()
        return reader.id


def replace_card(library: Library, cmd: ReplaceCard) -> CardReplaced:
    """Issue a new card number; the old one is retired, loans and history stay with the reader."""
    now = library.now()
    new_card = normalise_card(cmd.new_card_no)
    with library.uow() as uow:
        session = uow.session
        reader = reader_by_card(session, cmd.old_card_no, lock=True)
        if reader.status == ReaderStatus.LEFT:
            raise Refused(Reason.READER_LEFT)
        taken = session.scalar(select(func.count()).select_from(Reader).where(Reader.card_no == new_card))
        if taken or session.get(RetiredCard, new_card) is not None:
            raise Refused(Reason.CARD_IN_USE, card_no=new_card)
        old_card = reader.card_no
        session.add(RetiredCard(card_no=old_card, reader_id=reader.id, retired_at=now, reason="replaced"))
        reader.card_no = new_card
        reader.status = ReaderStatus.ACTIVE
        audit(session, now, "card_replaced", cmd.actor, reader_id=reader.id, old=old_card, new=new_card)
        uow.commit()
        return CardReplaced(reader.id, old_card, new_card)


def clear_reader(library: Library, cmd: ClearReader) -> ReaderCleared:
    """调离/转学/毕业: only with every copy returned and every charge settled."""
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        reader = reader_by_card(session, cmd.card_no, lock=True)
        open_loans = session.scalar(select(func.count()).select_from(Loan)
                                    .where(Loan.reader_id == reader.id, Loan.is_open.is_(True))) or 0
        owed = unpaid_fen(session, reader.id)
        reasons = []
        if open_loans:
            reasons.append(Reason.HAS_OPEN_LOANS)
        if owed:
            reasons.append(Reason.UNPAID_CHARGES)
        if reasons:
            raise Refused(*reasons, open_loans=open_loans, unpaid_fen=owed)
        cancelled = 0
        held_items = []
        for reservation in list(session.scalars(select(Reservation).where(
                Reservation.reader_id == reader.id,
                Reservation.status.in_((ReservationStatus.WAITING, ReservationStatus.READY))))):
            if reservation.status == ReservationStatus.READY and reservation.item_id is not None:
                held_items.append(reservation.item_id)
            reservation.status = ReservationStatus.CANCELLED
            reservation.closed_at = now
            cancelled += 1
        session.flush()
        for item_id in held_items:  # a copy held for someone who is leaving goes to the next reader
            item = session.get(Item, item_id)
            if item is not None and item.status == ItemStatus.HELD:
                shelve_or_hold(session, item, now=now, today=library.today(), calendar=library.calendar(session),
                               policy=library.policy, actor=cmd.actor)
        reader.status = ReaderStatus.LEFT
        audit(session, now, "cleared", cmd.actor, reader_id=reader.id)
        uow.commit()
        return ReaderCleared(reader.id, reader.name, cancelled)
