"""Two readers racing for the last copy: exactly one wins, on SQLite files and PostgreSQL."""
from __future__ import annotations

import multiprocessing
import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.errors import Reason, Refused
from core.library import Library
from core.models import Loan
from tests.factories import add_reader, add_term, add_title

ROUNDS = 8


def _race(lib: Library, barcode: str, cards: list[str]) -> list[str]:
    """Start every checkout at the same instant; return 'won' / the refusal reason per reader."""
    barrier = threading.Barrier(len(cards))
    outcomes: list[str] = [""] * len(cards)

    def attempt(index: int, card: str) -> None:
        barrier.wait()
        try:
            checkout(lib, CheckoutItem(card, barcode))
            outcomes[index] = "won"
        except Refused as refusal:
            outcomes[index] = refusal.reason.value

    threads = [threading.Thread(target=attempt, args=(i, c)) for i, c in enumerate(cards)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_threads_racing_for_the_last_copy_exactly_one_wins(library) -> None:
    add_term(library)
    for round_no in range(ROUNDS):
        cards = [add_reader(library, f"读者{round_no}-{i}")[1] for i in range(2 + round_no % 3)]
        _, [barcode] = add_title(library, "最后一本")
        outcomes = _race(library, barcode, cards)
        assert outcomes.count("won") == 1, outcomes
        assert set(outcomes) - {"won"} <= {Reason.ITEM_UNAVAILABLE.value}
    with library.uow() as uow:
        open_loans = uow.session.scalar(select(func.count()).select_from(Loan).where(Loan.is_open.is_(True)))
    assert open_loans == ROUNDS


def _process_attempt(url: str, now_iso: str, card: str, barcode: str, start: multiprocessing.Event,
                     results: multiprocessing.Queue) -> None:
    lib = Library.open(url, clock=FixedClock(datetime.fromisoformat(now_iso)), migrate=False)
    start.wait(10)
    try:
        checkout(lib, CheckoutItem(card, barcode))
        results.put("won")
    except Refused as refusal:
        results.put(refusal.reason.value)
    finally:
        lib.close()


@pytest.mark.slow
def test_processes_racing_for_the_last_copy_exactly_one_wins(db_url: str, library) -> None:
    add_term(library)
    _, [barcode] = add_title(library, "最后一本")
    cards = [add_reader(library, f"读者{i}")[1] for i in range(3)]
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_process_attempt,
                         args=(db_url, library.now().isoformat(), card, barcode, start, results))
             for card in cards]
    for p in procs:
        p.start()
    start.set()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert sorted(outcomes) == sorted(["won"] + [Reason.ITEM_UNAVAILABLE.value] * 2)


def test_a_reader_is_not_blocked_by_a_writer_holding_the_sqlite_write_lock(sqlite_url: str, clock) -> None:
    lib = Library.open(sqlite_url, clock=clock, migrate=False)
    add_term(lib)
    add_title(lib, "草房子")
    try:
        with lib.uow() as writer:  # BEGIN IMMEDIATE: holds the write lock until the block ends
            writer.session.execute(select(Loan.id)).all()
            done = threading.Event()

            def read() -> None:
                with lib.read_uow() as reader:
                    reader.session.execute(select(func.count()).select_from(Loan)).scalar()
                done.set()

            thread = threading.Thread(target=read)
            thread.start()
            assert done.wait(5), "a read-only unit of work waited for the writer"
            thread.join()
    finally:
        lib.close()


def test_reads_in_a_read_scope_share_one_session_and_see_writes_committed_meanwhile(sqlite_url: str,
                                                                                   clock) -> None:
    lib = Library.open(sqlite_url, clock=clock, migrate=False)
    add_term(lib)
    _, [barcode] = add_title(lib, "草房子")
    _, card = add_reader(lib, "张静")
    try:
        with lib.read_scope():
            with lib.read_uow() as first:
                shared = first.session
                assert first.session.scalar(select(func.count()).select_from(Loan)) == 0
            checkout(lib, CheckoutItem(card, barcode))  # a write inside the scope
            with lib.read_uow() as second:
                assert second.session is shared
                assert second.session.scalar(select(func.count()).select_from(Loan)) == 1
        with lib.read_uow() as outside:
            assert outside.session is not shared
    finally:
        lib.close()
