"""Round trip: a random catalogue written as a real export reads back into the database exactly.

Formats: CSV in UTF-8 with a BOM and in GBK, .xlsx (prices as numbers and as text), CNMARC ISO 2709
in UTF-8 and GBK (character set declared in 100$a/26-29), with and without CR LF between records.
Every example imports into a fresh SQLite library (a copy of the session's migrated template), then
the titles (title, author, ISBN), copies (barcode → title), prices in fen, call numbers and
locations in the database must be exactly those generated, with no problem or warning reported.
"""
from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.clock import FixedClock
from core.imports import import_catalogue, open_source
from core.imports.report import ImportReport
from core.isbn import make_isbn13
from core.library import Library
from core.models import Item, Title
from tests.conftest import DEFAULT_NOW
from tests.librarian.iso2709 import field, record


def _gbk_ok(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


# Characters from real book titles and names; rarer ones GBK holds but GB2312 does not (镕 堃 喆 犇 赟
# 玥 珺 旻 祎 翀 昇 彧 頔); 〇 as in 二〇二四; and the 21 CJK compatibility ideographs GBK holds (郎 﨎 﨑 ...).
_COMMON = "草房子青铜葵花细米城南旧事三体小王子狼梦窗边的女孩夏洛网西游记水浒传红楼国演义呐喊朝花夕拾骆驼祥海底两万里"
_RARE = "镕堃喆犇赟玥珺旻祎翀昇彧頔〇"
_COMPAT = "".join(c for c in map(chr, range(0xF900, 0xFB00)) if _gbk_ok(c))
assert _gbk_ok(_COMMON + _RARE) and len(_COMPAT) == 21
_HAN = st.sampled_from(_COMMON + _RARE + _COMPAT) | st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_TITLE_EXTRA = st.sampled_from("0123456789ABCxyz：·—（）《》，、！？ ,;\"'")
_ROLES = ("", "著", "编著", "主编")  # what CNMARC 200$f carries after the name; the importer drops it
_NOT_LAST = "著编译绘撰写等"  # a 3+ character name ending like a role loses that character, by design


@dataclass(frozen=True)
class PriceStyle:
    """How one export writes a price: 18.50 / 18.5 / ¥18.50 / 1,234.50元 / CNY18.50 ..."""

    prefix: str
    suffix: str
    trim: bool  # drop trailing zeros of the fen part
    thousands: bool

    def render(self, fen: int) -> str:
        yuan, cents = divmod(fen, 100)
        decimals = f"{cents:02d}".rstrip("0") if self.trim else f"{cents:02d}"
        number = (f"{yuan:,}" if self.thousands else str(yuan)) + (f".{decimals}" if decimals else "")
        return f"{self.prefix}{number}{self.suffix}"


@dataclass(frozen=True)
class Copy:
    barcode: str
    price_fen: int
    price: PriceStyle
    call_number: str  # "I287.45/C69": class number / author mark
    location: str


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    isbn: str | None  # normalised ISBN-13
    isbn_style: str  # plain | hyphens | isbn10 | labelled
    role: str
    copies: tuple[Copy, ...]

    @property
    def isbn_text(self) -> str:
        """The ISBN as the export writes it."""
        assert self.isbn is not None
        i = self.isbn
        if self.isbn_style == "hyphens":
            return f"{i[:3]}-{i[3]}-{i[4:8]}-{i[8:12]}-{i[12]}"
        if self.isbn_style == "isbn10":
            body = i[3:12]
            check = sum((10 - n) * int(d) for n, d in enumerate(body)) % 11
            return f"{body[0]}-{body[1:5]}-{body[5:9]}-" + "0123456789X"[(11 - check) % 11]
        if self.isbn_style == "labelled":
            return f"ISBN {i}"
        return i


def price_styles(gbk: bool) -> st.SearchStrategy[PriceStyle]:
    """Price spellings seen in exports; a GBK file cannot hold the half-width ¥ (U+00A5), so it writes ￥."""
    prefixes = ["", "￥", "CNY", "RMB", "人民币"] + ([] if gbk else ["¥"])
    affix = st.one_of(st.tuples(st.sampled_from(prefixes), st.just("")), st.tuples(st.just(""), st.just("元")))
    return st.builds(lambda a, trim, th: PriceStyle(a[0], a[1], trim, th), affix, st.booleans(), st.booleans())


_TITLE = st.text(_HAN | _TITLE_EXTRA, min_size=1, max_size=16).filter(lambda t: t.strip() == t)
_NAME = st.text(_HAN, min_size=1, max_size=4)
_AUTHOR = st.one_of(
    st.just(""), _NAME.filter(lambda a: len(a) >= 2),
    st.builds(lambda a, b: f"{a}·{b}", _NAME, _NAME),  # translated names: 汉斯·安徒生
).filter(lambda a: len(a) <= 2 or a[-1] not in _NOT_LAST)
_CALL = st.from_regex(r"\A[A-Z]{1,2}[0-9]{1,3}(\.[0-9]{1,3})?/[A-Z][0-9]{1,3}\Z")
_LOCATION = st.one_of(
    st.builds(lambda f, s: f"{f}楼{s}架", st.sampled_from("一二三四五"), st.sampled_from("ABCDEF")),
    st.text(_HAN, min_size=1, max_size=6),
)


@st.composite
def catalogues(draw: st.DrawFn, *, gbk: bool) -> list[Book]:
    """1-8 titles, each with or without a distinct ISBN-13 and 1-4 copies with catalogue-unique barcodes."""
    count = draw(st.integers(1, 8))
    copies_each = draw(st.lists(st.integers(1, 4), min_size=count, max_size=count))
    numbers = draw(st.lists(st.integers(0, 9_999_999), min_size=sum(copies_each), max_size=sum(copies_each),
                            unique=True))
    prefix = draw(st.sampled_from(["B", "T", "GS", ""]))
    barcodes = iter(f"{prefix}{n:07d}" for n in numbers)
    isbns = draw(st.lists(st.integers(0, 99_999_999), min_size=count, max_size=count, unique=True))
    names = draw(st.lists(st.tuples(_TITLE, _AUTHOR), min_size=count, max_size=count, unique=True))
    styles = price_styles(gbk)
    books = []
    for (title, author), isbn, copies in zip(names, isbns, copies_each, strict=True):
        books.append(Book(
            title, author, make_isbn13(f"9787{isbn:08d}") if draw(st.booleans()) else None,
            draw(st.sampled_from(["plain", "hyphens", "isbn10", "labelled"])), draw(st.sampled_from(_ROLES)),
            tuple(Copy(next(barcodes), draw(st.integers(0, 99_999)), draw(styles), draw(_CALL), draw(_LOCATION))
                  for _ in range(copies))))
    return books


# --- writing the catalogue as exports do ---------------------------------------------------------------

_HEADERS = [  # barcode, title, author, ISBN, price, call number, location: as different systems name them
    ["条形码", "正题名", "责任者", "ISBN", "定价", "索书号", "馆藏地"],
    ["条码号", "书名", "作者", "国际标准书号", "价格", "索取号", "馆藏位置"],
    ["图书条码", "题名", "第一责任者", "ISBN号", "单价", "排架号", "存放位置"],
]


def _table_rows(books: list[Book], order: list[int], price_cell: Callable[[Copy], object],
                isbn_cell: Callable[[Book], object] = lambda b: b.isbn_text) -> Iterator[list[object]]:
    for book in books:
        for copy in book.copies:
            cells = [copy.barcode, book.title, book.author, isbn_cell(book) if book.isbn else "",
                     price_cell(copy), copy.call_number, copy.location]
            yield [cells[i] for i in order]


def write_csv(path: Path, books: list[Book], encoding: str, data: st.DataObject) -> Path:
    header = data.draw(st.sampled_from(_HEADERS), label="header")
    order = data.draw(st.permutations(range(7)), label="column order")
    ending = data.draw(st.sampled_from(["\r\n", "\n"]), label="line ending")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=ending)
    writer.writerow([header[i] for i in order])
    writer.writerows(_table_rows(books, order, lambda c: c.price.render(c.price_fen)))
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, books: list[Book], data: st.DataObject) -> Path:
    from openpyxl import Workbook

    header = data.draw(st.sampled_from(_HEADERS), label="header")
    order = data.draw(st.permutations(range(7)), label="column order")
    banner = data.draw(st.booleans(), label="title row above the header")

    def price_cell(copy: Copy) -> object:
        if data.draw(st.booleans(), label=f"price of {copy.barcode} as a number"):  # 18.5, or 18 for whole yuan, as Excel stores a typed-in price
            return copy.price_fen // 100 if copy.price_fen % 100 == 0 else copy.price_fen / 100
        return copy.price.render(copy.price_fen)

    workbook = Workbook()
    sheet = workbook.active
    if banner:
        sheet.append(["阳光小学图书馆馆藏目录"])
    sheet.append([header[i] for i in order])
    isbn_as_number = data.draw(st.booleans(), label="ISBNs as numbers")  # Excel shows 9.78754E+12

    def isbn_cell(book: Book) -> object:
        return int(book.isbn) if isbn_as_number and book.isbn else book.isbn_text

    for cells in _table_rows(books, order, price_cell, isbn_cell):
        sheet.append(cells)
    workbook.save(path)
    return path


