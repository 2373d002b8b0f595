"""The in-memory read model (core/live): reads come from memory, and every committed change is seen.

Each test reads first (so the answer is cached), changes the data through a real write path, and
reads again: a read model that missed a trigger, or kept a stale load, fails here.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text, update

from core import accounts, conversations, queries
from core.circulation import checkin, checkout, recall, renew
from core.circulation.cards import ReportCardLost, report_card_lost
from core.circulation.commands import CheckinItem, CheckoutItem, RecallLoan, RenewLoan
from core.clock import FixedClock
from core.db import WouldBlock, memory_only
from core.library import Library
from core.live import ChangeWatcher, LiveCache
from core.live.feed import NEWEST_SEQ, ChangeRow, purge_old_rows
from core.messaging import Unreachable
from core.models import Item, Reader, ReaderStatus, ReaderType, SchoolClass, Title
from core.notices import reachability
from tests.factories import add_closed_days, add_guardian, add_reader, add_title


@pytest.fixture
def other(db_url: str, clock: FixedClock) -> Iterator[Library]:
    """A second library on the same database: another process, as far as the read model can tell."""
    lib = Library.open(db_url, clock=clock, migrate=False)
    yield lib
    lib.close()


def _titles(lib: Library, reader_id: int) -> list[str]:
    return [loan.title for loan in queries.open_loans(lib, reader_id)]


def test_open_loans_follow_checkout_renew_recall_and_checkin(lib: Library) -> None:
    reader_id, card = add_reader(lib)
    _, [barcode] = add_title(lib, "草房子")
    assert _titles(lib, reader_id) == []
    checkout(lib, CheckoutItem(card, barcode))
    [loan] = queries.open_loans(lib, reader_id)
    assert loan.title == "草房子" and loan.renewal_count == 0
    renew(lib, RenewLoan(reader_id, loan.loan_id))
    [renewed] = queries.open_loans(lib, reader_id)
    assert renewed.renewal_count == 1 and renewed.due_date > loan.due_date
    recall(lib, RecallLoan(barcode))
    assert queries.open_loans(lib, reader_id)[0].recalled
    checkin(lib, CheckinItem(barcode))
    assert _titles(lib, reader_id) == []
    assert lib.live is not None and lib.live.hits > 0  # the unchanged reads did come from memory


def test_open_loans_follow_catalogue_edits_of_the_borrowed_copy(lib: Library) -> None:
    reader_id, card = add_reader(lib)
    title_id, [barcode] = add_title(lib, "草房子")
    checkout(lib, CheckoutItem(card, barcode))
    assert _titles(lib, reader_id) == ["草房子"]
    with lib.uow() as uow:
        uow.session.execute(update(Title).where(Title.id == title_id).values(title="草房子（典藏版）"))
        uow.commit()
    assert _titles(lib, reader_id) == ["草房子（典藏版）"]
    with lib.uow() as uow:
        uow.session.execute(update(Item).where(Item.barcode == barcode).values(barcode="NEW-001"))
        uow.commit()
    assert queries.open_loans(lib, reader_id)[0].barcode == "NEW-001"


def test_a_change_made_by_another_process_is_seen_on_the_next_read(lib: Library, other: Library) -> None:
    reader_id, card = add_reader(lib)
    _, [barcode] = add_title(lib, "三体")
    assert _titles(lib, reader_id) == []
    checkout(other, CheckoutItem(card, barcode))
    assert _titles(lib, reader_id) == ["三体"]
    checkin(other, CheckinItem(barcode))
    assert _titles(lib, reader_id) == []


def test_overdue_days_follow_the_calendar(lib: Library, other: Library) -> None:
    reader_id, card = add_reader(lib, reader_type=ReaderType.STUDENT)
    _, [barcode] = add_title(lib)
    checkout(lib, CheckoutItem(card, barcode))
    due = queries.open_loans(lib, reader_id)[0].due_date
    lib.clock.advance(days=(due - lib.today()).days + 7)  # type: ignore[attr-defined]
    late = queries.open_loans(lib, reader_id)[0].overdue_days
    assert late > 0
    add_closed_days(other, *(due + timedelta(days=d) for d in range(1, 4)))
    assert queries.open_loans(lib, reader_id)[0].overdue_days < late  # closed days do not count


def test_identity_follows_bindings_cards_and_classes(lib: Library, other: Library) -> None:
    teacher_id, card = add_reader(lib, "王老师")
    assert accounts.identify(lib, "o-wang") is None
    accounts.bind_directly(other, "o-wang", reader_id=teacher_id)
    identity = accounts.identify(lib, "o-wang")
    assert identity is not None and identity.reader is not None and identity.class_teacher_of is None
    with other.uow() as uow:
        uow.session.add(SchoolClass(name="三年级2班", grade=3, class_teacher_id=teacher_id))
        uow.commit()
    identity = accounts.identify(lib, "o-wang")
    assert identity is not None and identity.class_teacher_of is not None
    assert identity.class_teacher_of[1] == "三年级2班"
    with other.uow() as uow:
        uow.session.execute(update(SchoolClass).values(name="四年级2班"))
        uow.commit()
    identity = accounts.identify(lib, "o-wang")
    assert identity is not None and identity.class_teacher_of is not None
    assert identity.class_teacher_of[1] == "四年级2班"
    report_card_lost(other, ReportCardLost(card))
    assert accounts.identify(lib, "o-wang") is None  # a lost card gives no access
    accounts.bind_directly(other, "o-wang", reader_id=teacher_id)  # idempotent: nothing changes
    assert accounts.identify(lib, "o-wang") is None
    accounts.unbind(other, "o-wang")
    assert accounts.identify(lib, "o-wang") is None


def test_a_parent_sees_children_join_move_class_and_leave(lib: Library, other: Library) -> None:
    first, _ = add_reader(lib, "李小明", ReaderType.STUDENT, class_name="三年级1班")
    second, _ = add_reader(lib, "李小红", ReaderType.STUDENT, class_name="一年级1班")
    guardian = add_guardian(lib, "李妈妈", first)
    accounts.bind_directly(lib, "o-mum", guardian_id=guardian)

    def children() -> list[tuple[str, str | None]]:
        identity = accounts.identify(lib, "o-mum")
        assert identity is not None
        return [(c.name, c.class_name) for c in identity.children]
    assert children() == [("李小明", "三年级1班")]
    with other.uow() as uow:
        uow.session.execute(text("INSERT INTO guardian_students (guardian_id, student_id, relation) "
                                 "VALUES (:g, :s, '家长')"), {"g": guardian, "s": second})
        uow.commit()
    assert children() == [("李小明", "三年级1班"), ("李小红", "一年级1班")]
    with other.uow() as uow:
        uow.session.execute(update(SchoolClass).where(SchoolClass.name == "三年级1班").values(name="四年级1班"))
        uow.commit()
    assert children() == [("李小明", "四年级1班"), ("李小红", "一年级1班")]
    with other.uow() as uow:
        uow.session.execute(update(Reader).where(Reader.id == first).values(status=ReaderStatus.LEFT))
        uow.commit()
    assert children() == [("李小红", "一年级1班")]
    with other.uow() as uow:  # re-admitted
        uow.session.execute(update(Reader).where(Reader.id == first).values(status=ReaderStatus.ACTIVE))
        uow.commit()
    assert children() == [("李小明", "四年级1班"), ("李小红", "一年级1班")]


def test_open_questions_and_refusals_are_seen_across_processes(lib: Library, other: Library) -> None:
    assert conversations.take(lib, "o-1") is None
    conversations.put(other, "o-1", {"kind": "renew"}, lib.now() + timedelta(minutes=5))
    assert conversations.take(lib, "o-1") == {"kind": "renew"}
    assert conversations.take(lib, "o-1") is None  # used once
    assert reachability.mark_reachable(lib, "o-1", "wechat_cs") == 0
    with other.uow() as uow:
        uow.session.add(Unreachable(channel="wechat_cs", user_id="o-1", reason="45015", since=lib.now()))
        uow.commit()
    assert reachability.mark_reachable(lib, "o-1", "wechat_cs") == 1
    assert reachability.mark_reachable(lib, "o-1", "wechat_cs") == 0


def test_a_load_that_raced_a_change_is_not_kept(lib: Library, other: Library) -> None:
    # Another thread applied a change while this load was reading: the loaded value may predate it,
    # so it is returned but not kept, and the next read loads again.
    assert lib.live is not None
    cache = lib.live
    reader_id, card = add_reader(lib)
    _, [barcode] = add_title(lib, "小王子")
    loads: list[str] = []

    def load() -> tuple[str, list[tuple[str, str]]]:
        loads.append("load")
        value = "before" if len(loads) == 1 else "after"
        if len(loads) == 1:
            checkout(other, CheckoutItem(card, barcode))  # the change lands during the load ...
            cache.sync()  # ... and another thread applies it before this load stores its value
        return value, [("reader", str(reader_id))]
    assert cache.get("k", load) == "before"
    assert cache.get("k", load) == "after"
    assert cache.get("k", load) == "after" and len(loads) == 2


def test_reads_without_commits_do_not_query_the_feed(sqlite_url: str, clock: FixedClock) -> None:
    lib = Library.open(sqlite_url, clock=clock, migrate=False)
    try:
        reader_id, _ = add_reader(lib)
        queries.open_loans(lib, reader_id)
        assert lib.live is not None
        watcher = lib.live._watcher
        polls = watcher.polls
        for _ in range(50):
            queries.open_loans(lib, reader_id)
        assert watcher.polls == polls  # PRAGMA data_version said nothing was committed
        add_reader(lib)
        queries.open_loans(lib, reader_id)
        assert watcher.polls == polls + 1
    finally:
        lib.close()


def test_memory_only_refuses_the_database_before_touching_it(lib: Library) -> None:
    reader_id, _ = add_reader(lib)
    queries.open_loans(lib, reader_id)  # now in memory
    if lib.engine.dialect.name == "postgresql":  # no cheap "nothing changed" signal: always the feed
        with memory_only(), pytest.raises(WouldBlock):
            queries.open_loans(lib, reader_id)
        return
    with memory_only():
        assert queries.open_loans(lib, reader_id) == []
        with pytest.raises(WouldBlock):
            lib.read_uow()
        with pytest.raises(WouldBlock):
            lib.uow()
        with pytest.raises(WouldBlock), lib.session_factory() as session:  # the engine's backstop
            session.execute(select(Reader.id))
        with pytest.raises(WouldBlock):
            queries.open_loans(lib, reader_id + 1)  # not in memory: would load
    add_reader(lib)
    with memory_only(), pytest.raises(WouldBlock):
        queries.open_loans(lib, reader_id)  # something was committed: the feed must be read first
    assert queries.open_loans(lib, reader_id) == []  # and is, outside memory_only


def test_the_watcher_waits_for_a_sequence_number_committed_late(library: Library) -> None:
    # PostgreSQL assigns seqs before commit: seq n+1 can be visible while n is still in flight.
    if library.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single writer: seqs commit in order")
    now = [0.0]
    watcher = ChangeWatcher(library.engine, gap_seconds=60, monotonic=lambda: now[0])
    assert watcher.changes() == []
    feed = insert(ChangeRow)
    with library.engine.connect() as slow:
        slow.execute(feed, {"topic": "reader", "ref": "1"})  # takes seq n, not committed yet
        with library.engine.begin() as fast:
            fast.execute(feed, {"topic": "reader", "ref": "2"})
        assert [c.ref for c in watcher.changes() or []] == ["2"]
        slow.commit()
    assert [c.ref for c in watcher.changes() or []] == ["1"]
    with library.engine.connect() as aborted:
        aborted.execute(feed, {"topic": "reader", "ref": "3"})
        aborted.rollback()  # its seq never appears
    with library.engine.begin() as conn:
        conn.execute(feed, {"topic": "reader", "ref": "4"})
    assert [c.ref for c in watcher.changes() or []] == ["4"]
    assert watcher.changes() == []  # nothing returned twice while waiting for the gap
    now[0] = 61.0
    watcher.changes()
    with library.engine.connect() as conn:
        assert watcher._low == conn.scalar(NEWEST_SEQ)  # gave up on the rolled-back seq
    watcher.close()


def test_a_watcher_far_behind_starts_afresh(library: Library) -> None:
    cache = LiveCache(ChangeWatcher(library.engine))
    cache.get("k", lambda: ("old", [("reader", "1")]))
    with library.engine.begin() as conn:
        conn.execute(insert(ChangeRow), [{"topic": "reader", "ref": str(n)} for n in range(6_000)])
    assert cache.get("k", lambda: ("new", [("reader", "999999")])) == "new"  # everything was dropped
    assert purge_old_rows(library.session_factory, keep=100) == 5_900
    assert purge_old_rows(library.session_factory, keep=100) == 0
    cache.close()


def test_a_checkout_is_in_the_feed_on_both_databases(lib: Library) -> None:
    reader_id, card = add_reader(lib)
    with lib.engine.connect() as conn:
        before = conn.scalar(NEWEST_SEQ)
    _, [barcode] = add_title(lib)
    checkout(lib, CheckoutItem(card, barcode))
    with lib.engine.connect() as conn:
        rows = conn.execute(select(ChangeRow.topic, ChangeRow.ref).where(ChangeRow.seq > before)).all()
    assert ("reader", str(reader_id)) in [tuple(r) for r in rows]
