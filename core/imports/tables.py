"""Reading CSV (UTF-8 or GBK), .xlsx and .xls into rows keyed by our field names, with file line numbers."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.imports.headers import is_identity_header, map_columns, match_header
from core.imports.report import RowProblem
from core.imports.values import clean

MAX_CELL = 1_048_576  # characters in one CSV cell (1 MB); a longer one refuses its line
MAX_RECORD_LINES = 200  # one quoted cell spanning more lines than this is a stray quote, not a summary
HEADER_SCAN_ROWS = 20  # export title rows, notes and merged headers sit above the real header (one had 11)
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


_BIRTH = re.compile(r"^\d{6}(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]$")
_ID_SPACING = str.maketrans("", "", " -\u3000\t")


def looks_like_id_number(text: str) -> bool:
    """True for an identity-card number however written: with spaces or dashes between its groups
    (checked), or as 18 digits holding a region code and a birth date whose check fails because a
    numeric Excel cell kept only 15 significant digits. A registry number "G" + 18 characters counts
    only when its check character is right (a made-up or other number stays)."""
    if len(text) < 18:
        return False
    if is_id_number(text):
        return True
    squeezed = text.translate(_ID_SPACING)
    if len(squeezed) == 19 and squeezed[0].isascii() and squeezed[0].isalpha():
        return is_id_number(squeezed)
    return len(squeezed) == 18 and (is_id_number(squeezed) or bool(_BIRTH.match(squeezed) and squeezed.isdigit()))


class UnreadableFile(Exception):
    """The file is not a table we can read (no recognisable header row, wrong encoding...)."""


class EmptyTable(UnreadableFile):
    """A table (or worksheet) with nothing in its first rows."""


@dataclass(frozen=True)
class SourceRow:
    line: int  # the line (CSV), row (Excel) or record (MARC) number the librarian sees
    fields: dict[str, str]
    unit: str = "行"  # "第3行" for tables, "第3条记录" for MARC
    sheet: str = ""  # the worksheet's name when a workbook has several

    @property
    def where(self) -> str:
        return f"{_sheet_prefix(self.sheet)}第{self.line}{self.unit}"


def _sheet_prefix(sheet: str) -> str:
    return f"工作表“{sheet}”" if sheet else ""


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


@dataclass(frozen=True)
class Original:
    """A data row as the file has it: its table's header names and its cells as text. `hidden`: the
    columns never given out again (a roster's identity-card columns), blank in `texts`."""

    header: tuple[str, ...]
    cells: tuple[object, ...]
    hidden: frozenset[int] = frozenset()
    readers: bool = False

    def texts(self) -> list[str]:
        """The cells as text, as wide as the header; identity-card numbers blank in a roster."""
        width = max(len(self.header), len(self.cells))
        out = ["" if i in self.hidden or i >= len(self.cells) else clean(self.cells[i]) for i in range(width)]
        return ["" if self.readers and looks_like_id_number(t) else t for t in out]


@dataclass(frozen=True)
class BadLine:
    """A line of the file that cannot be read as cells (an unclosed quote, a cell over the size cap)."""

    reason: str


Numbered = tuple[int, "list[object] | BadLine"]  # (line or row number, cells)


class TableRows:
    """The data rows of one table, lazily; `notes` lists columns dropped on purpose and lines skipped
    or read with a correction (filled as the rows are iterated).

    `rows` gives (line number, cells) pairs; a BadLine becomes a row carrying `_error` (a numbered
    problem). For rosters an identity-card column (by its header, or a mapped column whose values
    are 18-character ID numbers) is never read: its values do not reach any SourceRow.
    """

    sheet = ""  # the worksheet being read, named in every row's place when a workbook has several
    # Set to a dict to keep every data row's own cells under its header, by (line, SourceRow.where):
    # what an accept needs to give the skipped rows back (core.imports.rejected). Off by default.
    originals: dict[tuple[int, str], Original] | None = None

    def __init__(self, rows: Iterable[Numbered], kind: str) -> None:
        self.notes: list[RowProblem] = []
        self._iter = self._read(iter(rows), kind)

    def _where(self, line: int, suffix: str = "") -> str:
        return f"{_sheet_prefix(self.sheet)}第{line}行{suffix}"

    def __iter__(self) -> Iterator[SourceRow]:
        return self._iter

    def __next__(self) -> SourceRow:
        return next(self._iter)

    def _read(self, rows: Iterator[Numbered], kind: str) -> Iterator[SourceRow]:
        head: list[Numbered] = []
        for numbered in rows:
            head.append(numbered)
            if len(head) >= HEADER_SCAN_ROWS:
                break
        cells_of = [c if isinstance(c, list) else [] for _, c in head]
        if not any(clean(c) for cells in cells_of for c in cells) and not any(isinstance(c, BadLine) for _, c in head):
            raise EmptyTable("文件里没有数据")
        header_index, columns = _header(cells_of, kind)
        buffered = head[header_index + 1:]
        header_line = head[header_index][0]
        header = cells_of[header_index]
        if kind == "readers":
            for numbered in rows:  # look ahead so a column is judged on enough rows
                buffered.append(numbered)
                if len(buffered) >= ID_SCAN_ROWS:
                    break
            data = [c for _, c in buffered if isinstance(c, list)]
            dropped = self._drop_identity(header, data, columns, header_line)
            if dropped:  # map again without them: a 学籍号 column can then stand in for a dropped 证号
                blanked = [[None if i in dropped else c for i, c in enumerate(cells)] for cells in cells_of]
                columns = _header(blanked, kind)[1]
        else:
            dropped = set()
        self._note_unread(header, columns, dropped, header_line, kind)
        names = [clean(c) for c in header]
        width = max((i + 1 for i, name in enumerate(names) if name), default=0)
        header_values = {field: names[i] if i < len(names) else "" for i, field in columns.items()}
        shown_header = tuple(names[:width])
        for line, cells in _chain(buffered, rows):
            if isinstance(cells, BadLine):
                yield SourceRow(line, {"_error": cells.reason}, sheet=self.sheet)
                continue
            if UNCOMPUTED in cells and (names_uncomputed := [names[i] if i < len(names) else f"第{i + 1}列"
                                                             for i in columns
                                                             if i < len(cells) and cells[i] is UNCOMPUTED]):
                yield SourceRow(line, {"_error": f"“{'、'.join(names_uncomputed)}”格是公式，但文件里没有保存计算结果："
                                                 "请在 Excel/WPS 里打开、保存后重新导入"}, sheet=self.sheet)
                continue
            values = {field: clean(cells[i]) if i < len(cells) else "" for i, field in columns.items()}
            if values == header_values:  # page-by-page exports repeat the header
                self.notes.append(RowProblem(line, self._where(line), "这一行是重复的表头，已跳过"))
                continue
            if len(cells) > width and (extra := [t for c in cells[width:] if (t := clean(c))]):
                # a roster's extra cell may hold an ID number: say how many, never what
                shown = "" if kind == "readers" else f"（“{'、'.join(extra)[:40]}”）"
                self.notes.append(RowProblem(line, self._where(line),
                                             f"这一行比表头多出{len(extra)}格{shown}，多出的内容没有导入；"
                                             "若是价格或书名里的逗号，请给这一格加上引号或改用句点"))
            if kind == "readers":  # a stray ID number in any kept cell is never stored
                values = {k: "" if looks_like_id_number(v) else v for k, v in values.items()}
            if any(values.values()):
                row = SourceRow(line, values, sheet=self.sheet)
                if self.originals is not None:
                    self.originals[line, row.where] = Original(shown_header, tuple(cells), frozenset(dropped),
                                                         kind == "readers")
                yield row

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
            self.notes.append(RowProblem(line, self._where(line, "（表头）"), "这些列与另一列重复，没有导入：" + _listed(spare)))
        if unread:
            self.notes.append(RowProblem(line, self._where(line, "（表头）"),
                                         "这些列没有导入（系统不保存或看不懂这些列名）：" + _listed(unread)))

    def _drop_identity(self, header: list[object], data: list[list[object]], columns: dict[int, str],
                       line: int) -> set[int]:
        """Column indexes holding identity-card numbers, each noted for the preview."""
        dropped: set[int] = set()
        for index in sorted(set(range(len(header))) | set(columns)):
            cell = header[index] if index < len(header) else None
            values = [clean(cells[index]) for cells in data if index < len(cells) and clean(cells[index])]
            by_value = index in columns and values and sum(map(looks_like_id_number, values)) * 2 >= len(values)
            if is_identity_header(cell) or by_value:
                dropped.add(index)
                name = clean(cell) or f"第{index + 1}列"
                self.notes.append(RowProblem(line, self._where(line, "（表头）"),
                                             f"“{name}”列是（或含有）身份证号，已整列忽略、不会保存"))
        return dropped


def _listed(names: list[str], shown: int = 30) -> str:
    """Names joined with 、, the first `shown` of them and a count of the rest."""
    more = f"等，共{len(names)}列" if len(names) > shown else ""
    return "、".join(names[:shown]) + more


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
    return TableRows(_csv_records(text, delimiter), kind), encoding


class _Lines:
    """The file's physical lines as an iterator the csv module pulls from, with a settable position."""

    def __init__(self, text: str) -> None:
        self.lines = io.StringIO(text, newline="").readlines()
        self.pos = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _csv_records(text: str, delimiter: str) -> Iterator[Numbered]:
    """(line number, cells) per record; a line a stray quote would run into the following lines, or
    holding a cell over MAX_CELL characters, is a BadLine and reading goes on at the next line.

    The strict reader fails where a stray opening quote meets the end of the file or a later
    quote; that first line is then read alone (Excel-style leniency for `"a"b` inside one line)
    or refused when its quote is never closed on it. A record spanning more than MAX_RECORD_LINES
    lines is treated the same way.
    """
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))
    lines = _Lines(text)
    while lines.pos < len(lines.lines):
        start = lines.pos
        reader = csv.reader(lines, csv.excel, delimiter=delimiter, strict=True)
        try:
            for cells in reader:
                if lines.pos - start > MAX_RECORD_LINES:
                    break
                yield start + 1, cells
                start = lines.pos
            else:
                return
        except csv.Error:
            pass
        # an error (or a record far too long): read its first line alone, then go on after it
        lines.pos = start + 1
        yield start + 1, _one_line(lines.lines[start], delimiter)


