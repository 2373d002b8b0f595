"""借出 and 归还: limits, refusals, fines on open days, suspension, and the reservation queue."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.circulation import (
    CheckinItem,
    CheckoutItem,
    PlaceReservation,
    RenewLoan,
    ReportCardLost,
    checkin,
    checkout,
    place_reservation,
    renew,
    report_card_lost,
)
from core.errors import Reason
from core.models import AuditEntry, Charge, Item, ItemStatus, ItemType, Reader, ReaderType, Reservation
from tests.factories import add_closed_days, add_reader, add_title, refused


def test_teacher_borrows_a_general_book_for_seven_days(lib) -> None:
    _, [barcode] = add_title(lib)
    _, card = add_reader(lib)
    loan = checkout(lib, CheckoutItem(card, barcode))
    assert loan.due_date == date(2026, 11, 25)
    with lib.uow() as uow:
        assert uow.session.scalar(select(Item.status).where(Item.barcode == barcode)) == ItemStatus.ON_LOAN
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "checkout")) == 1


def test_student_borrows_for_fourteen_days_moved_off_the_weekend(lib, clock) -> None:
    clock.advance(days=3)  # Saturday 2026-11-21 + 14 = Saturday → Monday
    _, [barcode] = add_title(lib)
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    assert checkout(lib, CheckoutItem(card, barcode)).due_date == date(2026, 12, 7)


def test_teaching_reference_is_lent_to_teachers_for_thirty_days(lib) -> None:
    _, [barcode] = add_title(lib, "给教师的建议", "苏霍姆林斯基", item_type=ItemType.TEACHING_REFERENCE)
    _, card = add_reader(lib)
    assert checkout(lib, CheckoutItem(card, barcode)).due_date == date(2026, 12, 18)


def test_due_date_never_passes_the_terms_last_day(lib, clock) -> None:
    clock.advance(days=58)  # 2027-01-15
    _, [barcode] = add_title(lib)
    _, card = add_reader(lib, "小红", ReaderType.STUDENT)
    assert checkout(lib, CheckoutItem(card, barcode)).due_date == date(2027, 1, 22)


@pytest.mark.parametrize(("setup", "expected"), [
    ("reference", {Reason.NOT_FOR_LOAN}),
    ("student_teaching_reference", {Reason.NOT_FOR_LOAN}),
    ("card_lost", {Reason.CARD_LOST}),
    ("suspended", {Reason.SUSPENDED}),
    ("limit", {Reason.LIMIT_REACHED}),
    ("on_loan", {Reason.ITEM_UNAVAILABLE}),
    ("in_repair", {Reason.ITEM_UNAVAILABLE}),
    ("held_for_another", {Reason.HELD_FOR_ANOTHER}),
    ("overdue", {Reason.HAS_OVERDUE}),
    ("unpaid", {Reason.UNPAID_CHARGES}),
    ("lost_and_suspended_and_reference", {Reason.CARD_LOST, Reason.SUSPENDED, Reason.NOT_FOR_LOAN}),
])
def test_checkout_refusals(lib, clock, setup: str, expected: set[Reason]) -> None:
    reader_type = ReaderType.STUDENT if setup == "student_teaching_reference" else ReaderType.TEACHER
    item_type = {"reference": ItemType.REFERENCE, "lost_and_suspended_and_reference": ItemType.REFERENCE,
                 "student_teaching_reference": ItemType.TEACHING_REFERENCE}.get(setup, ItemType.GENERAL)
    title_id, [barcode] = add_title(lib, item_type=item_type)
    reader_id, card = add_reader(lib, reader_type=reader_type)
    if setup in ("card_lost", "lost_and_suspended_and_reference"):
        report_card_lost(lib, ReportCardLost(card))
    if setup in ("suspended", "lost_and_suspended_and_reference"):
        with lib.uow() as uow:
            uow.session.get(Reader, reader_id).suspended_until = date(2026, 12, 1)
            uow.commit()
    if setup == "limit":
        for _ in range(2):
            _, [other] = add_title(lib, "别的书")
            checkout(lib, CheckoutItem(card, other))
    if setup == "on_loan":
        _, other_card = add_reader(lib, "李老师")
        checkout(lib, CheckoutItem(other_card, barcode))
    if setup == "in_repair":
        with lib.uow() as uow:
            uow.session.scalar(select(Item).where(Item.barcode == barcode)).status = ItemStatus.IN_REPAIR
            uow.commit()
    if setup == "held_for_another":
        _, other_card = add_reader(lib, "李老师")
        other_id, third_card = add_reader(lib, "王老师")
        checkout(lib, CheckoutItem(other_card, barcode))
        place_reservation(lib, PlaceReservation(other_id, title_id))
        checkin(lib, CheckinItem(barcode))
    if setup == "overdue":
        _, [other] = add_title(lib, "别的书")
        checkout(lib, CheckoutItem(card, other))
        clock.advance(days=14)
    if setup == "unpaid":
        with lib.uow() as uow:
            uow.session.add(Charge(reader_id=reader_id, kind="lost", amount_fen=3000, created_at=lib.now()))
            uow.commit()
    assert set(refused(checkout, lib, CheckoutItem(card, barcode))) == expected


def test_refusal_reasons_come_in_the_order_a_reader_can_act_on(lib) -> None:
    _, [barcode] = add_title(lib, item_type=ItemType.REFERENCE)
    reader_id, card = add_reader(lib)
    with lib.uow() as uow:
        uow.session.get(Reader, reader_id).suspended_until = date(2026, 12, 1)
        uow.commit()
    report_card_lost(lib, ReportCardLost(card))
    assert refused(checkout, lib, CheckoutItem(card, barcode)) == (
        Reason.CARD_LOST, Reason.SUSPENDED, Reason.NOT_FOR_LOAN)


def test_unknown_card_and_unknown_barcode_are_refused(lib) -> None:
    _, [barcode] = add_title(lib)
    _, card = add_reader(lib)
    assert refused(checkout, lib, CheckoutItem("NOPE", barcode)) == (Reason.READER_NOT_FOUND,)
    assert refused(checkout, lib, CheckoutItem(card, "NOPE")) == (Reason.ITEM_NOT_FOUND,)


def test_barcode_and_card_are_matched_case_and_space_insensitively(lib) -> None:
    _, [barcode] = add_title(lib)
    _, card = add_reader(lib, card_no="T0009")
    assert checkout(lib, CheckoutItem(" t0009 ", f" {barcode.lower()}\n")).barcode == barcode


def test_return_on_the_due_day_is_never_late(lib, clock) -> None:
    _, [barcode] = add_title(lib)
    _, card = add_reader(lib)
    checkout(lib, CheckoutItem(card, barcode))
    clock.advance(days=7, hours=13, minutes=58)  # 2026-11-25 23:58 school time
    returned = checkin(lib, CheckinItem(barcode))
    assert (returned.overdue_days, returned.fine_fen) == (0, 0)


@pytest.mark.parametrize(("days_after_due", "closed", "expected_days"), [
    (1, (), 1),                                     # returned Thursday
    (3, (), 2),                                     # returned Saturday: Thu, Fri
    (5, (), 3),                                     # returned Monday: Thu, Fri, Mon
    (5, (date(2026, 11, 27),), 2),                  # a holiday on Friday is free
])
def test_fines_count_open_days_only(lib, clock, days_after_due, closed, expected_days) -> None:
    if closed:
        add_closed_days(lib, *closed)
    _, [barcode] = add_title(lib, price_fen=10_000)
    _, card = add_reader(lib)
    checkout(lib, CheckoutItem(card, barcode))  # due Wed 2026-11-25
    clock.advance(days=7 + days_after_due)
    returned = checkin(lib, CheckinItem(barcode))
    assert returned.overdue_days == expected_days
    assert returned.fine_fen == expected_days * 50
    with lib.uow() as uow:
        assert uow.session.scalar(select(func.sum(Charge.amount_fen))) == expected_days * 50


def test_fine_is_capped_at_the_items_price(lib, clock) -> None:
    _, [barcode] = add_title(lib, price_fen=300)
    _, card = add_reader(lib)
    checkout(lib, CheckoutItem(card, barcode))
    clock.advance(days=40)
    assert checkin(lib, CheckinItem(barcode)).fine_fen == 300


def test_overdue_again_after_a_renewal_suspends_for_thirty_days(lib, clock) -> None:
    _, [barcode] = add_title(lib)
    reader_id, card = add_reader(lib)
    loan = checkout(lib, CheckoutItem(card, barcode))
    renew(lib, RenewLoan(reader_id, loan.loan_id))
    clock.advance(days=16)  # due 12-02 after renewal; returned Fri 12-04
    returned = checkin(lib, CheckinItem(barcode))
    assert returned.overdue_days == 2
    assert returned.suspended_until == date(2026, 12, 4) + timedelta(days=30)
    _, [other] = add_title(lib, "别的书")
    assert Reason.SUSPENDED in refused(checkout, lib, CheckoutItem(card, other))
    with lib.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "report_academic_office")) == 1


def test_late_return_without_renewal_is_fined_but_not_suspended(lib, clock) -> None:
    _, [barcode] = add_title(lib)
    _, card = add_reader(lib)
    checkout(lib, CheckoutItem(card, barcode))
    clock.advance(days=9)
    returned = checkin(lib, CheckinItem(barcode))
    assert returned.suspended_until is None and returned.fine_fen > 0


def test_checkin_of_a_copy_not_on_loan_is_refused(lib) -> None:
    _, [barcode] = add_title(lib)
    assert refused(checkin, lib, CheckinItem(barcode)) == (Reason.NOT_ON_LOAN,)


def test_returned_copy_is_held_for_the_first_reader_in_the_queue(lib, clock) -> None:
    title_id, [barcode] = add_title(lib)
    _, borrower = add_reader(lib, "甲")
    first_id, first_card = add_reader(lib, "乙")
    second_id, _ = add_reader(lib, "丙")
    checkout(lib, CheckoutItem(borrower, barcode))
    place_reservation(lib, PlaceReservation(first_id, title_id))
    clock.advance(minutes=5)
    place_reservation(lib, PlaceReservation(second_id, title_id))
    clock.advance(days=2)  # Friday 2026-11-20
    returned = checkin(lib, CheckinItem(barcode))
    assert returned.reservation_ready is not None
    assert returned.reservation_ready.reader_id == first_id
    assert returned.reservation_ready.hold_until == date(2026, 11, 25)  # Mon, Tue, Wed: 3 open days
    with lib.uow() as uow:
        assert uow.session.scalar(select(Item.status).where(Item.barcode == barcode)) == ItemStatus.HELD
    # The held copy goes to the reader it waits for, and fulfils the reservation.
    loan = checkout(lib, CheckoutItem(first_card, barcode))
    assert loan.fulfilled_reservation_id == returned.reservation_ready.reservation_id
    with lib.uow() as uow:
        statuses = sorted(r.status.value for r in uow.session.scalars(select(Reservation)))
    assert statuses == ["fulfilled", "waiting"]
