"""Catalogue import speed: 100,000 rows from CSV (target ≤ 20 s), from .xlsx (target ≤ 60 s) and
30,000 ISO 2709 records (GBK CNMARC, CRLF between records, one 905 copy each; target ≤ 30 s).

Baseline in the same run: only reading the file's rows (csv module / openpyxl read-only) with no
validation and no database, so the ratio shows what checking, 查重 and writing cost.
For MARC the baseline is the CSV import of the same run and the parse-only time (read_marc, no DB).
Run: .venv/bin/python bench/imports.py [ROWS] [csv,xlsx,marc]   (SQLite file in a temp folder;
MARC gets 30% of ROWS records, so the default is 30,000)
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
KINDS = sys.argv[2].split(",") if len(sys.argv) > 2 else ["csv", "xlsx", "marc"]
TARGETS = {"csv": 20.0, "xlsx": 60.0, "marc": 30.0}
MARC_SHARE = 0.3  # 30,000 records for the default 100,000 rows
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


def _iso_record(fields: list[tuple[str, bytes]]) -> bytes:
    directory, body = b"", b""
    for tag, data in fields:
        directory += f"{tag}{len(data) + 1:04d}{len(body):05d}".encode("ascii")
        body += data + b"\x1e"
    base = 24 + len(directory) + 1
    return f"{base + len(body) + 1:05d}nam0 22{base:05d}   450 ".encode("ascii") + directory + b"\x1e" + body + b"\x1d"


def write_marc(path: Path, data: list[list[str]]) -> None:
    """GBK CNMARC as dp2 exports it (100$a/26-29 "0120"), each record followed by CRLF."""
    out = []
    for barcode, title, author, isbn, publisher, price, call, location, clc in data[:int(len(data) * MARC_SHARE)]:
        def sub(code: str, value: str) -> bytes:
            return b"\x1f" + code.encode("ascii") + value.encode("gb18030")
        cls, _, mark = call.partition("/")
        out.append(_iso_record([
            ("001", barcode.encode("ascii")),
            ("010", b"  " + sub("a", isbn) + sub("d", price.replace("¥", "CNY"))),
            ("100", b"  " + sub("a", "20240101d2024    em y0chiy0120    ea")),
            ("200", b"1 " + sub("a", title) + sub("f", author + "著")),
            ("210", b"  " + sub("c", publisher) + sub("d", "2016")),
            ("690", b"  " + sub("a", clc)),
            ("905", b"  " + sub("b", barcode) + sub("c", location) + sub("d", cls) + sub("e", mark)),
        ]) + b"\r\n")
    path.write_bytes(b"".join(out))


def read_only(path: Path) -> float:
    start = time.perf_counter()
    if path.suffix == ".iso":
        from core.imports.marc import read_marc

        count = sum(1 for _ in read_marc(path.read_bytes()))
        assert count >= int(ROWS * MARC_SHARE)
        return time.perf_counter() - start
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
        for kind, writer, suffix in (("csv", write_csv, "csv"), ("xlsx", write_xlsx, "xlsx"),
                                     ("marc", write_marc, "iso")):
            if kind not in KINDS:
                continue
            path = folder / f"catalogue.{suffix}"
            writer(path, data)
            baseline = read_only(path)
            elapsed, counts = import_file(folder, path)
            n = int(ROWS * MARC_SHARE) if kind == "marc" else ROWS
            target = TARGETS[kind] * n / (30_000 if kind == "marc" else 100_000)
            verdict = "OK" if elapsed <= target else "SLOW"
            unit = "records" if kind == "marc" else "rows"
            print(f"import {kind:4} {n:,} {unit}: {elapsed:6.2f} s (target ≤ {target:.0f} s) {verdict}; "
                  f"read-only baseline {baseline:.2f} s, ratio {elapsed / baseline:.1f}x; {counts}")


if __name__ == "__main__":
    main()
