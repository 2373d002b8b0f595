"""Book specifications for the demo catalogue, and the reader of the real-books TSV."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from core.models import ItemType

DATA_FILE = Path(__file__).with_name("data") / "books.tsv"
COLUMNS = ("title", "author", "publisher", "year", "clc", "min_grade", "max_grade", "subjects",
           "series", "item_type", "copies", "price", "summary")
TEACHERS_ONLY = 0  # min_grade = max_grade = 0: a book for teachers, not for pupils
MAX_SUMMARY = 40


class BookFileError(ValueError):
    """A bad row in the books TSV, with its line number."""


@dataclass(frozen=True)
class BookSpec:
    title: str
    author: str
    publisher: str
    year: int
    clc: str
    min_grade: int
    max_grade: int
    subjects: str
    series: str
    item_type: ItemType
    copies: int
    price_fen: int
    summary: str
    real: bool = True


def load_real_books(path: Path = DATA_FILE) -> list[BookSpec]:
    """Every row of the TSV as a BookSpec; raises BookFileError naming the line of a bad row."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if tuple(header) != COLUMNS:
            raise BookFileError(f"{path.name}:1: header must be {' '.join(COLUMNS)}")
        books = [parse_row(row, line) for line, row in enumerate(reader, start=2) if row]
    seen: dict[str, int] = {}
    for line, book in enumerate(books, start=2):
        if book.title in seen:
            raise BookFileError(f"{path.name}:{line}: duplicate title {book.title!r} (line {seen[book.title]})")
        seen[book.title] = line
    return books


def parse_row(row: list[str], line: int) -> BookSpec:
    """One TSV row → BookSpec, checking every field the builder relies on."""
    def fail(reason: str) -> BookFileError:
        return BookFileError(f"line {line}: {reason}")

    if len(row) != len(COLUMNS):
        raise fail(f"expected {len(COLUMNS)} columns, got {len(row)}")
    f = dict(zip(COLUMNS, (cell.strip() for cell in row), strict=True))
    for required in ("title", "author", "publisher", "clc", "summary"):
        if not f[required]:
            raise fail(f"empty {required}")
    if len(f["summary"]) > MAX_SUMMARY:
        raise fail(f"summary longer than {MAX_SUMMARY} characters")
    try:
        year, lo, hi, copies = int(f["year"]), int(f["min_grade"]), int(f["max_grade"]), int(f["copies"])
        item_type = ItemType(f["item_type"])
        price_fen = int(Decimal(f["price"]) * 100)
    except (ValueError, InvalidOperation) as exc:
        raise fail(str(exc)) from None
    if not 1900 <= year <= 2100:
        raise fail(f"implausible year {year}")
    if not (lo == hi == TEACHERS_ONLY or 1 <= lo <= hi <= 9):
        raise fail(f"grades must be 1..9 or 0..0 (teachers only), got {lo}..{hi}")
    if not 2 <= copies <= 6:
        raise fail(f"copies must be 2..6, got {copies}")
    if price_fen <= 0:
        raise fail("price must be positive")
    return BookSpec(f["title"], f["author"], f["publisher"], year, f["clc"], lo, hi, f["subjects"],
                    f["series"], item_type, copies, price_fen, f["summary"])
