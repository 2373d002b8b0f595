"""Lost copies (照价赔偿), damaged copies (repair records), and settling charges."""
from __future__ import annotations

from sqlalchemy import select

from core.circulation.checkin import close_loan
from core.circulation.commands import (
    FinishRepair,
    MarkItemDamaged,
    MarkItemLost,
    SettleCharge,
    SettleReaderCharges,
)
from core.circulation.condition import condition_records
from core.circulation.holds import release_hold, shelve_or_hold
from core.circulation.lookups import audit, item_by_barcode, open_loan_of_item, reader_by_card
from core.circulation.results import ChargesSettled, ItemDamaged, ItemLost
from core.errors import Reason, Refused
from core.library import Library
from core.models import Charge, ChargeKind, ChargeStatus, ItemStatus, Loan


def mark_lost(library: Library, cmd: MarkItemLost) -> ItemLost:
    """A lent copy is lost: close the loan and charge the item's price to the borrower."""
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        item = item_by_barcode(session, cmd.barcode)
        if item.status == ItemStatus.LOST:
            raise Refused(Reason.ITEM_UNAVAILABLE, barcode=item.barcode, item_status=item.status.value,
                          title=item.title.title)
        loan = open_loan_of_item(session, item.id)
        if item.status == ItemStatus.HELD:
            release_hold(session, item, actor=cmd.actor, now=now)
        item.status = ItemStatus.LOST
        reader_id = None
        if loan is not None:
            loan.lost_at = now
            loan.is_open = False
            reader_id = loan.reader_id
            if item.price_fen > 0:
                session.add(Charge(reader_id=reader_id, loan_id=loan.id, item_id=item.id, kind=ChargeKind.LOST,
                                   amount_fen=item.price_fen, note="照价赔偿", created_at=now))
        audit(session, now, "lost", cmd.actor, reader_id=reader_id, item_id=item.id,
              loan_id=loan.id if loan else None, price_fen=item.price_fen)
        result = ItemLost(loan.id if loan else None, reader_id, item.title.title,
                          item.price_fen if loan is not None else 0)
        uow.commit()
        return result


def mark_damaged(library: Library, cmd: MarkItemDamaged) -> ItemDamaged:
    """A copy comes back damaged (or is found damaged): returned if lent, repair fee charged, to repair."""
    if cmd.repair_fee_fen < 0:
        raise ValueError("repair fee must not be negative")
    now, today = library.now(), library.today()
    with library.uow() as uow:
        session = uow.session
        item = item_by_barcode(session, cmd.barcode)
        if item.status in (ItemStatus.IN_REPAIR, ItemStatus.LOST):
            # Already in repair (or lost): a second 损坏 would record the damage, and any fee, twice.
            raise Refused(Reason.ITEM_UNAVAILABLE, barcode=item.barcode, item_status=item.status.value,
                          title=item.title.title)
        loan = open_loan_of_item(session, item.id)
        returned = None
        reader_id = None
        last = None
        if loan is not None:
            returned = close_loan(session, loan, item, now=now, today=today, calendar=library.calendar(session),
                                  policy=library.policy, actor=cmd.actor, shelve=False)
            reader_id = loan.reader_id
        else:  # last borrower pays, if the damage is found on the shelf after a return
            if item.status == ItemStatus.HELD:
                release_hold(session, item, actor=cmd.actor, now=now)
            last = session.scalar(select(Loan).where(Loan.item_id == item.id).order_by(Loan.id.desc()).limit(1))
            reader_id = last.reader_id if last else None
        item.status = ItemStatus.IN_REPAIR
        if reader_id is not None and cmd.repair_fee_fen > 0:
            session.add(Charge(reader_id=reader_id, item_id=item.id, loan_id=loan.id if loan else None,
                               kind=ChargeKind.DAMAGE, amount_fen=cmd.repair_fee_fen,
                               note=cmd.note or "损坏修复", created_at=now))
        audit(session, now, "damaged", cmd.actor, reader_id=reader_id, item_id=item.id,
              repair_fee_fen=cmd.repair_fee_fen, note=cmd.note)
        records = (returned.condition_records if returned is not None
                   else condition_records(session, item.id, last.loaned_at if last else None)
                   if item.condition_note else ())
        result = ItemDamaged(reader_id, item.title.title, cmd.repair_fee_fen, returned, item.condition_note or "",
                             records)
        uow.commit()
        return result


def finish_repair(library: Library, cmd: FinishRepair) -> None:
    """A repaired copy goes back to the shelf, or to the first reader waiting for its title."""
    now, today = library.now(), library.today()
    with library.uow() as uow:
        session = uow.session
        item = item_by_barcode(session, cmd.barcode)
        if item.status != ItemStatus.IN_REPAIR:
            raise Refused(Reason.ITEM_UNAVAILABLE, barcode=item.barcode, item_status=item.status.value)
        shelve_or_hold(session, item, now=now, today=today, calendar=library.calendar(session),
                       policy=library.policy, actor=cmd.actor)
        audit(session, now, "repaired", cmd.actor, item_id=item.id)
        uow.commit()


def settle_charge(library: Library, cmd: SettleCharge) -> Charge:
    """Mark an open charge paid (or waived, with a note)."""
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        charge = session.scalar(select(Charge).where(Charge.id == cmd.charge_id).with_for_update())
        if charge is None:
            raise Refused(Reason.CHARGE_NOT_FOUND, charge_id=cmd.charge_id)
        if charge.status != ChargeStatus.OPEN:
            raise Refused(Reason.CHARGE_SETTLED, charge_id=cmd.charge_id, status=charge.status.value)
        charge.status = ChargeStatus.WAIVED if cmd.waive else ChargeStatus.PAID
        charge.settled_at = now
        if cmd.note:
            charge.note = f"{charge.note}；{cmd.note}" if charge.note else cmd.note
        audit(session, now, "waive" if cmd.waive else "pay", cmd.actor, reader_id=charge.reader_id,
              charge_id=charge.id, amount_fen=charge.amount_fen)
        uow.commit()
        return charge


def settle_reader_charges(library: Library, cmd: SettleReaderCharges) -> ChargesSettled:
    """缴费 by card: mark the given charges of this reader paid, in one transaction.

    Only charges that belong to the reader and are still open are paid; one settled meanwhile (at the
    console) or another reader's is left alone, so paying twice never happens. Raises
    Refused(READER_NOT_FOUND/CARD_LOST) for the card, Refused(CHARGE_SETTLED) when none is left open.
    """
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        reader = reader_by_card(session, cmd.card_no)
        charges = list(session.scalars(
            select(Charge).where(Charge.id.in_(cmd.charge_ids), Charge.reader_id == reader.id,
                                 Charge.status == ChargeStatus.OPEN).order_by(Charge.id).with_for_update()))
        if not charges:
            raise Refused(Reason.CHARGE_SETTLED, card_no=reader.card_no)
        for charge in charges:
            charge.status = ChargeStatus.PAID
            charge.settled_at = now
            audit(session, now, "pay", cmd.actor, reader_id=reader.id, charge_id=charge.id,
                  amount_fen=charge.amount_fen)
        result = ChargesSettled(reader.id, reader.name,
                                tuple((c.id, c.kind.value, c.amount_fen) for c in charges))
        uow.commit()
        return result
