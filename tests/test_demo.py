"""The demo school: real books, a consistent circulation state, and dates relative to the clock."""
from __future__ import annotations

import shutil
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import FixedClock, school_today
from core.demo.books import COLUMNS, DATA_FILE, MAX_SUMMARY, BookFileError, load_real_books, parse_row
from core.demo.builder import TARGET_TITLES, DemoBuildError, build_demo
from core.demo.shelving import DEMO_ISBN_PREFIX
from core.demo.users import DEMO_CLASS, DEMO_PARENT_PHONE, DEMO_USERS
from core.isbn import normalise_isbn
from core.library import Library
from core.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    Guardian,
    GuardianStudent,
    Item,
    ItemStatus,
    ItemType,
    Loan,
    Reader,
    Renewal,
    Reservation,
    ReservationStatus,
    SchoolClass,
    Term,
    Title,
)

NAMED_BOOKS = [("草房子", "曹文轩"), ("城南旧事", "林海音"), ("三体", "刘慈欣"), ("西游记", "吴承恩"),
               ("小王子", "圣埃克苏佩里"), ("狼王梦", "沈石溪"), ("窗边的小豆豆", "黑柳彻子"), ("昆虫记", "法布尔"),
               ("哈利·波特与魔法石", "J.K.罗琳"), ("骆驼祥子", "老舍"), ("稻草人", "叶圣陶"),
               ("没头脑和不高兴", "任溶溶"), ("我爸爸", "安东尼·布朗"), ("给教师的建议", "苏霍姆林斯基")]


@pytest.fixture
def demo(library: Library) -> Library:
    build_demo(library)
    return library


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _loans_of(session: Session, card_no: str) -> list[Loan]:
    return list(session.scalars(select(Loan).join(Reader).where(Reader.card_no == card_no, Loan.is_open)))


def test_real_books_file_has_unique_titles_and_every_row_parses() -> None:
    books = load_real_books()
    assert len(books) >= 330
    assert len({b.title for b in books}) == len(books)
    assert all(len(b.summary) <= MAX_SUMMARY and b.copies >= 2 for b in books)
    assert {ItemType.GENERAL, ItemType.TEACHING_REFERENCE, ItemType.REFERENCE} <= {b.item_type for b in books}
    lines = DATA_FILE.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == list(COLUMNS)
    assert all(len(line.split("\t")) == len(COLUMNS) for line in lines[1:])


def test_a_bad_row_is_reported_with_its_line() -> None:
    row = ["书", "作者", "出版社", "2020", "I287.45", "3", "12", "童话", "", "general", "2", "20.00", "简介"]
    with pytest.raises(BookFileError, match="line 7: grades"):
        parse_row(row, 7)


def test_demo_catalogue_holds_real_books_with_copies_and_demo_isbns(demo: Library) -> None:
    real = {(b.title, b.author) for b in load_real_books()}
    with demo.uow() as uow:
        s = uow.session
        titles = s.execute(select(Title.id, Title.title, Title.author, Title.isbn, Title.summary)).all()
        assert len(titles) >= 2000 and len(titles) == TARGET_TITLES
        real_ids = [t.id for t in titles if (t.title, t.author) in real]
        assert len(real_ids) >= 300
        copies = Counter(s.scalars(select(Item.title_id)))
        assert all(copies[tid] >= 2 for tid in real_ids)
        have = {(t.title, t.author) for t in titles}
        assert all(book in have for book in NAMED_BOOKS)
        assert all(t.isbn and t.isbn.startswith(DEMO_ISBN_PREFIX) and normalise_isbn(t.isbn) == t.isbn
                   for t in titles)
        assert len({t.isbn for t in titles}) == len(titles)
        assert all(t.summary for t in titles)
        items = s.scalars(select(Item)).all()
        assert all(i.call_number and "/" in i.call_number and i.location for i in items)
        assert {"工具书" in i.location for i in items if i.item_type == ItemType.REFERENCE} == {True}


