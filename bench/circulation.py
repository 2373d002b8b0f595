"""Checkout + checkin round trips per second on SQLite (target ≥ 500/s).

Baseline in the same run: the bare database work of a round trip (insert a loan, flip the
item's status, close the loan) through the sqlite3 driver with no ORM and no rules: the
floor, so the ratio shows what the rules, the audit log and SQLAlchemy cost.
Run: .venv/bin/python bench/circulation.py
"""
from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from core.circulation import CheckinItem, CheckoutItem, checkin, checkout  # noqa: E402
from core.clock import FixedClock  # noqa: E402
from core.library import Library  # noqa: E402
from core.models import Item, Reader  # noqa: E402
from tests.factories import add_reader, add_term, add_title  # noqa: E402

ROUNDS = 2000
TARGET_PER_SECOND = 500


def setup(path: Path) -> tuple[Library, list[str], list[str]]:
    lib = Library.open(f"sqlite:///{path}", clock=FixedClock(datetime(2026, 11, 18, 2, tzinfo=UTC)))
    add_term(lib)
    _, barcodes = add_title(lib, "草房子", copies=50)
    cards = [add_reader(lib, f"老师{i}")[1] for i in range(50)]
    return lib, barcodes, cards


def run_service(lib: Library, barcodes: list[str], cards: list[str]) -> float:
    start = time.perf_counter()
    for n in range(ROUNDS):
        barcode = barcodes[n % len(barcodes)]
        checkout(lib, CheckoutItem(cards[n % len(cards)], barcode))
        checkin(lib, CheckinItem(barcode))
    return ROUNDS / (time.perf_counter() - start)


def run_baseline(lib: Library, barcodes: list[str], cards: list[str]) -> float:
    """The floor: the same rows written with the bare sqlite3 driver, no ORM and no rules."""
    path = lib.engine.url.database
    now = lib.now().replace(tzinfo=None).isoformat(sep=" ")
    with lib.uow() as uow:
        item_ids = list(uow.session.scalars(select(Item.id).where(Item.barcode.in_(barcodes))))
        reader_ids = list(uow.session.scalars(select(Reader.id)))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    start = time.perf_counter()
    for n in range(ROUNDS):
        item_id, reader_id = item_ids[n % len(item_ids)], reader_ids[n % len(reader_ids)]
        conn.execute("BEGIN IMMEDIATE")
        loan_id = conn.execute(
            "INSERT INTO loans (item_id, reader_id, loaned_at, due_date, renewal_count, is_open)"
            " VALUES (?, ?, ?, ?, 0, 1) RETURNING id", (item_id, reader_id, now, now[:10])).fetchone()[0]
        conn.execute("UPDATE items SET status = 'on_loan' WHERE id = ?", (item_id,))
        conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE loans SET is_open = 0, returned_at = ? WHERE id = ?", (now, loan_id))
        conn.execute("UPDATE items SET status = 'available' WHERE id = ?", (item_id,))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return ROUNDS / elapsed


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        lib, barcodes, cards = setup(Path(tmp) / "bench.db")
        baseline = run_baseline(lib, barcodes, cards)
        service = run_service(lib, barcodes, cards)
        lib.close()
    print(f"circulation: {ROUNDS} checkout+checkin round trips on SQLite")
    print(f"  service  {service:8.0f} round trips/s  (target ≥ {TARGET_PER_SECOND}/s)")
    print(f"  baseline {baseline:8.0f} round trips/s  (the same rows via the bare sqlite3 driver, no rules)")
    print(f"  ratio service/baseline = {service / baseline:.2f}")
    met = service >= TARGET_PER_SECOND
    print("  target met" if met else "  target missed")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
