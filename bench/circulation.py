"""Checkout + checkin round trips per second on SQLite (target ≥ 500/s).

Baseline in the same run: the bare database work of a round trip (insert a loan, flip the
item's status, close the loan) with no rules, so the ratio shows what the rules cost.
Run: .venv/bin/python bench/circulation.py
"""
from __future__ import annotations

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
from core.models import Item, ItemStatus, Loan, Reader  # noqa: E402
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
    now = lib.now()
    with lib.uow() as uow:
        item_ids = list(uow.session.scalars(select(Item.id).where(Item.barcode.in_(barcodes))))
        reader_ids = list(uow.session.scalars(select(Reader.id)))
    start = time.perf_counter()
    for n in range(ROUNDS):
        with lib.uow() as uow:
            item = uow.session.get(Item, item_ids[n % len(item_ids)])
            loan = Loan(item_id=item.id, reader_id=reader_ids[n % len(reader_ids)], loaned_at=now,
                        due_date=now.date(), is_open=True)
            uow.session.add(loan)
            item.status = ItemStatus.ON_LOAN
            uow.commit()
        with lib.uow() as uow:
            loan = uow.session.scalar(select(Loan).where(Loan.item_id == item.id, Loan.is_open.is_(True)))
            loan.is_open = False
            loan.returned_at = now
            uow.session.get(Item, item.id).status = ItemStatus.AVAILABLE
            uow.commit()
    return ROUNDS / (time.perf_counter() - start)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        lib, barcodes, cards = setup(Path(tmp) / "bench.db")
        baseline = run_baseline(lib, barcodes, cards)
        service = run_service(lib, barcodes, cards)
        lib.close()
    print(f"circulation: {ROUNDS} checkout+checkin round trips on SQLite")
    print(f"  service  {service:8.0f} round trips/s  (target ≥ {TARGET_PER_SECOND}/s)")
    print(f"  baseline {baseline:8.0f} round trips/s  (bare inserts/updates, no rules)")
    print(f"  ratio service/baseline = {service / baseline:.2f}")
    met = service >= TARGET_PER_SECOND
    print("  target met" if met else "  target missed")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
