"""A stock-take's result: copies found on a shelf not their own are 错架 (also from outside the range);
a closed stock-take's figures stay those it closed with after weeding and lending."""
from __future__ import annotations

from sqlalchemy import update

from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.inventory import close_inventory, record_scans, start_inventory, stock_take, weed
from core.library import Library
from core.models import Item
from tests.factories import add_reader, add_term, add_title


def two_shelves(library: Library) -> tuple[list[str], list[str]]:
    """Four copies on 二楼A架 and two on 二楼B架."""
    _, a = add_title(library, "草房子", copies=4)
    _, b = add_title(library, "城南旧事", "林海音", copies=2)
    with library.uow() as uow:
        uow.session.execute(update(Item).where(Item.barcode.in_(b)).values(location="二楼B架"))
        uow.commit()
    return a, b


def test_a_copy_from_a_shelf_outside_the_range_is_misplaced_not_unexpected(library: Library) -> None:
    a, b = two_shelves(library)
    number = start_inventory(library, "A架清点", location="二楼A架")
    record_scans(library, number, [a[0], b[0], "X999"], shelf="二楼A架")
    record_scans(library, number, [b[1]])  # no shelf said: somewhere in the range
    result = stock_take(library, number)
    assert [(c.barcode, c.location, shelf) for c, shelf in result.misplaced] == [
        (b[0], "二楼B架", "二楼A架"), (b[1], "二楼B架", "二楼A架")]
    assert [(code, why) for code, _, why in result.unexpected] == [("X999", "不在馆藏目录中")]
    assert (result.expected, result.scanned, result.found, result.missing_total) == (4, 4, 1, 3)


def test_a_copy_scanned_on_its_own_shelf_outside_the_range_stays_unexpected(library: Library) -> None:
    a, b = two_shelves(library)
    number = start_inventory(library, "A架清点", location="二楼A架")
    record_scans(library, number, [b[0]], shelf="二楼B架")
    result = stock_take(library, number)
    assert result.misplaced == [] and [why for _, _, why in result.unexpected] == ["属于二楼B架，不在本次清点范围"]


def test_a_lent_copy_found_on_a_shelf_stays_unexpected(library: Library) -> None:
    add_term(library)
    a, b = two_shelves(library)
    _, card = add_reader(library)
    checkout(library, CheckoutItem(card, b[0]))
    number = start_inventory(library, "A架清点", location="二楼A架")
    record_scans(library, number, [b[0]], shelf="二楼A架")
    result = stock_take(library, number)
    assert result.misplaced == [] and [why for _, _, why in result.unexpected] == ["系统显示已借出：请办理归还"]


def test_a_closed_stock_take_keeps_its_figures_after_weeding_and_lending(library: Library, clock: FixedClock) -> None:
    add_term(library)
    a, _ = two_shelves(library)
    _, card = add_reader(library)
    number = start_inventory(library, "A架清点", location="二楼A架")
    clock.advance(minutes=5)
    record_scans(library, number, [a[0]], shelf="二楼A架")
    clock.advance(minutes=5)
    close_inventory(library, number)
    before = stock_take(library, number)
    assert (before.expected, before.found, before.missing_total) == (4, 1, 3)
    clock.advance(days=1)
    assert [c.barcode for c in weed(library, [a[1]], "清点缺失，确认丢失").withdrawn] == [a[1]]
    checkout(library, CheckoutItem(card, a[2]))  # turned up and lent after the close
    checkout(library, CheckoutItem(card, a[0]))  # found in the stock-take, lent since
    after = stock_take(library, number)
    assert (after.expected, after.scanned, after.found, after.missing_total) == (4, 1, 1, 3)
    assert [(c.barcode, c.status) for c in after.missing] == [
        (a[1], "withdrawn"), (a[2], "on_loan"), (a[3], "available")]
    assert after.unexpected == [] and after.misplaced == []


def test_copies_weeded_before_the_stock_take_are_not_expected(library: Library, clock: FixedClock) -> None:
    a, _ = two_shelves(library)
    weed(library, [a[3]], "破损")
    clock.advance(minutes=1)
    number = start_inventory(library, "A架清点", location="二楼A架")
    clock.advance(minutes=1)
    weed(library, [a[2]], "清点缺失")  # during the stock-take: still counted, shown as withdrawn
    result = stock_take(library, number)
    assert result.expected == 3 and [(c.barcode, c.status) for c in result.missing] == [
        (a[0], "available"), (a[1], "available"), (a[2], "withdrawn")]