def _one_line(line: str, delimiter: str) -> list[object] | BadLine:
    if len(line) > MAX_CELL:
        return BadLine("这一行有一格超过100万字，没有导入：请检查这一行（可能是引号没有配对）")
    try:
        return next(csv.reader([line], csv.excel, delimiter=delimiter, strict=True), [])
    except csv.Error as error:
        if "end of data" in str(error):
            return BadLine("这一行的引号没有配对（某一格以 \" 开头却没有结尾的 \"），没有导入：请删去多余的引号或补上结尾的引号")
    return next(csv.reader([line], csv.excel, delimiter=delimiter), [])


class SheetRows(TableRows):
    """Rows of every visible sheet of a workbook that has a recognisable header (.xlsx via openpyxl,
    .xls via xlrd): a catalogue split into 中文图书 and 外文图书 sheets is read whole. Hidden
    sheets (old copies) and visible sheets without a header are named in `notes`, never read silently.
    """

    def __init__(self, path: Path, kind: str, fmt: str) -> None:
        self.notes = []
        self._iter = self._sheets(path, kind, fmt)

    def _sheets(self, path: Path, kind: str, fmt: str) -> Iterator[SourceRow]:
        opened = (_xlsx_sheets if fmt == "xlsx" else _xls_sheets)(path)
        sheets = next(opened)  # the workbook stays open until `opened` is closed below
        try:
            yield from self._each(sheets, kind)
        finally:
            opened.close()

    def _each(self, sheets: list[Sheet], kind: str) -> Iterator[SourceRow]:
        last_error: UnreadableFile | None = None
        read_any = False
        for name, hidden, rows in sheets:
            self.sheet = name if len(sheets) > 1 else ""
            if hidden:
                self.notes.append(RowProblem(0, "工作簿", f"工作表“{name}”是隐藏的，没有导入；"
                                             "如果要导入，请在 Excel 里取消隐藏后重新导入"))
                continue
            try:
                yield from self._read(iter(rows()), kind)
                read_any = True
            except EmptyTable as exc:  # WPS's empty Sheet2, Sheet3
                last_error = last_error or exc
            except UnreadableFile as exc:
                last_error = exc
                if read_any or len(sheets) > 1:
                    self.notes.append(RowProblem(0, "工作簿", f"工作表“{name}”里没有找到表头，没有导入"))
        if not read_any:
            raise last_error or UnreadableFile("工作簿里没有可见的工作表")