def test_demo_users_see_their_stories(demo: Library) -> None:
    today = demo.today()
    soon = today + timedelta(days=demo.policy.due_soon_days)
    with demo.uow() as uow:
        s = uow.session
        teacher = _loans_of(s, "T0001")
        assert any(today <= loan.due_date <= soon for loan in teacher)
        assert any(loan.due_date < today for loan in teacher)
        ready = s.scalars(select(Reservation).join(Reader).where(Reader.card_no == "T0001")).one()
        assert ready.status == ReservationStatus.READY and ready.hold_until and ready.hold_until >= today

        klass = s.scalars(select(SchoolClass).where(SchoolClass.name == DEMO_CLASS)).one()
        head = s.get(Reader, klass.class_teacher_id)
        assert head is not None and head.card_no == "T0002"
        overdue_pupils = s.scalars(select(Reader.card_no).join(Loan).where(
            Reader.class_id == klass.id, Loan.is_open, Loan.due_date < today).distinct()).all()
        assert len(overdue_pupils) >= 3

        parent = s.scalars(select(Guardian).where(Guardian.phone == DEMO_PARENT_PHONE)).one()
        children = s.scalars(select(Reader).join(GuardianStudent, GuardianStudent.student_id == Reader.id)
                             .where(GuardianStudent.guardian_id == parent.id)).all()
        assert len(children) == 2
        in_class = [c for c in children if c.class_id == klass.id]
        assert len(in_class) == 1 and _loans_of(s, in_class[0].card_no)
        cards = set(s.scalars(select(Reader.card_no)))
        for user in DEMO_USERS:
            assert user.ref == "" or user.ref.startswith("guardian:") or user.ref in cards
        librarian = s.scalars(select(Reader).where(Reader.is_librarian)).one()
        assert librarian.card_no == "L0001"


def test_families_have_siblings_and_two_parents(demo: Library) -> None:
    with demo.uow() as uow:
        links = uow.session.execute(select(GuardianStudent.guardian_id, GuardianStudent.student_id)).all()
    per_guardian = Counter(g for g, _ in links)
    per_child = Counter(c for _, c in links)
    assert sum(1 for n in per_guardian.values() if n >= 2) >= 10
    assert sum(1 for n in per_child.values() if n >= 2) >= 50
    assert len(per_child) == 18 * 20


def test_item_status_agrees_with_loans_and_reservations(demo: Library) -> None:
    with demo.uow() as uow:
        s = uow.session
        status = {i: st for i, st in s.execute(select(Item.id, Item.status))}
        kind = {i: k for i, k in s.execute(select(Item.id, Item.item_type))}
        open_items = Counter(s.scalars(select(Loan.item_id).where(Loan.is_open)))
        held = set(s.scalars(select(Reservation.item_id).where(Reservation.status == ReservationStatus.READY)))
        lost = set(s.scalars(select(Loan.item_id).where(Loan.lost_at.is_not(None))))
        assert max(open_items.values()) == 1
        assert {i for i, st in status.items() if st == ItemStatus.ON_LOAN} == set(open_items)
        assert {i for i, st in status.items() if st == ItemStatus.HELD} == held
        assert lost <= {i for i, st in status.items() if st == ItemStatus.LOST}
        assert not any(kind[i] == ItemType.REFERENCE for i in open_items)
        for st in (ItemStatus.IN_REPAIR, ItemStatus.WITHDRAWN, ItemStatus.LOST, ItemStatus.HELD):
            assert st in status.values()
        loans = s.scalars(select(Loan)).all()
        assert all(loan.is_open == (loan.returned_at is None and loan.lost_at is None) for loan in loans)
        assert all(loan.returned_at is None or loan.returned_at > loan.loaned_at for loan in loans)
        assert all(loan.loaned_at <= demo.now() for loan in loans)


