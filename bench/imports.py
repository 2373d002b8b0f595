"""Catalogue import speed: 100,000 rows from CSV (target ≤ 20 s) and from .xlsx (target ≤ 60 s).

Baseline in the same run: only reading the file's rows (csv module / openpyxl read-only) with no
validation and no database, so the ratio shows what checking, 查重 and writing cost.
Run: .venv/bin/python bench/imports.py [ROWS]   (SQLite file in a temp folder)
"""
from __future__ import annotations

import csv
import io
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.clock import FixedClock  # noqa: E402
from core.imports import import_catalogue, open_source  # noqa: E402
from core.isbn import make_isbn13  # noqa: E402
from core.library import Library  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
TARGETS = {"csv": 20.0, "xlsx": 60.0}
HEADER = ["条形码", "题名", "责任者", "ISBN", "出版社", "定价", "索书号", "馆藏地", "中图分类号"]


def rows(n: int) -> list[list[str]]:
    """Realistic shape: about 3 copies per title, so 查重 merges a third of the rows."""
    out = []
    for i in range(n):
        t = i // 3
        out.append([f"B{i:07d}", f"书名{t}号：少年读本", f"作者{t % 997}", make_isbn13(f"978750{t:06d}"),
                    "少年儿童出版社", f"¥{10 + t % 40}.50", f"I287.45/{t % 500}", f"二楼{'ABCDEF'[t % 6]}架", "I287.45"])
    return out


def write_csv(path: Path, data: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(data)
    path.write_bytes(buffer.getvalue().encode("gb18030"))


def write_xlsx(path: Path, data: list[list[str]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("馆藏")
    ws.append(["阳光小学馆藏目录"])
    ws.append(HEADER)
    for row in data:
        ws.append(row)
    wb.save(path)


def read_only(path: Path) -> float:
    start = time.perf_counter()
    if path.suffix == ".csv":
        count = sum(1 for _ in csv.reader(io.StringIO(path.read_bytes().decode("gb18030"))))
    else:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        count = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
    assert count >= ROWS
    return time.perf_counter() - start


def import_file(folder: Path, path: Path) -> tuple[float, dict[str, int]]:
    db = folder / f"{path.suffix[1:]}.db"
    library = Library.open(f"sqlite:///{db}", clock=FixedClock(datetime(2026, 11, 18, 2, tzinfo=UTC)))
    try:
        start = time.perf_counter()
        source = open_source(path, "catalogue")
        report = import_catalogue(library, source.rows, filename=path.name, sha256=source.sha256)
        elapsed = time.perf_counter() - start
        assert report.committed, report.problems[:3]
        return elapsed, report.counts
    finally:
        library.close()


def main() -> None:
    data = rows(ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind, writer in (("csv", write_csv), ("xlsx", write_xlsx)):
            path = folder / f"catalogue.{kind}"
            writer(path, data)
            baseline = read_only(path)
            elapsed, counts = import_file(folder, path)
            target = TARGETS[kind] * ROWS / 100_000
            verdict = "OK" if elapsed <= target else "SLOW"
            print(f"import {kind:4} {ROWS:,} rows: {elapsed:6.2f} s (target ≤ {target:.0f} s) {verdict}; "
                  f"read-only baseline {baseline:.2f} s, ratio {elapsed / baseline:.1f}x; {counts}")


if __name__ == "__main__":
    main()
