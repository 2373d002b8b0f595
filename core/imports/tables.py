"""Reading CSV (UTF-8 or GBK), .xlsx and .xls into rows keyed by our field names, with file line numbers."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.imports.headers import is_identity_header, map_columns, match_header
from core.imports.report import RowProblem
from core.imports.values import clean

HEADER_SCAN_ROWS = 10  # export title rows and merged headers sit above the real header
ID_SCAN_ROWS = 50  # data rows looked at to spot a column of identity-card numbers under another header
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def is_id_number(text: str) -> bool:
    """True for an 18-character PRC identity-card number with a valid check character (GB 11643),
    alone or behind one letter: the national student registry's 全国学籍号 is "G" + the child's ID
    number, so storing it would store the ID number."""
    if len(text) == 19 and text[0].isascii() and text[0].isalpha():
        text = text[1:]
    if not _ID_NUMBER.match(text):
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == text[17].upper()


class UnreadableFile(Exception):
    """The file is not a table we can read (no recognisable header row, wrong encoding...)."""


@dataclass(frozen=True)
class SourceRow:
    line: int  # the line (CSV), row (Excel) or record (MARC) number the librarian sees
    fields: dict[str, str]
    unit: str = "行"  # "第3行" for tables, "第3条记录" for MARC

    @property
    def where(self) -> str:
        return f"第{self.line}{self.unit}"


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-16 with a BOM (Excel's "Unicode 文本"), UTF-8, then GB18030 (⊃ GBK)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else "gbk"
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("文件编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV")


def _header(rows: list[list[object]], kind: str) -> tuple[int, dict[int, str]]:
    """The index of the last header row and its column map: the row (or pair of rows) naming most fields.

    A header merged over two rows ("书名" spanning both, "馆藏信息" over "条码|馆藏地")
    is read column by column: the lower cell's name when it is one we know, else the upper's.
    """
    best, best_map = -1, {}
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        candidates = [(index, map_columns(cells, kind))]
        if index + 1 < len(rows):
            lower = rows[index + 1]
            width = max(len(cells), len(lower))
            pair = [lower[i] if i < len(lower) and map_columns([lower[i]], kind) else
                    (cells[i] if i < len(cells) else None) for i in range(width)]
            candidates.append((index + 1, map_columns(pair, kind)))
        for end, mapped in candidates:
            if len(mapped) > len(best_map):
                best, best_map = end, mapped
    if best < 0 or len(best_map) < 2:
        raise UnreadableFile("没有找到表头：第一行（或前几行）应有“书名/条形码”或“姓名/证号”等列名")
    return best, best_map


class TableRows:
    """The data rows of one table, lazily; `notes` lists columns dropped on purpose (filled once iterated).

    For rosters an identity-card column (by its header, or a mapped column whose values are
    18-character ID numbers) is never read: its values do not reach any SourceRow.
    """

    def __init__(self, rows: Iterable[list[object]], kind: str, first_line: int = 1) -> None:
        self.notes: list[RowProblem] = []
        self._iter = self._read(iter(rows), kind, first_line)

    def __iter__(self) -> Iterator[SourceRow]:
        return self._iter

    def __next__(self) -> SourceRow:
        return next(self._iter)

    def _read(self, rows: Iterator[list[object]], kind: str, first_line: int) -> Iterator[SourceRow]:
        head: list[list[object]] = []
        for cells in rows:
            head.append(cells)
            if len(head) >= HEADER_SCAN_ROWS:
                break
        header_index, columns = _header(head, kind)
        buffered = head[header_index + 1:]
        header_line = first_line + header_index
        if kind == "readers":
            for cells in rows:  # look ahead so a column is judged on enough rows
                buffered.append(cells)
                if len(buffered) >= ID_SCAN_ROWS:
                    break
            dropped = self._drop_identity(head[header_index], buffered, columns, header_line)
            if dropped:  # map again without them: a 学籍号 column can then stand in for a dropped 证号
                blanked = [[None if i in dropped else c for i, c in enumerate(cells)] for cells in head]
                columns = _header(blanked, kind)[1]
        else:
            dropped = set()
        self._note_unread(head[header_index], columns, dropped, header_line, kind)
        line = header_line
        for cells in _chain(buffered, rows):
            line += 1
            values = {field: clean(cells[i]) if i < len(cells) else "" for i, field in columns.items()}
            if kind == "readers":  # a stray ID number in any kept cell is never stored
                values = {k: "" if len(v) in (18, 19) and is_id_number(v) else v for k, v in values.items()}
            if any(values.values()):
                yield SourceRow(line, values)

    def _note_unread(self, header: list[object], columns: dict[int, str], dropped: set[int], line: int,
                     kind: str) -> None:
        """Preview warnings naming every header the importer does not read: nothing is dropped silently.

        A second column for a field already read (学籍号 beside 学号) is named with the one used.
        """
        used = {field: clean(header[index]) for index, field in columns.items() if index < len(header)}
        unread, spare = [], []
        for index, cell in enumerate(header):
            name = clean(cell)
            if not name or index in columns or index in dropped:
                continue
            field = match_header(cell, kind)
            (spare if field in used else unread).append(f"“{name}”（用的是“{used[field]}”）" if field in used
                                                        else f"“{name}”")
        if spare:
            self.notes.append(RowProblem(line, f"第{line}行（表头）", "这些列与另一列重复，没有导入：" + "、".join(spare)))
        if unread:
            self.notes.append(RowProblem(line, f"第{line}行（表头）",
                                         "这些列没有导入（系统不保存或看不懂这些列名）：" + "、".join(unread)))

    def _drop_identity(self, header: list[object], data: list[list[object]], columns: dict[int, str],
                       line: int) -> set[int]:
        """Column indexes holding identity-card numbers, each noted for the preview."""
        dropped: set[int] = set()
        for index in sorted(set(range(len(header))) | set(columns)):
            cell = header[index] if index < len(header) else None
            values = [clean(cells[index]) for cells in data if index < len(cells) and clean(cells[index])]
            by_value = index in columns and values and sum(map(is_id_number, values)) * 2 >= len(values)
            if is_identity_header(cell) or by_value:
                dropped.add(index)
                name = clean(cell) or f"第{index + 1}列"
                self.notes.append(RowProblem(line, f"第{line}行（表头）",
                                             f"“{name}”列是（或含有）身份证号，已整列忽略、不会保存"))
        return dropped


def _chain(first: list[list[object]], rest: Iterator[list[object]]) -> Iterator[list[object]]:
    yield from first
    yield from rest


def read_csv(data: bytes, kind: str) -> tuple[Iterator[SourceRow], str]:
    """Rows of a CSV file (comma, tab or semicolon separated) and the encoding found.

    Only the delimiter is guessed. Quoting is always Excel's (`"` quotes, `""` escapes one):
    letting csv.Sniffer guess it from the first 4 KB took `'` for the quote character when one
    title was '三体', and missed `""` further down, splitting or garbling rows without a word.
    """
    text, encoding = decode(data)
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    return TableRows(reader, kind), encoding  # type: ignore[arg-type]


class SheetRows(TableRows):
    """Rows of the first sheet of a workbook that has a recognisable header (.xlsx via openpyxl, .xls via xlrd)."""

    def __init__(self, path: Path, kind: str, fmt: str) -> None:
        self.notes = []
        self._iter = self._sheets(path, kind, fmt)

    def _sheets(self, path: Path, kind: str, fmt: str) -> Iterator[SourceRow]:
        last_error: UnreadableFile | None = None
        for rows in (_xlsx_sheets if fmt == "xlsx" else _xls_sheets)(path):
            try:
                yield from self._read(iter(rows), kind, 1)
                return
            except UnreadableFile as exc:
                last_error = exc
        raise last_error or UnreadableFile("工作簿里没有工作表")


def _xlsx_sheets(path: Path) -> Iterator[Iterator[list[object]]]:
    from openpyxl import load_workbook  # imported here: only Excel imports pay for it

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            yield (list(r) for r in sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def _xls_sheets(path: Path) -> Iterator[Iterator[list[object]]]:
    """Sheets of an Excel 97-2003 (BIFF8) workbook; merged cells read as their top-left value, like xlsx."""
    import xlrd  # imported here: only .xls imports pay for it

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except xlrd.XLRDError as exc:
        raise UnreadableFile("这个 .xls 文件打不开：请在 Excel/WPS 里打开后另存为 .xlsx 再试") from exc
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            yield (_xls_row(book, sheet.row(r)) for r in range(sheet.nrows))
    finally:
        book.release_resources()


def _xls_row(book: object, cells: list) -> list[object]:
    import xlrd

    out: list[object] = []
    for cell in cells:
        if cell.ctype == xlrd.XL_CELL_DATE:
            out.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode).date().isoformat())  # type: ignore[attr-defined]
        elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            out.append(None)
        else:
            out.append(cell.value)
    return out


def read_xlsx(path: Path, kind: str) -> SheetRows:
    """Rows of the first .xlsx sheet that has a recognisable header."""
    return SheetRows(path, kind, "xlsx")


def read_xls(path: Path, kind: str) -> SheetRows:
    """Rows of the first .xls (Excel 97-2003) sheet that has a recognisable header."""
    return SheetRows(path, kind, "xls")