def write_marc(path: Path, books: list[Book], encoding: str, between: bytes, data: st.DataObject) -> Path:
    """One CNMARC record per title, as dp2 writes it: 010 $a ISBN $d price, 200 $a title $f author+role,
    701 $a author (sometimes), one 905 per copy: $a library $b barcode $c location $d class $e mark $f price."""
    sets = "50  " if encoding == "utf-8" else "0120"
    always_f = data.draw(st.booleans(), label="905$f on every copy")
    with_701 = data.draw(st.booleans(), label="701 written")
    records = []
    for number, book in enumerate(books, start=1):
        first = book.copies[0]
        fields = [("001", f"R{number:06d}".encode()),
                  ("100", field("  ", ("a", f"20240101d2024    em y0chiy{sets}    ea".encode())))]
        isbn = [("a", book.isbn_text.encode(encoding))] if book.isbn else []
        fields.append(("010", field("  ", *isbn, ("d", first.price.render(first.price_fen).encode(encoding)))))
        title = [("a", book.title.encode(encoding))]
        if book.author:
            title.append(("f", (book.author + book.role).encode(encoding)))
        fields.append(("200", field("1 ", *title)))
        if with_701 and book.author:
            fields.append(("701", field(" 0", ("a", book.author.encode(encoding)))))
        for copy in book.copies:
            cls, mark = copy.call_number.split("/")
            subfields = [("a", "阳光小学".encode(encoding)), ("b", copy.barcode.encode(encoding)),
                         ("c", copy.location.encode(encoding)), ("d", cls.encode()), ("e", mark.encode())]
            if always_f or copy.price_fen != first.price_fen:  # else the copy costs 010$d
                subfields.append(("f", copy.price.render(copy.price_fen).encode(encoding)))
            fields.append(("905", field("  ", *subfields)))
        records.append(record(fields) + between)
    path.write_bytes(b"".join(records))
    return path


