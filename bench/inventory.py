"""清点 and 登记帐 benchmark: one scan into a whole-library stock-take, the 分类帐, the 总括帐 and the weeding
candidates on a 50,000-copy library, against the same on a 5,000-copy library (the baseline), same run.

Run: PYTHONPATH=. .venv/bin/python bench/inventory.py   (about a minute; SQLite files in a temp folder)
Each library: titles of 5 copies on 100 shelves, 中图法 classes A–Z, accessioned over five years, one loan
in three copies, 1% weeded; a whole-library stock-take with 60% of the copies scanned. Each operation runs
RUNS times; the median is printed with its ratio to the baseline's (10× the copies → ~10× is linear).
"""
from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

RUNS = 5
SIZES = (5_000, 50_000)


def build(url: str, copies: int) -> tuple[object, int, list[str]]:
    """The library described above; returns (library, stock-take id, barcodes not yet scanned)."""
    from sqlalchemy import insert

    from core.clock import FixedClock
    from core.inventory import InventoryScan, WeedingRecord, start_inventory
    from core.library import Library
    from core.models import Item, ItemStatus, Loan, Reader, ReaderType, Title

    now = datetime(2026, 11, 18, 2, tzinfo=UTC)
    lib = Library.open(url, clock=FixedClock(now))
    letters = "ABCDEFGHIJKNOPQRSTUVXZ"
    with lib.uow() as uow:
        s = uow.session
        s.execute(insert(Title), [{"id": t + 1, "title": f"书{t}", "clc": f"{letters[t % 22]}{t % 90}",
                                   "created_at": now} for t in range(copies // 5)])
        s.execute(insert(Reader), [{"id": 1, "card_no": "R1", "name": "读者", "reader_type": ReaderType.TEACHER,
                                    "created_at": now}])
        items, loans, weeded = [], [], []
        for i in range(copies):
            made = now - timedelta(days=(i * 7) % 1800)
            status = ItemStatus.WITHDRAWN if i % 100 == 0 else ItemStatus.AVAILABLE
            items.append({"id": i + 1, "barcode": f"B{i:07d}", "title_id": i // 5 + 1, "price_fen": 2000 + i % 3000,
                          "location": f"架{i % 100:02d}", "call_number": f"{letters[i % 22]}1/{i}",
                          "status": status, "created_at": made, "source": "采购" if i % 4 else "捐赠"})
            if i % 3 == 0:
                loans.append({"item_id": i + 1, "reader_id": 1, "loaned_at": made + timedelta(days=30),
                              "due_date": (made + timedelta(days=44)).date(), "returned_at": made + timedelta(days=40),
                              "is_open": False})
            if status == ItemStatus.WITHDRAWN:
                weeded.append({"item_id": i + 1, "barcode": f"B{i:07d}", "title": "书", "price_fen": 2000,
                               "previous_status": "available", "reason": "剔旧", "at": made + timedelta(days=60)})
        s.execute(insert(Item), items)
        s.execute(insert(Loan), loans)
        s.execute(insert(WeedingRecord), weeded)
        uow.commit()
    number = start_inventory(lib, "全馆清点")
    scanned = [f"B{i:07d}" for i in range(copies) if i % 5 < 3 and i % 100]
    with lib.uow() as uow:
        uow.session.execute(insert(InventoryScan), [{"session_id": number, "barcode": b, "shelf": "",
                                                     "scanned_at": now} for b in scanned])
        uow.commit()
    rest = [f"B{i:07d}" for i in range(copies) if i % 5 >= 3 and i % 100]
    return lib, number, rest


def median(run: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(copies: int, folder: Path) -> dict[str, float]:
    from core.inventory import scan_one
    from core.registers import classified_ledger, general_ledger
    from core.weeding import weeding_candidates

    lib, number, rest = build(f"sqlite:///{folder}/lib{copies}.db", copies)
    today = lib.today()  # type: ignore[attr-defined]
    codes = iter(rest)
    found = {
        "scan": median(lambda: scan_one(lib, number, next(codes), "架00")),  # type: ignore[arg-type]
        "分类帐": median(lambda: classified_ledger(lib, today)),  # type: ignore[arg-type]
        "总括帐": median(lambda: general_ledger(lib, today)),  # type: ignore[arg-type]
        "剔旧候选": median(lambda: weeding_candidates(lib)),  # type: ignore[arg-type]
    }
    lib.close()  # type: ignore[attr-defined]
    return found


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        base, big = (measure(n, Path(folder)) for n in SIZES)
    print(f"{'':8} {SIZES[0]:>8} copies {SIZES[1]:>8} copies   ratio")
    for name in base:
        print(f"{name:8} {base[name] * 1000:>10.0f} ms {big[name] * 1000:>10.0f} ms   {big[name] / base[name]:5.1f}×")


if __name__ == "__main__":
    main()
