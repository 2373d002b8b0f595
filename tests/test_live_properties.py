"""Property test: whatever is written, and by whom, the read model answers what the database holds.

Two libraries share one SQLite file: `cached` answers from memory (core/live), `direct` has the
read model turned off and reads the database every time. Writes go through either, or through plain
SQL, in random order; after every step, every reader's open loans and every user's identity must be
the same from both; so must every answer the read model keeps for the bot's questions: search
availability, opening hours, new books, recommendations and class overdue lists.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select, text, update

from core import accounts, queries
from core.circulation import (
    CheckinItem,
    CheckoutItem,
    RecallLoan,
    RenewLoan,
    checkin,
    checkout,
    recall,
    renew,
)
from core.circulation.collections import class_collection, lend_to_class, return_from_class
from core.clock import FixedClock
from core.errors import Refused
from core.library import Library
from core.models import Item, ItemStatus, ItemType, Reader, ReaderStatus, ReaderType, SchoolClass, Title
from core.notices import activities
from core.search import CatalogueSearch
from tests.factories import add_guardian, add_reader, add_term, add_title
from tests.test_properties import _template

USERS = ("o-0", "o-1", "o-2", "o-never")  # o-never: never bound, asked about all along


class ReadModelMachine(RuleBasedStateMachine):
    @initialize()
    def open_libraries(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="shuxiang-live-")
        path = os.path.join(self.dir, "library.db")
        shutil.copy(_template(), path)
        self.clock = FixedClock(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
        url = f"sqlite:///{path}"
        self.cached = Library.open(url, clock=self.clock, migrate=False)
        self.direct = Library.open(url, clock=self.clock, migrate=False, live=False)
        add_term(self.direct)
        self.titles = [add_title(self.direct, f"书{n}", copies=2)[0] for n in range(2)]
        with self.direct.uow() as uow:
            self.barcodes = list(uow.session.scalars(select(Item.barcode).order_by(Item.id)))
        self.readers = [add_reader(self.direct, f"学生{n}", ReaderType.STUDENT, class_name=f"{n + 1}年级1班")
                        for n in range(2)] + [add_reader(self.direct, "王老师")]
        self.guardian = add_guardian(self.direct, "家长", self.readers[0][0])
        with self.direct.uow() as uow:
            self.classes = list(uow.session.scalars(select(SchoolClass.id).order_by(SchoolClass.id)))
        self.search_cached = CatalogueSearch(self.cached.read_session_factory, background=False,
                                             cached=self.cached.cached)
        self.search_direct = CatalogueSearch(self.direct.read_session_factory, background=False, recheck_seconds=0)

    def teardown(self) -> None:
        if hasattr(self, "cached"):
            self.cached.close()
            self.direct.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _writer(self, via_cached: bool) -> Library:
        return self.cached if via_cached else self.direct

    def _sql(self, statement: object, params: dict[str, object] | None = None) -> None:
        with self.direct.uow() as uow:
            uow.session.execute(statement, params or {})  # type: ignore[call-overload]
            uow.commit()

    @rule(reader=st.integers(0, 2), copy=st.integers(0, 3), via_cached=st.booleans())
    def borrow(self, reader: int, copy: int, via_cached: bool) -> None:
        try:
            checkout(self._writer(via_cached), CheckoutItem(self.readers[reader][1], self.barcodes[copy]))
        except Refused:
            pass

    @rule(cls=st.integers(0, 1), copy=st.integers(0, 3), via_cached=st.booleans())
    def lend_to_a_class(self, cls: int, copy: int, via_cached: bool) -> None:  # 集体借阅 (班级图书角)
        with self.direct.uow() as uow:
            name = uow.session.get(SchoolClass, self.classes[cls]).name
        lend_to_class(self._writer(via_cached), name, [self.barcodes[copy]])  # refusals are in its outcome

    @rule(copy=st.integers(0, 3), via_cached=st.booleans())
    def return_from_a_class(self, copy: int, via_cached: bool) -> None:
        return_from_class(self._writer(via_cached), [self.barcodes[copy]])

    @rule(copy=st.integers(0, 3), via_cached=st.booleans())
    def give_back(self, copy: int, via_cached: bool) -> None:
        try:
            checkin(self._writer(via_cached), CheckinItem(self.barcodes[copy]))
        except Refused:
            pass

    @rule(reader=st.integers(0, 2), loan_id=st.integers(1, 10), via_cached=st.booleans())
    def extend(self, reader: int, loan_id: int, via_cached: bool) -> None:
        try:
            renew(self._writer(via_cached), RenewLoan(self.readers[reader][0], loan_id))
        except Refused:
            pass

    @rule(copy=st.integers(0, 3))
    def call_back(self, copy: int) -> None:
        try:
            recall(self.direct, RecallLoan(self.barcodes[copy]))
        except Refused:
            pass

    @rule(user=st.sampled_from(USERS), reader=st.integers(0, 2), via_cached=st.booleans())
    def bind(self, user: str, reader: int, via_cached: bool) -> None:
        accounts.bind_directly(self._writer(via_cached), user, reader_id=self.readers[reader][0])

    @rule(user=st.sampled_from(USERS))
    def bind_as_parent(self, user: str) -> None:
        accounts.bind_directly(self.direct, user, guardian_id=self.guardian)

    @rule(user=st.sampled_from(USERS), via_cached=st.booleans())
    def unbind(self, user: str, via_cached: bool) -> None:
        accounts.unbind(self._writer(via_cached), user)

    @rule(reader=st.integers(0, 2), status=st.sampled_from(list(ReaderStatus)))
    def card_status(self, reader: int, status: ReaderStatus) -> None:
        self._sql(update(Reader).where(Reader.id == self.readers[reader][0]).values(status=status))

    @rule(student=st.integers(0, 1))
    def link_child(self, student: int) -> None:
        self._sql(text("INSERT OR IGNORE INTO guardian_students (guardian_id, student_id, relation) "
                       "VALUES (:g, :s, '家长')"), {"g": self.guardian, "s": self.readers[student][0]})

    @rule(student=st.integers(0, 1))
    def unlink_child(self, student: int) -> None:
        self._sql(text("DELETE FROM guardian_students WHERE guardian_id = :g AND student_id = :s"),
                  {"g": self.guardian, "s": self.readers[student][0]})

    @rule(cls=st.integers(0, 1), teacher=st.booleans(), name=st.integers(0, 9))
    def edit_class(self, cls: int, teacher: bool, name: int) -> None:
        self._sql(update(SchoolClass).where(SchoolClass.name.like(f"{cls + 1}年级%"))
                  .values(class_teacher_id=self.readers[2][0] if teacher else None, name=f"{cls + 1}年级{name}班"))

    @rule(student=st.integers(0, 1), cls=st.integers(0, 1))
    def move_student(self, student: int, cls: int) -> None:
        self._sql(text("UPDATE readers SET class_id = (SELECT id FROM classes WHERE name LIKE :c) WHERE id = :r"),
                  {"c": f"{cls + 1}年级%", "r": self.readers[student][0]})

    @rule(title=st.integers(0, 1), name=st.integers(0, 9))
    def rename_title(self, title: int, name: int) -> None:
        self._sql(update(Title).where(Title.id == self.titles[title]).values(title=f"书{title}·第{name}版"))

    @rule(copy=st.integers(0, 3), price=st.integers(0, 300))
    def reprice(self, copy: int, price: int) -> None:  # the fine is capped at the price
        self._sql(update(Item).where(Item.barcode == self.barcodes[copy]).values(price_fen=price))

    @rule(copy=st.integers(0, 3))
    def relabel(self, copy: int) -> None:
        new = f"{self.barcodes[copy]}X"
        self._sql(update(Item).where(Item.barcode == self.barcodes[copy]).values(barcode=new))
        self.barcodes[copy] = new

    @rule(copy=st.integers(0, 3), status=st.sampled_from(list(ItemStatus)))
    def copy_status(self, copy: int, status: ItemStatus) -> None:  # repair, lost, withdrawn, by hand
        self._sql(update(Item).where(Item.barcode == self.barcodes[copy]).values(status=status))

    @rule(copy=st.integers(0, 3), kind=st.sampled_from(list(ItemType)), shelf=st.integers(0, 2))
    def copy_kind_and_shelf(self, copy: int, kind: ItemType, shelf: int) -> None:
        self._sql(update(Item).where(Item.barcode == self.barcodes[copy])
                  .values(item_type=kind, location=f"书架{shelf}", call_number=f"I287/{shelf}"))

    @rule(copy=st.integers(0, 3), title=st.integers(0, 1))
    def move_copy(self, copy: int, title: int) -> None:
        self._sql(update(Item).where(Item.barcode == self.barcodes[copy]).values(title_id=self.titles[title]))

    @rule(ahead=st.integers(0, 12), is_open=st.booleans())
    def calendar_day(self, ahead: int, is_open: bool) -> None:  # a holiday or 调休 typed in by SQL
        day = self.direct.today() + timedelta(days=ahead)
        self._sql(text("DELETE FROM calendar_days WHERE day = :d"), {"d": day})
        self._sql(text("INSERT INTO calendar_days (day, is_open, reason) VALUES (:d, :o, '')"),
                  {"d": day, "o": is_open})

    @rule(title=st.integers(0, 1), grade=st.integers(1, 6), summary=st.booleans())
    def describe_title(self, title: int, grade: int, summary: bool) -> None:  # grades and introduction
        self._sql(update(Title).where(Title.id == self.titles[title])
                  .values(min_grade=grade, max_grade=grade + 2, summary="好看的故事" if summary else ""))

    @rule(kind=st.sampled_from(list(ItemType)))
    def new_title(self, kind: ItemType) -> None:  # catalogued today, with one copy
        self.titles.append(add_title(self.direct, f"新书{len(self.titles)}", copies=1, item_type=kind)[0])

    @rule(ahead=st.integers(-3, 10), grade=st.integers(0, 2))
    def publish_activity(self, ahead: int, grade: int) -> None:
        activities.add_activity(self.direct, title=f"读书会{ahead}", body="", grades=[grade] if grade else None,
                                starts_on=self.direct.today() + timedelta(days=ahead))

    @rule(days=st.integers(1, 9))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)

    @invariant()
    def cached_reads_match_the_database(self) -> None:
        if not hasattr(self, "cached"):
            return
        for reader_id, _ in self.readers:
            assert queries.open_loans(self.cached, reader_id) == queries.open_loans(self.direct, reader_id)
        for user in USERS:
            assert accounts.identify(self.cached, user) == accounts.identify(self.direct, user)
        assert self.search_cached.search("书").hits == self.search_direct.search("书").hits
        assert queries.opening_status(self.cached) == queries.opening_status(self.direct)
        for kind in (ReaderType.STUDENT, ReaderType.TEACHER):
            for query in (queries.new_books, queries.recommend):
                assert query(self.cached, reader_type=kind) == query(self.direct, reader_type=kind)
        since = self.direct.today() - timedelta(days=20)
        assert queries.top_titles(self.cached, since=since) == queries.top_titles(self.direct, since=since)
        assert queries.top_classes(self.cached, since=since) == queries.top_classes(self.direct, since=since)
        for grade in (None, 1, 2):
            assert (activities.upcoming_activities(self.cached, grades={grade} if grade else None)
                    == activities.upcoming_activities(self.direct, grades={grade} if grade else None))
        for class_id in self.classes:
            assert (queries.class_standing(self.cached, since=since, class_id=class_id)
                    == queries.class_standing(self.direct, since=since, class_id=class_id))
            assert queries.class_overdue(self.cached, class_id) == queries.class_overdue(self.direct, class_id)
            assert class_collection(self.cached, class_id) == class_collection(self.direct, class_id)
        for kind in (ReaderType.STUDENT, ReaderType.TEACHER):
            assert (queries.new_books(self.cached, days=5, grade=3, reader_type=kind)
                    == queries.new_books(self.direct, days=5, grade=3, reader_type=kind))


TestReadModelMatchesTheDatabase = ReadModelMachine.TestCase
TestReadModelMatchesTheDatabase.settings = settings(
    max_examples=int(os.environ.get("SHUXIANG_PROPERTY_EXAMPLES", "40")), stateful_step_count=30,
    deadline=None, suppress_health_check=[HealthCheck.too_slow])