class Uncomputed:
    """A formula cell saved without its computed value (files written by other software)."""

    def __str__(self) -> str:
        return ""


UNCOMPUTED = Uncomputed()
_ZERO_PADDED = re.compile(r"^0{2,}$")  # number format "0000000": the cell shows 101 as 0000101
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
MAX_MERGED_FILL = 1_000_000  # cells filled from merged ranges per sheet (a hostile file stays cheap)


Sheet = tuple[str, bool, Callable[[], Iterator[Numbered]]]  # (name, hidden, rows)


def _xlsx_sheets(path: Path) -> Iterator[list[Sheet]]:
    """Yields once the (name, hidden, rows) of every sheet of an .xlsx; the workbook closes with the generator. Rows are read with openpyxl's streaming parser
    so each cell's style is at hand: numbers shown zero-padded keep their digits ("0000101"),
    a formula without a cached value is UNCOMPUTED (not empty), and a range merged over several
    rows gives each row its value."""
    import zipfile

    from openpyxl import load_workbook  # imported here: only Excel imports pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise UnreadableFile("这个文件不是完整的 .xlsx 工作簿（可能是改了扩展名的其他文件，或没有下载完整）："
                             "请在 Excel/WPS 里打开后另存为 .xlsx 再试") from exc
    try:
        yield [(sheet.title, getattr(sheet, "sheet_state", "visible") != "visible",
                lambda sheet=sheet: _xlsx_rows_of(workbook, sheet)) for sheet in workbook.worksheets]
    finally:
        workbook.close()


