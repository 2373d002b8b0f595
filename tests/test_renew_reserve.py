"""续借 and 预约: every refusal reason, no stacking, queue order, holds that expire."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.circulation import (
    CancelReservation,
    CheckinItem,
    CheckoutItem,
    ExpireHolds,
    PlaceReservation,
    RecallLoan,
    RenewLoan,
    ReportCardLost,
    cancel_reservation,
    checkin,
    checkout,
    expire_holds,
    place_reservation,
    recall,
    renew,
    report_card_lost,
)
from core.errors import Reason
from core.models import Item, ItemStatus, ItemType, Reader, Reservation, ReservationStatus
from tests.factories import add_reader, add_title, refused


def lend(lib, title="草房子", copies=1, **kw):
    title_id, barcodes = add_title(lib, title, copies=copies, **kw)
    reader_id, card = add_reader(lib)
    loan = checkout(lib, CheckoutItem(card, barcodes[0]))
    return title_id, barcodes, reader_id, loan


def test_renewal_counts_from_the_old_due_date_when_renewed_early(lib) -> None:
    _, _, reader_id, loan = lend(lib)  # due 11-25
    renewed = renew(lib, RenewLoan(reader_id, loan.loan_id))
    assert (renewed.old_due, renewed.new_due, renewed.renewals_left) == (date(2026, 11, 25), date(2026, 12, 2), 0)


def test_renewing_twice_is_refused_and_cannot_stack(lib) -> None:
    _, _, reader_id, loan = lend(lib)
    renew(lib, RenewLoan(reader_id, loan.loan_id))
    assert refused(renew, lib, RenewLoan(reader_id, loan.loan_id)) == (Reason.RENEWALS_USED_UP,)


def test_renewal_within_grace_counts_from_today_no_bonus_for_lateness(lib, clock) -> None:
    from dataclasses import replace

    lib.policy = replace(lib.policy, renew_grace_days=2)
    _, _, reader_id, loan = lend(lib)  # due Wed 11-25
    clock.advance(days=8)  # Thursday 11-26, one open day late
    renewed = renew(lib, RenewLoan(reader_id, loan.loan_id))
    assert renewed.new_due == date(2026, 12, 3)


def test_overdue_loan_is_not_renewed_past_the_grace(lib, clock) -> None:
    _, _, reader_id, loan = lend(lib)
    clock.advance(days=8)
    assert refused(renew, lib, RenewLoan(reader_id, loan.loan_id)) == (Reason.OVERDUE,)


def test_renewal_refused_when_another_reader_reserved_the_title(lib) -> None:
    title_id, _, reader_id, loan = lend(lib)
    other_id, _ = add_reader(lib, "李老师")
    place_reservation(lib, PlaceReservation(other_id, title_id))
    assert refused(renew, lib, RenewLoan(reader_id, loan.loan_id)) == (Reason.RESERVED_BY_OTHER,)


def test_renewal_allowed_when_a_returned_copy_can_fill_the_reservation(lib) -> None:
    title_id, barcodes, reader_id, loan = lend(lib, copies=2)
    _, card2 = add_reader(lib, "赵老师")
    checkout(lib, CheckoutItem(card2, barcodes[1]))
    other_id, _ = add_reader(lib, "李老师")
    place_reservation(lib, PlaceReservation(other_id, title_id))
    checkin(lib, CheckinItem(barcodes[1]))  # held for 李老师: the reservation is filled
    assert renew(lib, RenewLoan(reader_id, loan.loan_id)).new_due == date(2026, 12, 2)


def test_renewal_names_every_reason_in_order(lib, clock) -> None:
    title_id, _, reader_id, loan = lend(lib)
    renew(lib, RenewLoan(reader_id, loan.loan_id))
    other_id, _ = add_reader(lib, "李老师")
    place_reservation(lib, PlaceReservation(other_id, title_id))
    with lib.uow() as uow:
        card = uow.session.get(Reader, reader_id).card_no
    report_card_lost(lib, ReportCardLost(card))
    clock.advance(days=16)
    assert refused(renew, lib, RenewLoan(reader_id, loan.loan_id)) == (
        Reason.CARD_LOST, Reason.OVERDUE, Reason.RESERVED_BY_OTHER, Reason.RENEWALS_USED_UP)


def test_renewal_never_passes_the_terms_last_day(lib, clock) -> None:
    clock.advance(days=58)  # 2027-01-15, due capped at 01-22
    _, _, reader_id, loan = lend(lib)
    assert loan.due_date == date(2027, 1, 22)
    assert refused(renew, lib, RenewLoan(reader_id, loan.loan_id)) == (Reason.TERM_END,)


def test_someone_elses_loan_is_not_found(lib) -> None:
    _, _, _, loan = lend(lib)
    stranger_id, _ = add_reader(lib, "路人")
    assert refused(renew, lib, RenewLoan(stranger_id, loan.loan_id)) == (Reason.LOAN_NOT_FOUND,)


def test_recalled_loan_gets_a_new_deadline_and_cannot_be_renewed(lib) -> None:
    _, barcodes, reader_id, loan = lend(lib)
    recalled = recall(lib, RecallLoan(barcodes[0], open_days=3))
    assert (recalled.old_due, recalled.new_due) == (date(2026, 11, 25), date(2026, 11, 23))
    assert refused(renew, lib, RenewLoan(reader_id, loan.loan_id)) == (Reason.RECALLED,)


@pytest.mark.parametrize(("setup", "expected"), [
    ("copy_on_shelf", Reason.COPY_AVAILABLE),
    ("twice", Reason.ALREADY_RESERVED),
    ("own_loan", Reason.ALREADY_BORROWED),
    ("reference", Reason.NOT_FOR_LOAN),
    ("limit", Reason.RESERVATION_LIMIT),
    ("card_lost", Reason.CARD_LOST),
])
def test_reservation_refusals(lib, setup: str, expected: Reason) -> None:
    item_type = ItemType.REFERENCE if setup == "reference" else ItemType.GENERAL
    title_id, [barcode] = add_title(lib, item_type=item_type)
    reader_id, card = add_reader(lib)
    _, lender = add_reader(lib, "借书人")
    if setup not in ("copy_on_shelf", "reference"):
        checkout(lib, CheckoutItem(card if setup == "own_loan" else lender, barcode))
    if setup == "twice":
        place_reservation(lib, PlaceReservation(reader_id, title_id))
    if setup == "limit":
        for n in range(3):
            other_title, [other] = add_title(lib, f"书{n}")
            _, other_lender = add_reader(lib, f"人{n}")
            checkout(lib, CheckoutItem(other_lender, other))
            place_reservation(lib, PlaceReservation(reader_id, other_title))
    if setup == "card_lost":
        report_card_lost(lib, ReportCardLost(card))
    assert expected in refused(place_reservation, lib, PlaceReservation(reader_id, title_id))


def test_queue_positions_are_first_come_first_served(lib, clock) -> None:
    title_id, _, _, _ = lend(lib)
    positions = []
    for name in ("甲", "乙", "丙"):
        rid, _ = add_reader(lib, name)
        clock.advance(seconds=1)
        placed = place_reservation(lib, PlaceReservation(rid, title_id))
        positions.append(placed.position)
        assert placed.earliest_due == date(2026, 11, 25)
    assert positions == [1, 2, 3]


def test_cancelling_a_ready_reservation_passes_the_copy_to_the_next_reader(lib) -> None:
    title_id, barcodes, _, _ = lend(lib)
    first_id, _ = add_reader(lib, "甲")
    second_id, _ = add_reader(lib, "乙")
    first = place_reservation(lib, PlaceReservation(first_id, title_id))
    place_reservation(lib, PlaceReservation(second_id, title_id))
    checkin(lib, CheckinItem(barcodes[0]))
    cancelled = cancel_reservation(lib, CancelReservation(first_id, first.reservation_id))
    assert cancelled.passed_on is not None and cancelled.passed_on.reader_id == second_id


def test_a_reader_cannot_cancel_someone_elses_reservation(lib) -> None:
    title_id, _, _, _ = lend(lib)
    first_id, _ = add_reader(lib, "甲")
    other_id, _ = add_reader(lib, "乙")
    placed = place_reservation(lib, PlaceReservation(first_id, title_id))
    assert refused(cancel_reservation, lib, CancelReservation(other_id, placed.reservation_id)) == (
        Reason.RESERVATION_NOT_FOUND,)


def test_hold_expires_only_after_its_last_open_day_and_passes_on(lib, clock) -> None:
    title_id, barcodes, _, _ = lend(lib)
    first_id, _ = add_reader(lib, "甲")
    second_id, _ = add_reader(lib, "乙")
    place_reservation(lib, PlaceReservation(first_id, title_id))
    place_reservation(lib, PlaceReservation(second_id, title_id))
    clock.advance(days=2)  # Friday: hold until Wednesday 11-25
    ready = checkin(lib, CheckinItem(barcodes[0])).reservation_ready
    assert ready.hold_until == date(2026, 11, 25)
    clock.advance(days=5)  # Wednesday 11-25: still the last pickup day
    assert expire_holds(lib, ExpireHolds()).expired_reservation_ids == []
    clock.advance(days=1)  # Thursday
    expired = expire_holds(lib, ExpireHolds())
    assert expired.expired_reservation_ids == [ready.reservation_id]
    assert [r.reader_id for r in expired.passed_on] == [second_id]
    assert expire_holds(lib, ExpireHolds()).expired_reservation_ids == []  # idempotent


def test_expired_hold_with_empty_queue_goes_back_on_the_shelf(lib, clock) -> None:
    title_id, barcodes, _, _ = lend(lib)
    first_id, _ = add_reader(lib, "甲")
    place_reservation(lib, PlaceReservation(first_id, title_id))
    checkin(lib, CheckinItem(barcodes[0]))
    clock.advance(days=10)
    expire_holds(lib)
    with lib.uow() as uow:
        assert uow.session.scalar(select(Item.status).where(Item.barcode == barcodes[0])) == ItemStatus.AVAILABLE
        assert uow.session.scalar(select(Reservation.status)) == ReservationStatus.EXPIRED


def _shelve_extra_copy(lib, title_id: int, item_type: ItemType) -> str:
    """Another copy of the title, on the shelf, of another item type (a 工具书 copy, a 教参 copy)."""
    with lib.uow() as uow:
        barcode = f"X{title_id:05d}{item_type.value[:3].upper()}"
        uow.session.add(Item(barcode=barcode, title_id=title_id, item_type=item_type, price_fen=2500,
                             call_number="I287.45/C1", location="阅览室", status=ItemStatus.AVAILABLE,
                             created_at=lib.now()))
        uow.commit()
    return barcode


@pytest.mark.parametrize(("shelf_copy", "waiting_type", "renewed"), [
    (ItemType.REFERENCE, "teacher", False),  # a 工具书 copy is for the reading room: nobody can take it home
    (ItemType.TEACHING_REFERENCE, "student", False),  # a pupil may not borrow a 教参 copy
    (ItemType.TEACHING_REFERENCE, "teacher", True),  # a teacher may: the shelf fills their reservation
    (ItemType.GENERAL, "student", True),
])
def test_renewal_refused_when_the_only_copies_on_the_shelf_are_ones_the_waiting_reader_cannot_borrow(
        lib, shelf_copy: ItemType, waiting_type: str, renewed: bool) -> None:
    from core.circulation.renew import titles_wanted_by_others
    from core.models import ReaderType

    title_id, _, reader_id, loan = lend(lib, "新华字典")
    other_id, _ = add_reader(lib, "李同学" if waiting_type == "student" else "李老师", ReaderType(waiting_type),
                             class_name="三年级2班" if waiting_type == "student" else None)
    place_reservation(lib, PlaceReservation(other_id, title_id))  # before the extra copy is shelved
    _shelve_extra_copy(lib, title_id, shelf_copy)
    assert (title_id in titles_wanted_by_others(lib, reader_id, [title_id])) is not renewed
    if renewed:
        renew(lib, RenewLoan(reader_id, loan.loan_id))
    else:
        assert refused(renew, lib, RenewLoan(reader_id, loan.loan_id)) == (Reason.RESERVED_BY_OTHER,)


def test_a_returned_copy_is_held_only_for_a_waiting_reader_who_may_borrow_it(lib) -> None:
    from core.models import ReaderType

    title_id, general = add_title(lib, "语文教学参考", copies=1)
    teachers_copy = _shelve_extra_copy(lib, title_id, ItemType.TEACHING_REFERENCE)
    _, holder = add_reader(lib, "赵老师")
    checkout(lib, CheckoutItem(holder, general[0]))
    checkout(lib, CheckoutItem(holder, teachers_copy))
    pupil, _ = add_reader(lib, "李同学", ReaderType.STUDENT, class_name="三年级2班")
    teacher, _ = add_reader(lib, "钱老师")
    place_reservation(lib, PlaceReservation(pupil, title_id))  # first in the queue
    place_reservation(lib, PlaceReservation(teacher, title_id))
    back = checkin(lib, CheckinItem(teachers_copy))  # a 教参 copy: the pupil may not take it home
    assert back.reservation_ready is not None and back.reservation_ready.reader_id == teacher
    back = checkin(lib, CheckinItem(general[0]))
    assert back.reservation_ready is not None and back.reservation_ready.reader_id == pupil
