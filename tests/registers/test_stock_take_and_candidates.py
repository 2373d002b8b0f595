"""Closing a stock-take, one scan's verdict, a form sent twice, and the weeding candidates on a known collection."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from core.circulation import CheckoutItem, checkout
from core.clock import school_datetime
from core.inventory import (
    InventoryClosed,
    close_inventory,
    list_inventories,
    record_scans,
    scan_one,
    start_stock_take,
    stock_take,
)
from core.library import Library
from core.models import Item, ItemStatus, Loan
from core.weeding import CandidateRules, weeding_candidates
from tests.factories import add_reader, add_term, add_title
from tests.registers.collection import build


def test_a_closed_stock_take_takes_no_scans_and_keeps_its_result(library: Library) -> None:
    _, copies = add_title(library, "草房子", copies=2)
    number, started = start_stock_take(library, " 期末 ", "二楼")
    assert started and start_stock_take(library, "期末", "二楼") == (number, False)  # the form sent twice
    assert record_scans(library, number, [copies[0]]) == (1, 0)
    assert close_inventory(library, number) is True
    assert close_inventory(library, number) is False  # a second click changes nothing
    with pytest.raises(InventoryClosed):
        record_scans(library, number, [copies[1]])
    result = stock_take(library, number)
    assert (result.expected, result.found, [c.barcode for c in result.missing]) == (2, 1, [copies[1]])
    assert list_inventories(library, open_only=True) == []
    cut = stock_take(library, number, missing_limit=0)
    assert (cut.missing, cut.missing_total) == ([], 1)  # the page lists a few; the count stays whole
    assert start_stock_take(library, "期末", "二楼")[1] is True  # the old one is closed: a new one starts
    with pytest.raises(LookupError):
        close_inventory(library, 999)


def test_each_scan_says_what_it_found(library: Library) -> None:
    add_term(library)
    _, copies = add_title(library, "草房子", copies=3)  # on 二楼A架
    _, card = add_reader(library)
    checkout(library, CheckoutItem(card, copies[2]))
    number, _ = start_stock_take(library, "清点", "")
    verdict, result = scan_one(library, number, copies[0], "二楼A架")
    assert (verdict.kind, verdict.title, result.found) == ("found", "草房子", 1)
    verdict, _ = scan_one(library, number, copies[1].lower(), "三楼")
    assert (verdict.kind, verdict.where) == ("misplaced", "二楼A架")
    verdict, _ = scan_one(library, number, copies[2], "二楼A架")
    assert (verdict.kind, verdict.why) == ("unexpected", "系统显示已借出：请办理归还")
    verdict, result = scan_one(library, number, copies[0], "")
    assert verdict.kind == "repeated" and result.scanned == 3


def test_weeding_candidates_on_the_known_collection(library: Library) -> None:
    known = build(library)  # A1 in repair, A2 on the shelf; B0 lost, B1 and B2 on the shelf; D has 缺页
    found = weeding_candidates(library, CandidateRules(copies=1, loans=0, loan_years=3, idle_years=1))
    assert [c.barcode for c in found.surplus] == [*known.b[1:], known.a[2]]  # by title: 时间简史, 草房子
    assert {c.why for c in found.surplus} == {"共2本，近3年借出0次"}
    assert [c.barcode for c in found.idle] == [known.a[2]]  # accessioned 2025-03, never lent; B is too new
    assert {(c.barcode, c.why) for c in found.damaged} == {(known.a[1], "修补中"), (known.d[0], "缺页")}
    assert found.totals == {"surplus": 3, "idle": 1, "damaged": 2}
    assert weeding_candidates(library, CandidateRules(copies=2)).surplus == []


def test_a_loan_within_the_years_takes_a_copy_off_the_idle_list(library: Library) -> None:
    known = build(library)
    _, card = add_reader(library)
    checkout(library, CheckoutItem(card, known.a[2]))
    with library.uow() as uow:  # lent last spring, returned
        uow.session.execute(update(Loan).values(loaned_at=school_datetime(date(2026, 3, 2), 9), is_open=False,
                                                returned_at=school_datetime(date(2026, 3, 9), 9)))
        uow.session.execute(update(Item).where(Item.barcode == known.a[2]).values(status=ItemStatus.AVAILABLE))
        uow.commit()
    rules = CandidateRules(copies=1, loans=0, loan_years=3, idle_years=1)
    found = weeding_candidates(library, rules)
    assert found.idle == []
    assert known.a[2] not in [c.barcode for c in found.surplus]  # 草房子 was lent once: more than 0
    assert known.a[2] in [c.barcode for c in weeding_candidates(library, CandidateRules(copies=1, loans=1)).surplus]


def test_two_helpers_scanning_the_same_copy_at_once_record_it_once(library: Library) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    _, copies = add_title(library, "草房子", copies=1)
    number, _ = start_stock_take(library, "清点", "")
    barrier = Barrier(6)

    def scan() -> tuple[int, int]:
        barrier.wait()
        return record_scans(library, number, [copies[0]], "二楼A架")

    with ThreadPoolExecutor(6) as pool:
        results = [f.result() for f in [pool.submit(scan) for _ in range(6)]]
    assert sorted(results) == [(0, 1)] * 5 + [(1, 0)]
    assert stock_take(library, number).scanned == 1
