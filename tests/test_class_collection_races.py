"""A class move (漂流) racing a return batch: no deadlock escapes, every copy is reported (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from core.circulation.collections import lend_to_class, move_collection, return_from_class
from core.errors import Refused
from core.models import Loan
from tests.test_class_collections import _books, _classes

ROUNDS = 10
BOOKS = 6


def _race(lib, codes: list[str], source: str, target: str) -> tuple[object, object]:
    """Move source→target while another desk returns `codes` (scanned in reverse); (move, batch) or the error."""
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def move() -> None:
        barrier.wait()
        try:
            results[0] = move_collection(lib, source, target)
        except Refused as refused:
            results[0] = refused
        except Exception as exc:  # noqa: BLE001 - the test reports what escaped
            results[0] = exc

    def give_back() -> None:
        barrier.wait()
        try:
            results[1] = return_from_class(lib, list(reversed(codes)))
        except Exception as exc:  # noqa: BLE001
            results[1] = exc

    threads = [threading.Thread(target=move), threading.Thread(target=give_back)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results[0], results[1]


def test_a_move_racing_a_return_batch_never_deadlocks_and_reports_every_copy(lib) -> None:
    _classes(lib, "三年级2班", "三年级3班")
    codes = _books(lib, BOOKS)
    for round_no in range(ROUNDS):
        source, target = ("三年级2班", "三年级3班") if round_no % 2 == 0 else ("三年级3班", "三年级2班")
        lent = lend_to_class(lib, source, codes)
        assert lent.done == BOOKS, round_no
        moved, batch = _race(lib, codes, source, target)
        assert not isinstance(moved, Exception) or isinstance(moved, Refused), (round_no, repr(moved))
        assert not isinstance(batch, Exception), (round_no, repr(batch))
        assert [o.barcode for o in batch.outcomes] == list(reversed(codes)), round_no
        assert batch.done == BOOKS, (round_no, [(o.barcode, o.refused, o.failed) for o in batch.outcomes])
        with lib.read_uow() as uow:
            assert uow.session.scalar(select(func.count()).select_from(Loan).where(Loan.is_open.is_(True))) == 0


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_copy_still_deadlocked_after_the_retries_is_reported_busy_and_the_rest_go_on(lib, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    from core.circulation import collections
    from core.collection_words import returned

    _classes(lib, "三年级2班")
    codes = _books(lib, 3)
    lend_to_class(lib, "三年级2班", codes)
    real, tries = collections.checkin, []

    def checkin(library, cmd):
        if cmd.barcode == codes[1]:
            tries.append(cmd.barcode)
            raise OperationalError("SELECT", {}, _Deadlock("deadlock detected"))
        return real(library, cmd)

    monkeypatch.setattr(collections, "checkin", checkin)
    monkeypatch.setattr(collections.time, "sleep", lambda _s: None)
    batch = return_from_class(lib, codes)
    assert [o.barcode for o in batch.outcomes] == codes and len(tries) == collections.ATTEMPTS
    assert (batch.done, batch.outcomes[1].failed) == (2, collections.BUSY)
    lines = returned(batch)
    assert lines[0] == "集体归还：归还2本，1本没有归还（见下）。"
    assert lines[2] == f"✗ {codes[1]} 这本书正在另一台电脑上处理，这次没有改动，请再扫一次。"


def test_a_move_still_deadlocked_after_the_retries_says_try_again(lib, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    from core.circulation import collections

    _classes(lib, "三年级2班", "三年级3班")
    lend_to_class(lib, "三年级2班", _books(lib, 2))

    def move(*_args):
        raise OperationalError("SELECT", {}, _Deadlock("deadlock detected"))

    monkeypatch.setattr(collections, "_move", move)
    monkeypatch.setattr(collections.time, "sleep", lambda _s: None)
    try:
        move_collection(lib, "三年级2班", "三年级3班")
    except collections.CollectionBusy:
        pass
    else:
        raise AssertionError("a move that never got its locks must say so")


def _together(*jobs):
    """Run the jobs in threads from the same instant; each one's result, or the exception that escaped."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 - the test reports what escaped
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_a_move_racing_a_lend_to_the_other_class_leaves_every_copy_with_one_class(lib) -> None:
    """The lend locks the borrower then the copy, the move the copies then the borrowers: a copy of the
    moving set lent to the target meanwhile is where a deadlock can still happen; the retry settles it."""
    _classes(lib, "三年级2班", "三年级3班")
    codes = _books(lib, BOOKS)
    held, extra = codes[:BOOKS // 2], codes[BOOKS // 2:]
    for round_no in range(ROUNDS // 2):
        assert lend_to_class(lib, "三年级2班", held).done == len(held)
        moved, lent = _together(lambda: move_collection(lib, "三年级2班", "三年级3班"),
                                lambda: lend_to_class(lib, "三年级3班", list(reversed(held)) + extra))
        assert not isinstance(moved, Exception), (round_no, repr(moved))
        assert not isinstance(lent, Exception), (round_no, repr(lent))
        assert len(lent.outcomes) == BOOKS and all(o.failed is None for o in lent.outcomes)
        with lib.read_uow() as uow:
            per_item = uow.session.execute(select(Loan.item_id, func.count()).where(Loan.is_open.is_(True))
                                           .group_by(Loan.item_id)).all()
        assert len(per_item) == BOOKS and {n for _, n in per_item} == {1}, round_no
        return_from_class(lib, codes)


def test_two_desks_first_using_a_class_at_once_share_one_class_borrower(lib) -> None:
    from core.circulation.collections import class_borrower

    names = [f"五年级{i}班" for i in range(1, ROUNDS + 1)]
    _classes(lib, *names)
    for name in names:
        first, second = _together(lambda n=name: class_borrower(lib, n), lambda n=name: class_borrower(lib, n))
        assert first == second, (name, repr(first), repr(second))  # never CARD_IN_USE for its own card