def _pad_styles(workbook: Any) -> dict[int, int]:
    """style id → digits for cell styles whose number format is zeros only ("0000000")."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    out = {}
    for style_id, style in enumerate(workbook._cell_styles):
        fmt_id = style.numFmtId
        fmt = BUILTIN_FORMATS.get(fmt_id, "") if fmt_id < BUILTIN_FORMATS_MAX_SIZE else \
            workbook._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]
        if _ZERO_PADDED.match(str(fmt).split(";")[0]):
            out[style_id] = len(fmt.split(";")[0])
    return out


def _merged_fill(sheet: Any) -> dict[int, list[tuple[int, int, int]]]:
    """row → [(column, top row, column)] for cells under the first column of a range merged over rows."""
    from openpyxl.utils import column_index_from_string

    with sheet._get_source() as src:
        xml = src.read()
    fill: dict[int, list[tuple[int, int, int]]] = {}
    budget = MAX_MERGED_FILL
    for match in _MERGE.finditer(xml):
        column = column_index_from_string(match.group(1).decode())
        top, bottom = int(match.group(2)), int(match.group(4))
        for row in range(top + 1, min(bottom, top + budget) + 1):
            fill.setdefault(row, []).append((column, top, column))
        budget -= bottom - top
        if budget <= 0:
            break
    return fill


def _xlsx_rows_of(workbook: Any, sheet: Any) -> Iterator[Numbered]:
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    pads = _pad_styles(workbook)
    fill = _merged_fill(sheet)

    class Parser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell = super().parse_cell(element)
            value = cell["value"]
            if value is None:
                if element.find(FORMULA_TAG) is not None:
                    cell["value"] = UNCOMPUTED
            elif cell["style_id"] in pads and isinstance(value, int | float) and float(value).is_integer():
                cell["value"] = f"{int(value):0{pads[cell['style_id']]}d}"
            return cell

    tops: dict[tuple[int, int], object] = {}  # (row, column) → value, for merged ranges' top-left cells
    wanted: dict[int, set[int]] = {}
    for cells in fill.values():
        for _, top, column in cells:
            wanted.setdefault(top, set()).add(column)
    with sheet._get_source() as src:
        parser = Parser(src, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                        date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        for index, cells in parser.parse():
            width = cells[-1]["column"] if cells else 0
            values: list[object] = [None] * width
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            if fill:
                for column, top, _ in fill.get(index, ()):
                    while len(values) < column:
                        values.append(None)
                    if values[column - 1] is None:
                        values[column - 1] = tops.get((top, column))
                for column in wanted.get(index, ()):
                    tops[(index, column)] = values[column - 1] if column <= len(values) else None
            yield index, values


def _xls_sheets(path: Path) -> Iterator[list[Sheet]]:
    """Yields once the (name, hidden, rows) of every sheet of an Excel 97-2003 (BIFF8) workbook; merged cells read as their
    top-left value. A damaged file (cut off, renamed) is UnreadableFile, never xlrd's own error."""
    import xlrd  # imported here: only .xls imports pay for it

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # noqa: BLE001 - xlrd raises IndexError, struct.error... on damaged files
        raise UnreadableFile("这个 .xls 文件打不开（可能已损坏或没有下载完整）：请在 Excel/WPS 里打开后另存为 .xlsx 再试") from exc
    try:
        sheets: list[Sheet] = []
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
                rows = [(r + 1, _xls_row(book, sheet.row(r))) for r in range(sheet.nrows)]
            except Exception as exc:  # noqa: BLE001 - as above
                raise UnreadableFile(f"这个 .xls 文件的第{index + 1}个工作表读不出来（可能已损坏）："
                                     "请在 Excel/WPS 里打开后另存为 .xlsx 再试") from exc
            sheets.append((sheet.name, getattr(sheet, "visibility", 0) != 0, lambda rows=rows: iter(rows)))
        yield sheets
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
