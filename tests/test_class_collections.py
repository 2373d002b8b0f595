"""集体借阅 / 班级图书角 / 漂流: a class borrows a set for the term, moves it whole, returns it in bulk."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core import collection_words
from core.circulation import (
    CheckinItem,
    CheckoutItem,
    PlaceReservation,
    RecallLoan,
    checkin,
    checkout,
    place_reservation,
    recall,
)
from core.circulation.collections import (
    SameClass,
    UnknownClass,
    class_borrower,
    class_card_no,
    class_collection_by_name,
    lend_to_class,
    move_collection,
    return_from_class,
)
from core.errors import Reason, Refused
from core.models import (
    AuditEntry,
    Charge,
    ItemType,
    Loan,
    Reader,
    ReaderType,
    Reservation,
    ReservationStatus,
    SchoolClass,
)
from core.policy import Policy
from core.reports.periods import term_period
from core.reports.stats import build_report
from tests.factories import add_reader, add_title


def _classes(lib, *names: str) -> dict[str, int]:
    """Each class with one student and a class teacher; returns class name → class id."""
    ids = {}
    for name in names:
        add_reader(lib, f"{name}学生", ReaderType.STUDENT, class_name=name)
        teacher_id, _ = add_reader(lib, f"{name}班主任")
        with lib.uow() as uow:
            cls = uow.session.scalar(select(SchoolClass).where(SchoolClass.name == name))
            cls.class_teacher_id = teacher_id
            ids[name] = cls.id
            uow.commit()
    return ids


def _books(lib, n: int) -> list[str]:
    codes: list[str] = []
    for i in range(n):
        codes += add_title(lib, f"图书角{i}", "作者")[1]
    return codes


def test_class_borrower_is_created_once_with_a_derived_card(lib) -> None:
    ids = _classes(lib, "三年级2班")
    first = class_borrower(lib, "3年级2班")
    again = class_borrower(lib, "三年级2班")
    assert first == again
    assert first.card_no == class_card_no(ids["三年级2班"]) == f"C{ids['三年级2班']:04d}"
    with lib.uow() as uow:
        reader = uow.session.get(Reader, first.reader_id)
        assert (reader.reader_type, reader.class_id, reader.name) == (ReaderType.CLASS, ids["三年级2班"],
                                                                      "三年级2班班级图书角")
    with pytest.raises(UnknownClass):
        class_borrower(lib, "火星班")


def test_bulk_lend_reports_each_barcode_and_lends_to_the_terms_last_open_day(lib) -> None:
    _classes(lib, "三年级2班")
    codes = _books(lib, 3)
    _, [reference] = add_title(lib, "新华字典", item_type=ItemType.REFERENCE)
    _, card = add_reader(lib, "李老师")
    checkout(lib, CheckoutItem(card, codes[2]))  # already out
    batch = lend_to_class(lib, "三年级2班", [codes[0], codes[1], codes[1], reference, codes[2], "NOPE"])
    assert [o.barcode for o in batch.outcomes] == [codes[0], codes[1], codes[1], reference, codes[2], "NOPE"]
    assert batch.done == 2 and batch.refused == 3 and batch.duplicates == 1
    assert batch.outcomes[2].duplicate  # the second scan of the same copy: reported, not dropped
    assert {o.done.due_date for o in batch.outcomes if o.ok} == {date(2027, 1, 22)}  # TERM_END, a Friday
    reasons = {o.barcode: o.refused.reasons for o in batch.outcomes if o.refused}
    assert reasons == {reference: (Reason.NOT_FOR_LOAN,), codes[2]: (Reason.ITEM_UNAVAILABLE,),
                       "NOPE": (Reason.ITEM_NOT_FOUND,)}
    with lib.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "checkout")) == 3  # 2 class + 1 teacher


def test_class_limit_is_its_own_option(lib) -> None:
    lib.policy = Policy(class_collection_max_items=2)
    _classes(lib, "三年级2班")
    codes = _books(lib, 3)
    batch = lend_to_class(lib, "三年级2班", codes)
    assert batch.done == 2
    assert batch.outcomes[2].refused.reasons == (Reason.LIMIT_REACHED,)
    assert batch.outcomes[2].refused.context["max_items"] == 2


def test_loan_days_option_still_stops_at_the_terms_end(lib) -> None:
    lib.policy = Policy(class_collection_loan_days=28)
    _classes(lib, "三年级2班")
    [code] = _books(lib, 1)
    assert lend_to_class(lib, "三年级2班", [code]).outcomes[0].done.due_date == date(2026, 12, 16)


def test_move_closes_and_reopens_each_loan_keeping_the_due_date(lib) -> None:
    _classes(lib, "三年级2班", "三年级3班")
    codes = _books(lib, 3)
    lend_to_class(lib, "三年级2班", codes)
    recall(lib, RecallLoan(codes[0]))
    moved = move_collection(lib, "三年级2班", "三年级3班")
    assert sorted(moved.barcodes) == sorted(codes)
    assert class_collection_by_name(lib, "三年级2班").loans == []
    held = class_collection_by_name(lib, "三年级3班")
    assert sorted(loan.barcode for loan in held.loans) == sorted(codes)
    assert [loan.recalled for loan in held.loans].count(True) == 1
    with lib.uow() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Loan)) == 6  # 3 closed for 2班, 3 open for 3班
        assert s.scalar(select(func.count()).select_from(Loan).where(Loan.is_open.is_(True))) == 3
        assert s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action.in_(["class_move_out", "class_move_in"]))) == 6
        assert s.scalar(select(func.count()).select_from(Charge)) == 0
    with pytest.raises(SameClass):
        move_collection(lib, "三年级3班", "3年级3班")


def test_move_is_refused_whole_when_the_other_class_would_pass_its_limit(lib) -> None:
    lib.policy = Policy(class_collection_max_items=3)
    _classes(lib, "三年级2班", "三年级3班")
    codes = _books(lib, 4)
    lend_to_class(lib, "三年级2班", codes[:2])
    lend_to_class(lib, "三年级3班", codes[2:])
    with pytest.raises(Refused) as info:
        move_collection(lib, "三年级2班", "三年级3班")
    assert info.value.reasons == (Reason.LIMIT_REACHED,)
    assert len(class_collection_by_name(lib, "三年级2班").loans) == 2  # nothing moved


def test_bulk_return_by_class_or_by_barcodes(lib) -> None:
    _classes(lib, "三年级2班")
    codes = _books(lib, 4)
    lend_to_class(lib, "三年级2班", codes)
    some = return_from_class(lib, [codes[0], codes[0].lower(), "NOPE"])
    assert (some.done, some.refused, some.duplicates) == (1, 1, 1)
    assert collection_words.returned(some)[:3] == [
        "集体归还：归还1本，1本没有归还（见下），1本重复扫描已忽略。",
        f"{codes[0]} ✓ 归还《图书角0》（三年级2班班级图书角）。", f"· {codes[0]} 重复扫描，已忽略"]
    assert some.outcomes[0].done.reader_name == "三年级2班班级图书角"
    rest = return_from_class(lib, class_name="三年级2班")
    assert sorted(o.barcode for o in rest.outcomes) == sorted(codes[1:]) and rest.refused == 0
    assert class_collection_by_name(lib, "三年级2班").loans == []


def test_no_fine_on_a_late_class_collection_unless_the_option_says_so(lib, clock) -> None:
    _classes(lib, "三年级2班")
    codes = _books(lib, 2)
    lend_to_class(lib, "三年级2班", codes)
    for code in codes:
        recall(lib, RecallLoan(code))  # due in 3 open days
    clock.advance(days=14)
    assert checkin(lib, CheckinItem(codes[0])).fine_fen == 0
    lib.policy = Policy(class_collection_fines=True)
    assert checkin(lib, CheckinItem(codes[1])).fine_fen > 0


def test_reservation_and_recall_work_on_a_class_copy(lib, clock) -> None:
    _classes(lib, "三年级2班")
    title_id, [code] = add_title(lib, "草房子")
    lend_to_class(lib, "三年级2班", [code])
    reader_id, _ = add_reader(lib, "王老师")
    placed = place_reservation(lib, PlaceReservation(reader_id, title_id))
    assert placed.position == 1 and placed.earliest_due == date(2027, 1, 22)
    recalled = recall(lib, RecallLoan(code))
    assert recalled.new_due < date(2027, 1, 22)
    returned = return_from_class(lib, class_name="三年级2班").outcomes[0].done
    assert returned.reservation_ready is not None and returned.reservation_ready.reader_id == reader_id
    with lib.uow() as uow:
        assert uow.session.scalar(select(Reservation.status)) == ReservationStatus.READY
        assert uow.session.scalar(select(func.count()).select_from(Loan).where(Loan.is_open.is_(True))) == 0


def test_term_report_counts_class_collections_per_class_not_per_student(lib, clock) -> None:
    _classes(lib, "三年级2班", "三年级3班")
    codes = _books(lib, 5)
    student = add_reader(lib, "小明", ReaderType.STUDENT, class_name="三年级2班")[1]
    checkout(lib, CheckoutItem(student, codes[4]))
    lend_to_class(lib, "三年级2班", codes[:4])
    clock.advance(days=7)
    move_collection(lib, "三年级2班", "三年级3班")
    clock.advance(days=7)
    returned = return_from_class(lib, codes[:2])
    assert returned.done == 2
    with lib.uow() as uow:
        period = term_period(uow.session, lib.today())
    report = build_report(lib, period)
    rows = {c.name: c for c in report.classes}
    assert report.student_loans == 1 and report.class_loans == 8 and report.teacher_loans == 0
    assert rows["三年级2班"].loans == 1 and rows["三年级2班"].students == 2  # the class borrower is no student
    assert rows["三年级2班"].per_student == 0.5
    assert (rows["三年级2班"].collection_loans, rows["三年级3班"].collection_loans) == (4, 4)
    assert rows["三年级3班"].loans == 0
    assert {s.name for s in report.students_rows}.isdisjoint({"三年级2班班级图书角", "三年级3班班级图书角"})
    one = build_report(lib, period, class_name="三年级3班")
    assert one.class_loans == 4 and one.classes[0].collection_loans == 4 and one.student_loans == 0
    with lib.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Loan).where(Loan.is_open.is_(True))) == 3
        statuses = set(uow.session.scalars(select(Loan.is_open)))
    assert statuses == {True, False}


def test_class_borrower_follows_a_renamed_class(lib) -> None:
    _classes(lib, "三年级2班")
    first = class_borrower(lib, "三年级2班")
    with lib.uow() as uow:
        uow.session.get(SchoolClass, first.class_id).name = "四年级2班"
        uow.commit()
    again = class_borrower(lib, "四年级2班")
    assert again.reader_id == first.reader_id and again.card_no == first.card_no
    with lib.uow() as uow:
        assert uow.session.get(Reader, first.reader_id).name == "四年级2班班级图书角"