# --- importing and comparing -----------------------------------------------------------------------------

@contextmanager
def fresh_library(template: Path) -> Iterator[tuple[Library, Path]]:
    """A new migrated SQLite library in its own folder (what the `library` fixture gives, once per example)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "library.db"
        shutil.copy(template, path)
        library = Library.open(f"sqlite:///{path}", clock=FixedClock(DEFAULT_NOW), migrate=False)
        try:
            yield library, Path(folder)
        finally:
            library.close()


def run(library: Library, path: Path) -> ImportReport:
    source = open_source(path, "catalogue")
    return import_catalogue(library, source.rows, filename=path.name, sha256=source.sha256)


def held(library: Library) -> tuple[Counter, dict[str, tuple]]:
    """Titles as a multiset of (title, author, ISBN); copies by barcode → (title row, fen, call, location)."""
    with library.uow() as uow:
        titles = Counter(tuple(row) for row in uow.session.execute(select(Title.title, Title.author, Title.isbn)))
        copies = {barcode: ((title, author, isbn), fen, call, location)
                  for barcode, title, author, isbn, fen, call, location in uow.session.execute(
                      select(Item.barcode, Title.title, Title.author, Title.isbn, Item.price_fen,
                             Item.call_number, Item.location).join(Title, Item.title_id == Title.id))}
    return titles, copies


def expected(books: list[Book]) -> tuple[Counter, dict[str, tuple]]:
    titles = Counter((b.title, b.author, b.isbn) for b in books)
    copies = {c.barcode: ((b.title, b.author, b.isbn), c.price_fen, c.call_number, c.location)
              for b in books for c in b.copies}
    return titles, copies


FORMATS = ["csv-utf8-bom", "csv-gbk", "xlsx", "marc-utf8", "marc-gbk", "marc-utf8-crlf", "marc-gbk-crlf"]


def write(fmt: str, folder: Path, books: list[Book], data: st.DataObject) -> Path:
    if fmt == "csv-utf8-bom":
        return write_csv(folder / "馆藏.csv", books, "utf-8-sig", data)
    if fmt == "csv-gbk":
        return write_csv(folder / "馆藏.csv", books, "gbk", data)
    if fmt == "xlsx":
        return write_xlsx(folder / "馆藏.xlsx", books, data)
    encoding = "gbk" if "gbk" in fmt else "utf-8"
    return write_marc(folder / "dp2导出.iso", books, encoding, b"\r\n" if fmt.endswith("crlf") else b"", data)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_catalogue_exported_then_imported_is_held_exactly(sqlite_template: Path, fmt: str,
                                                            data: st.DataObject) -> None:
    books = data.draw(catalogues(gbk="gbk" in fmt), label="catalogue")
    with fresh_library(sqlite_template) as (library, folder):
        report = run(library, write(fmt, folder, books, data))
        assert (report.problems, report.warnings) == ([], [])
        assert report.committed
        assert report.counts == {"titles_created": len(books), "items_created": sum(len(b.copies) for b in books)}
        assert held(library) == expected(books)


# --- what the round trip found (issue 13): CSV dialect sniffing, core/imports/tables.py read_csv ---------

def _import_csv(template: Path, text: str) -> dict[str, tuple[str, str]]:
    with fresh_library(template) as (library, folder):
        path = folder / "馆藏.csv"
        path.write_bytes(text.encode("utf-8-sig"))
        report = run(library, path)
        assert report.committed and not report.problems, report.problems
        with library.uow() as uow:
            return {b: (t, loc) for b, t, loc in uow.session.execute(
                select(Item.barcode, Title.title, Item.location).join(Title, Item.title_id == Title.id))}


@pytest.mark.parametrize("title", ["'三体'", "The 'best' book"])
def test_single_quotes_in_a_csv_title_change_how_the_whole_file_is_read(sqlite_template: Path, title: str) -> None:
    # '三体' is stored as 三体; with The 'best' book, the properly double-quoted "你好,世界" (as Excel and
    # Python's csv write it) is split at its comma: title “"你好”, location “世界"”, and no problem reported.
    text = f'条形码,书名,馆藏地\r\nB1,{title},二楼\r\nB2,"你好,世界",三楼\r\n'
    assert _import_csv(sqlite_template, text) == {"B1": (title, "二楼"), "B2": ("你好,世界", "三楼")}


def test_a_doubled_quote_after_the_first_4096_characters_is_read_as_one_quote(sqlite_template: Path) -> None:
    # Quoted fields early on but no "" among them: the sniffed dialect has doublequote=False, so a later
    # "The ""best"" book" is stored as The "best"" book" (silently).
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerows([["条形码", "书名", "馆藏地"], ["B0", "你好,世界", "二楼"]]
                     + [[f"B{n}", "草房子", "二楼"] for n in range(1, 400)] + [["B999", 'The "best" book', "二楼"]])
    assert len(buffer.getvalue()) > 4096
    assert _import_csv(sqlite_template, buffer.getvalue())["B999"] == ('The "best" book', "二楼")
