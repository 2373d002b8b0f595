"""Lost and damaged copies, charges, 挂失 and a new card, leaving clearance."""
from __future__ import annotations

from sqlalchemy import select

from core.circulation import (
    CheckinItem,
    CheckoutItem,
    ClearReader,
    FinishRepair,
    MarkItemDamaged,
    MarkItemLost,
    PlaceReservation,
    RenewLoan,
    ReplaceCard,
    ReportCardLost,
    SettleCharge,
    checkin,
    checkout,
    clear_reader,
    finish_repair,
    mark_damaged,
    mark_lost,
    place_reservation,
    renew,
    replace_card,
    report_card_lost,
    settle_charge,
)
from core.errors import Reason
from core.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    Item,
    ItemStatus,
    Loan,
    Reader,
    ReaderStatus,
    Reservation,
    ReservationStatus,
)
from tests.factories import add_reader, add_title, refused


def test_lost_copy_is_charged_at_its_price_and_closes_the_loan(lib) -> None:
    _, [barcode] = add_title(lib, price_fen=3280)
    reader_id, card = add_reader(lib)
    checkout(lib, CheckoutItem(card, barcode))
    lost = mark_lost(lib, MarkItemLost(barcode))
    assert (lost.reader_id, lost.compensation_fen) == (reader_id, 3280)
    with lib.uow() as uow:
        s = uow.session
        assert s.scalar(select(Item.status)) == ItemStatus.LOST
        assert s.scalar(select(Loan.is_open)) is False
        charge = s.scalar(select(Charge))
        assert (charge.kind, charge.amount_fen, charge.status) == (ChargeKind.LOST, 3280, ChargeStatus.OPEN)


def test_damaged_copy_is_returned_charged_and_sent_to_repair_then_to_the_queue(lib) -> None:
    title_id, [barcode] = add_title(lib)
    reader_id, card = add_reader(lib)
    waiting_id, _ = add_reader(lib, "李老师")
    checkout(lib, CheckoutItem(card, barcode))
    place_reservation(lib, PlaceReservation(waiting_id, title_id))
    damaged = mark_damaged(lib, MarkItemDamaged(barcode, 500, "封面撕破"))
    assert damaged.returned is not None and damaged.returned.reservation_ready is None
    with lib.uow() as uow:
        assert uow.session.scalar(select(Item.status)) == ItemStatus.IN_REPAIR
        assert uow.session.scalar(select(Charge.amount_fen).where(Charge.kind == ChargeKind.DAMAGE)) == 500
    finish_repair(lib, FinishRepair(barcode))
    with lib.uow() as uow:
        assert uow.session.scalar(select(Item.status)) == ItemStatus.HELD


def test_charges_are_paid_or_waived_once(lib) -> None:
    _, [barcode] = add_title(lib, price_fen=1000)
    _, card = add_reader(lib)
    checkout(lib, CheckoutItem(card, barcode))
    mark_lost(lib, MarkItemLost(barcode))
    with lib.uow() as uow:
        charge_id = uow.session.scalar(select(Charge.id))
    assert settle_charge(lib, SettleCharge(charge_id, waive=True, note="家庭困难")).status == ChargeStatus.WAIVED
    assert refused(settle_charge, lib, SettleCharge(charge_id)) == (Reason.CHARGE_SETTLED,)
    assert refused(settle_charge, lib, SettleCharge(9999)) == (Reason.CHARGE_NOT_FOUND,)


def test_lost_card_stops_working_at_once_and_a_new_card_keeps_the_history(lib) -> None:
    _, [barcode, second] = add_title(lib, copies=2)
    reader_id, card = add_reader(lib, card_no="T0100")
    loan = checkout(lib, CheckoutItem(card, barcode))
    report_card_lost(lib, ReportCardLost(card))
    assert Reason.CARD_LOST in refused(checkout, lib, CheckoutItem(card, second))
    assert Reason.CARD_LOST in refused(renew, lib, RenewLoan(reader_id, loan.loan_id))
    replaced = replace_card(lib, ReplaceCard(card, "t0200"))
    assert replaced.new_card_no == "T0200"
    # The old number is dead; the new one carries the same loans.
    assert refused(checkout, lib, CheckoutItem("T0100", second)) == (Reason.CARD_LOST,)
    assert renew(lib, RenewLoan(reader_id, loan.loan_id)).loan_id == loan.loan_id
    with lib.uow() as uow:
        reader = uow.session.get(Reader, reader_id)
        assert (reader.card_no, reader.status) == ("T0200", ReaderStatus.ACTIVE)


def test_replacement_card_number_must_be_unused(lib) -> None:
    _, card = add_reader(lib, card_no="T0300")
    add_reader(lib, "李老师", card_no="T0301")
    assert refused(replace_card, lib, ReplaceCard(card, "T0301")) == (Reason.CARD_IN_USE,)


def test_leaving_requires_everything_returned_and_paid(lib) -> None:
    _, [barcode] = add_title(lib, price_fen=1500)
    reader_id, card = add_reader(lib)
    checkout(lib, CheckoutItem(card, barcode))
    assert refused(clear_reader, lib, ClearReader(card)) == (Reason.HAS_OPEN_LOANS,)
    mark_lost(lib, MarkItemLost(barcode))
    assert refused(clear_reader, lib, ClearReader(card)) == (Reason.UNPAID_CHARGES,)
    with lib.uow() as uow:
        charge_id = uow.session.scalar(select(Charge.id))
    settle_charge(lib, SettleCharge(charge_id))
    assert clear_reader(lib, ClearReader(card)).reader_id == reader_id
    _, [other] = add_title(lib, "别的书")
    assert refused(checkout, lib, CheckoutItem(card, other)) == (Reason.READER_LEFT,)


def test_a_held_copy_marked_lost_puts_the_reader_back_in_the_queue_in_their_place(lib) -> None:
    title_id, [barcode] = add_title(lib)
    _, lender = add_reader(lib, "借书人")
    waiting_id, _ = add_reader(lib, "李老师")
    checkout(lib, CheckoutItem(lender, barcode))
    placed = place_reservation(lib, PlaceReservation(waiting_id, title_id))
    checkin(lib, CheckinItem(barcode))  # held for 李老师
    mark_lost(lib, MarkItemLost(barcode))
    with lib.uow() as uow:
        reservation = uow.session.get(Reservation, placed.reservation_id)
        assert (reservation.status, reservation.item_id, reservation.hold_until) == (
            ReservationStatus.WAITING, None, None)


def test_clearance_passes_a_copy_held_for_the_leaving_reader_to_the_next_in_the_queue(lib) -> None:
    title_id, [barcode] = add_title(lib)
    _, lender = add_reader(lib, "借书人")
    leaving_id, leaving_card = add_reader(lib, "调离的老师")
    next_id, _ = add_reader(lib, "李老师")
    checkout(lib, CheckoutItem(lender, barcode))
    place_reservation(lib, PlaceReservation(leaving_id, title_id))
    place_reservation(lib, PlaceReservation(next_id, title_id))
    checkin(lib, CheckinItem(barcode))  # held for the leaving teacher
    assert clear_reader(lib, ClearReader(leaving_card)).cancelled_reservations == 1
    with lib.uow() as uow:
        ready = uow.session.scalar(select(Reservation).where(Reservation.status == ReservationStatus.READY))
        assert ready is not None and ready.reader_id == next_id
