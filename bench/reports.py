"""Term report speed over 200,000 loans (target ≤ 10 s), SQLite.

A school of 2,400 students in 48 classes, 60 teachers, 30,000 copies and 200,000 loans in one term.
Baseline in the same run: fetching the same loan rows with the bare sqlite3 driver (no ORM, no
figures), so the ratio shows what SQLAlchemy and the statistics cost.
Run: .venv/bin/python bench/reports.py [LOANS]
"""
from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from core.clock import FixedClock, school_datetime  # noqa: E402
from core.library import Library  # noqa: E402
from core.models import Item, Loan, Reader, ReaderType, SchoolClass, Title  # noqa: E402
from core.reports import build_report, term_period  # noqa: E402
from core.reports.workbook import write_workbook  # noqa: E402
from tests.factories import add_term  # noqa: E402

LOANS = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
TARGET = 10.0 * LOANS / 200_000
GRADES = "一二三四五六"


def build(library: Library) -> None:
    rng = random.Random(7)
    add_term(library)
    now = library.now()
    with library.uow() as uow:
        s = uow.session
        s.execute(insert(SchoolClass), [{"name": f"{GRADES[g]}年级{c}班", "grade": g + 1}
                                        for g in range(6) for c in range(1, 9)])
        s.execute(insert(Reader), [{"card_no": f"S{i:05d}", "name": f"学生{i}", "reader_type": ReaderType.STUDENT,
                                    "class_id": i % 48 + 1, "created_at": now} for i in range(2400)]
                  + [{"card_no": f"T{i:03d}", "name": f"老师{i}", "reader_type": ReaderType.TEACHER,
                      "created_at": now} for i in range(60)])
        s.execute(insert(Title), [{"title": f"书{i}", "author": f"作者{i % 300}", "created_at": now}
                                  for i in range(10_000)])
        s.execute(insert(Item), [{"barcode": f"B{i:06d}", "title_id": i % 10_000 + 1, "created_at": now}
                                 for i in range(30_000)])
        start = date(2026, 9, 1)
        loans = []
        for _ in range(LOANS):
            day = start + timedelta(days=rng.randrange(78))
            back = day + timedelta(days=rng.randrange(1, 20))
            loans.append({"item_id": rng.randrange(30_000) + 1, "reader_id": rng.randrange(2460) + 1,
                          "loaned_at": school_datetime(day, 10), "due_date": day + timedelta(days=14),
                          "returned_at": school_datetime(back, 11), "is_open": False})
        s.execute(insert(Loan), loans)
        uow.commit()


def baseline(path: Path) -> float:
    start = time.perf_counter()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT l.reader_id, i.title_id, l.loaned_at, l.due_date, l.returned_at, l.lost_at "
                            "FROM loans l JOIN items i ON i.id = l.item_id").fetchall()
    assert len(rows) == LOANS
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        library = Library.open(f"sqlite:///{path}", clock=FixedClock(datetime(2026, 11, 18, 2, tzinfo=UTC)))
        t0 = time.perf_counter()
        build(library)
        print(f"setup: {LOANS:,} loans written in {time.perf_counter() - t0:.1f} s")
        start = time.perf_counter()
        with library.uow() as uow:
            period = term_period(uow.session, library.today())
        report = build_report(library, period)
        elapsed = time.perf_counter() - start
        t1 = time.perf_counter()
        write_workbook(report, Path(tmp) / "term.xlsx")
        xlsx = time.perf_counter() - t1
        base = baseline(path)
        library.close()
    assert report.loans == LOANS
    verdict = "OK" if elapsed <= TARGET else "SLOW"
    print(f"term report over {LOANS:,} loans: {elapsed:.2f} s (target ≤ {TARGET:.0f} s) {verdict}; "
          f"bare sqlite3 fetch {base:.2f} s, ratio {elapsed / base:.1f}x; xlsx written in {xlsx:.2f} s; "
          f"生均 {report.per_student:.1f}, 流通率 {report.circulation_rate:.2f}")


if __name__ == "__main__":
    main()