def test_every_loan_state_and_charge_kind_is_present(demo: Library) -> None:
    today = demo.today()
    with demo.uow() as uow:
        s = uow.session
        loans = s.scalars(select(Loan)).all()
        returned = [loan for loan in loans if loan.returned_at is not None]
        assert len(returned) >= 500
        months = {loan.loaned_at.date().isocalendar()[1] for loan in returned}
        assert len(months) >= 8  # spread over the term's weeks, so statistics have data
        assert any(loan.renewal_count == 1 and loan.is_open for loan in loans)
        assert any(loan.recalled_at is not None and loan.is_open for loan in loans)
        assert any(loan.lost_at is not None for loan in loans)
        assert any(loan.is_open and loan.due_date < today for loan in loans)
        assert _count(s, Renewal) == sum(loan.renewal_count for loan in loans)
        charges = s.scalars(select(Charge)).all()
        assert {c.kind for c in charges} == set(ChargeKind)
        assert {c.status for c in charges} >= {ChargeStatus.OPEN, ChargeStatus.PAID}
        prices = {i: p for i, p in s.execute(select(Item.id, Item.price_fen))}
        # Theft is the one charge above the price: 以书价的10倍 ([policy] theft_multiple).
        multiple = {ChargeKind.THEFT: demo.policy.theft_multiple}
        assert all(0 < c.amount_fen <= prices[c.item_id] * multiple.get(c.kind, 1) for c in charges)
        assert any(c.kind == ChargeKind.THEFT and c.amount_fen == prices[c.item_id] * demo.policy.theft_multiple
                   for c in charges)
        waiting = s.scalars(select(Reservation).where(Reservation.status == ReservationStatus.WAITING)).all()
        assert len(waiting) >= 2
        # Issue 15's rules show in the demo: a copy with damage noted when lent, a suspension with its reason.
        assert s.scalar(select(func.count()).select_from(Item).where(Item.condition_note != "")) == 1
        assert s.scalar(select(func.count()).select_from(Reader).where(Reader.suspension_reason != "")) == 1
        worn = s.scalar(select(Item.barcode).where(Item.condition_note != ""))
    # its return names who noted the damage and when, before the loan (not 记录人不明)
    from core import desk_words
    from core.circulation import CheckinItem, checkin

    line = desk_words.returned(checkin(demo, CheckinItem(worn)))[1]
    assert line.startswith("这本书原有损坏：缺第12页（图书室") and "借出前就有" in line, line


def test_due_dates_follow_the_calendar_and_the_rules(demo: Library) -> None:
    with demo.uow() as uow:
        s = uow.session
        cal = demo.calendar(s)
        terms = s.scalars(select(Term).order_by(Term.start_date)).all()
        assert len(terms) == 2 and terms[0].start_date <= demo.today() <= terms[0].end_date
        rows = s.execute(select(Loan, Reader.reader_type, Item.item_type).join(Reader).join(Item)).all()
        for loan, reader_type, item_type in rows:
            assert cal.is_open(loan.due_date) and cal.term_of(loan.due_date) is not None
            if loan.renewal_count == 0 and loan.recalled_at is None:
                start = school_today(loan.loaned_at)
                expected = cal.due_date(start, demo.policy.rule(reader_type, item_type).loan_days)
                assert loan.due_date == expected
        for renewal in s.scalars(select(Renewal)):
            assert renewal.new_due > renewal.old_due


def test_building_twice_changes_nothing(demo: Library) -> None:
    models = (Title, Item, Reader, Loan, Charge, Reservation, Guardian)
    with demo.uow() as uow:
        before = [_count(uow.session, m) for m in models]
    assert "已存在" in build_demo(demo)
    with demo.uow() as uow:
        assert [_count(uow.session, m) for m in models] == before


def test_a_database_with_other_data_is_left_alone(library: Library) -> None:
    with library.uow() as uow:
        uow.session.add(Reader(card_no="X1", name="某人", reader_type="teacher", created_at=library.now()))
        uow.commit()
    with pytest.raises(DemoBuildError):
        build_demo(library)
    with library.uow() as uow:
        assert _count(uow.session, Title) == 0


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 20, 12, 30, tzinfo=UTC),  # Friday evening in Shanghai
    datetime(2026, 11, 21, 3, 0, tzinfo=UTC),  # Saturday
    datetime(2027, 2, 28, 23, 0, tzinfo=UTC),  # Monday morning, March
    datetime(2026, 7, 15, 1, 0, tzinfo=UTC),  # summer: the demo still has a term around today
])
def test_demo_stories_hold_on_any_day(sqlite_url: str, now: datetime) -> None:
    lib = Library.open(sqlite_url, clock=FixedClock(now), migrate=False)
    try:
        started = time.perf_counter()
        summary = build_demo(lib)
        assert time.perf_counter() - started < 10
        assert "书目" in summary and "\n" not in summary
        today = lib.today()
        with lib.uow() as uow:
            teacher = _loans_of(uow.session, "T0001")
            assert any(today <= loan.due_date <= today + timedelta(days=2) for loan in teacher)
            assert any(loan.due_date < today for loan in teacher)
    finally:
        lib.close()


