"""期末清点 (missing, misplaced, unexpected) and 剔除 with a record."""
from __future__ import annotations

from sqlalchemy import select

from core.circulation import CheckoutItem, checkout
from core.inventory import WeedingRecord, record_scans, start_inventory, stock_take, weed
from core.library import Library
from core.models import AuditEntry, Item, ItemStatus
from tests.factories import add_reader, add_term, add_title


def test_stock_take_finds_missing_misplaced_and_unexpected(library: Library) -> None:
    add_term(library)
    _, shelf_a = add_title(library, "草房子", copies=4)  # all on 二楼A架
    _, card = add_reader(library)
    checkout(library, CheckoutItem(card, shelf_a[3]))
    number = start_inventory(library, "2026秋期末清点", location="二楼")
    assert record_scans(library, number, [shelf_a[0], shelf_a[0].lower(), ""], shelf="二楼A架") == (1, 1)
    assert record_scans(library, number, [shelf_a[1], shelf_a[3], "X999"], shelf="二楼C架") == (3, 0)
    result = stock_take(library, number)
    assert (result.expected, result.scanned, result.found) == (3, 4, 2)
    assert [c.barcode for c in result.missing] == [shelf_a[2]]
    assert [(c.barcode, shelf) for c, shelf in result.misplaced] == [(shelf_a[1], "二楼C架")]
    assert sorted((b, why) for b, _, why in result.unexpected) == [
        (shelf_a[3], "系统显示已借出：请办理归还"), ("X999", "不在馆藏目录中")]


def test_weeding_withdraws_with_a_record_and_refuses_copies_on_loan(library: Library) -> None:
    add_term(library)
    _, barcodes = add_title(library, "旧百科", copies=3, price_fen=3000)
    _, card = add_reader(library)
    checkout(library, CheckoutItem(card, barcodes[2]))
    result = weed(library, [barcodes[0], barcodes[1], barcodes[2], "NOPE"], "破损无法修补", batch="2026秋剔旧")
    assert [c.barcode for c in result.withdrawn] == barcodes[:2]
    assert [b for b, _ in result.refused] == [barcodes[2], "NOPE"]
    with library.uow() as uow:
        s = uow.session
        records = s.scalars(select(WeedingRecord).order_by(WeedingRecord.id)).all()
        assert [(r.barcode, r.title, r.price_fen, r.reason, r.previous_status) for r in records] == [
            (barcodes[0], "旧百科", 3000, "破损无法修补", "available"),
            (barcodes[1], "旧百科", 3000, "破损无法修补", "available")]
        assert s.scalar(select(Item.status).where(Item.barcode == barcodes[0])) is ItemStatus.WITHDRAWN
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action == "weed")).all()) == 2
    assert [b for b, _ in weed(library, [barcodes[0]], "again").refused] == [barcodes[0]]
