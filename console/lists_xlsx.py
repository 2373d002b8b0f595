"""A list as a table (title, typed columns, rows) and as an xlsx workbook, one sheet per table.

The same `Table` feeds the HTML page and the download, so both always show the same columns.
Written with openpyxl in write-only mode, as core/reports/workbook.py does (fast for thousands of rows).
"""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Kind = Literal["text", "int", "date", "yuan", "decimal", "number"]
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet name


@dataclass(frozen=True)
class Column:
    """A column header and how its cells are shown: text, int, date (school date), yuan (cells in fen),
    decimal (a float shown with two decimals, 4.95; a number in the xlsx) or number (a float as is, 4 or 3.5).
    A str in a decimal or number column ("—") is shown and written as text."""

    header: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    """One list: a title, its columns, rows of raw cells (str, int, date, fen for yuan columns, or None).

    `total` is (label, column index, value in the column's units) for a last summing row.
    """

    title: str
    columns: tuple[Column, ...]
    rows: list[list[object]]
    note: str = ""
    empty: str = "没有记录。"
    total: tuple[str, int, int] | None = field(default=None)


def show(value: object, kind: Kind) -> str:
    """A cell as the HTML page shows it: dates as 2026-11-18, fen as 2.50, None as empty."""
    if value is None or value == "":
        return ""
    if kind == "yuan" and isinstance(value, int):
        return f"{value / 100:.2f}"
    if kind == "decimal" and isinstance(value, int | float):
        return f"{value:.2f}"
    if kind == "number" and isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cell(ws: Any, value: object, kind: Kind) -> object:
    if kind == "yuan" and isinstance(value, int):
        return round(value / 100, 2)
    if kind == "decimal" and isinstance(value, int | float):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=round(float(value), 2))
        cell.number_format = "0.00"  # 3.40 on screen, the number 3.4 in the cell
        return cell
    if isinstance(value, str):
        # Control characters (an imported title, a pasted name) are refused by the xlsx format:
        # openpyxl raises and the whole download would fail. They carry nothing a reader can see.
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store a title like "=HYPERLINK(...)" as a formula: keep it a plain string cell.
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _sheet_name(title: str, used: set[str]) -> str:
    name = _SHEET_BAD.sub("_", title)[:28] or "清单"
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name[:26]}{n}", n + 1
    used.add(candidate)
    return candidate


def workbook_bytes(tables: Sequence[Table]) -> bytes:
    """An .xlsx file: one sheet per table, the header row first, dates as Excel dates, yuan as numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        ws = wb.create_sheet(_sheet_name(table.title, used))
        for index, column in enumerate(table.columns):
            letter = chr(ord("A") + index)
            ws.column_dimensions[letter].width = 24 if column.kind == "text" else 12
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(ws, value=column.header)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        kinds = [c.kind for c in table.columns]
        for row in table.rows:
            ws.append([_cell(ws, v, k) for v, k in zip(row, kinds, strict=True)])
        if table.total is not None:
            label, index, value = table.total
            last: list[object] = [None] * len(kinds)
            last[0], last[index] = label, _cell(ws, value, kinds[index])
            ws.append(last)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