def test_demo_is_the_same_on_every_build(sqlite_template: Path, tmp_path: Path, clock: FixedClock) -> None:
    """Seeded: two builds on the same day give the same catalogue and the same loans."""
    def snapshot(name: str) -> tuple[list[tuple[str, str | None]], list[tuple[str, date]]]:
        path = tmp_path / name
        shutil.copy(sqlite_template, path)
        lib = Library.open(f"sqlite:///{path}", clock=clock, migrate=False)
        try:
            build_demo(lib)
            with lib.uow() as uow:
                titles = uow.session.execute(select(Title.title, Title.isbn).order_by(Title.id)).all()
                loans = uow.session.execute(select(Item.barcode, Loan.due_date).join(Item)
                                            .order_by(Loan.id)).all()
            return [tuple(t) for t in titles], [tuple(loan) for loan in loans]
        finally:
            lib.close()

    assert snapshot("a.db") == snapshot("b.db")


def test_demo_builder_marks_the_database_and_demo_mode_reopens_it(demo: Library, db_url: str,
                                                                  clock: FixedClock) -> None:
    from bot.bootstrap import build_settings, open_library
    from core.models import InstallFact

    with demo.session_factory() as session:
        assert session.get(InstallFact, "demo_school").value == "1"
        titles = _count(session, Title)
    again = open_library(build_settings(demo=True, db=db_url), clock)  # `serve --demo --db` on a demo school
    with again.session_factory() as session:
        assert _count(session, Title) == titles  # kept, not rebuilt
    again.close()


def test_every_demo_class_has_a_rota_and_the_demo_class_turn_is_this_week(demo: Library) -> None:
    from core.rota import class_rota, skipped_turns, turn_status

    rota = class_rota(demo)
    assert len(rota) == 18 and all(r.turns for r in rota)
    assert all("08:00" <= t.starts and t.ends <= "16:30" for r in rota for t in r.turns)  # the demo's 开放时间
    lower = next(r for r in rota if r.class_name == "一年级1班")
    assert [(t.weekday, t.place, t.every_weeks) for t in lower.turns] == [(0, "阅览室", 1), (2, "阅览室", 1)]
    demo_class = next(r for r in rota if r.class_name == "三年级2班")
    assert [(t.every_weeks, t.place, t.starts) for t in demo_class.turns] == [(2, "图书室", "12:10")]
    status = turn_status(demo, demo_class.class_id)
    today = demo.today()
    if demo.school_calendar().is_open(today):
        assert status.today is not None  # the simulator's 今天轮到我们班吗 says yes on a school day
    assert status.next_day is not None and (status.next_day - today).days < 7 + 14
    assert isinstance(skipped_turns(demo), list)


def test_demo_class_holds_a_class_collection_part_of_it_moved_on_from_its_neighbour(demo: Library) -> None:
    from core.circulation.collections import class_borrower, class_collection
    from core.demo.builder import NEIGHBOUR_CLASS
    from core.demo.stories import CLASS_CORNER_COPIES, DRIFTED_COPIES
    from core.models import ReaderType

    corner = class_borrower(demo, DEMO_CLASS)  # the demo's row, not a new one
    neighbour = class_borrower(demo, NEIGHBOUR_CLASS)
    held = class_collection(demo, corner.class_id)
    assert CLASS_CORNER_COPIES <= len(held.loans) <= CLASS_CORNER_COPIES + DRIFTED_COPIES
    assert len(held.loans) >= CLASS_CORNER_COPIES + DRIFTED_COPIES - 2  # a copy may be hard to find
    assert class_collection(demo, neighbour.class_id).loans == []
    with demo.uow() as uow:
        s = uow.session
        assert _count_where(s, Reader.reader_type == ReaderType.CLASS) == 2
        assert len({loan.due_date for loan in held.loans}) == 1  # the term's last open day, moved or not
        closed = s.scalar(select(func.count()).select_from(Loan).where(
            Loan.reader_id == neighbour.reader_id, Loan.is_open.is_(False)))
        assert closed and closed == len(held.loans) - CLASS_CORNER_COPIES  # the drifted set's first loans
        statuses = set(s.scalars(select(Item.status).join(Loan, Loan.item_id == Item.id).where(
            Loan.reader_id == corner.reader_id, Loan.is_open)))
        assert statuses == {ItemStatus.ON_LOAN}


def _count_where(session: Session, *where) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(Reader).where(*where)) or 0
