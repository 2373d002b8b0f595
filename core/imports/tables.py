"""Reading CSV (UTF-8 or GBK) and .xlsx into rows keyed by our field names, with file line numbers."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.imports.headers import map_columns
from core.imports.values import clean

HEADER_SCAN_ROWS = 10  # export title rows and merged headers sit above the real header


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


def _rows(rows: Iterator[list[object]], kind: str, first_line: int = 1) -> Iterator[SourceRow]:
    head: list[list[object]] = []
    for cells in rows:
        head.append(cells)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    header_index, columns = _header(head, kind)
    buffered = head[header_index + 1:]
    line = first_line + header_index
    for cells in _chain(buffered, rows):
        line += 1
        values = {field: clean(cells[i]) if i < len(cells) else "" for i, field in columns.items()}
        if any(values.values()):
            yield SourceRow(line, values)


def _chain(first: list[list[object]], rest: Iterator[list[object]]) -> Iterator[list[object]]:
    yield from first
    yield from rest


def read_csv(data: bytes, kind: str) -> tuple[Iterator[SourceRow], str]:
    """Rows of a CSV file (comma, tab or semicolon separated) and the encoding found."""
    text, encoding = decode(data)
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    return _rows(iter(reader), kind), encoding  # type: ignore[arg-type]


def read_xlsx(path: Path, kind: str) -> Iterator[SourceRow]:
    """Rows of the first sheet that has a recognisable header."""
    from openpyxl import load_workbook  # imported here: only Excel imports pay for it

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        last_error: UnreadableFile | None = None
        for sheet in workbook.worksheets:
            try:
                yield from _rows((list(r) for r in sheet.iter_rows(values_only=True)), kind)
                return
            except UnreadableFile as exc:
                last_error = exc
        raise last_error or UnreadableFile("工作簿里没有工作表")
    finally:
        workbook.close()
