"""The rows an accepted import skipped, kept with their own cells so the librarian can fix and re-import them.

An ImportBatch's `rejected` JSON holds one entry per skipped row: `[line, reason]` (the CLI, MARC
files, batches from before this was kept) or `[line, reason, header, cells]` when the file was a
table: its header names and the row's cells as text, identity-card columns of a roster left blank.
`rejected_table` lays them out under the file's own header with 行号 and 原因 at the end, a file
the importers read again (they ignore 行号 and 原因 as columns they do not know).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from core.imports.tables import Original

LINE, REASON = "行号", "原因"


def with_cells(rejected: list[Any], originals: dict[tuple[int, str], Original]) -> list[Any]:
    """`rejected` ([[line, reason], ...] in the report's order) with each row's header and cells added.

    Rows are found by line; when a workbook's sheets share a line number, the k-th skipped entry
    of that line takes the k-th such row in reading order. A row not found keeps [line, reason].
    """
    by_line: dict[int, list[Original]] = defaultdict(list)
    for (line, _where), original in originals.items():
        by_line[line].append(original)
    taken: dict[int, int] = defaultdict(int)
    out: list[Any] = []
    for entry in rejected:
        line, reason = int(entry[0]), str(entry[1])
        candidates = by_line.get(line, [])
        k = taken[line]
        taken[line] += 1
        if k < len(candidates):
            original = candidates[k]
            out.append([line, reason, list(original.header), original.texts()])
        else:
            out.append([line, reason])
    return out


def rejected_table(rejected: list[Any]) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the download: the file's own columns (when kept) then 行号 and 原因.

    Sheets with different headers are merged by column name (the n-th column of a name with the
    n-th); a batch kept without cells gives just 行号 and 原因, as before.
    """
    keys: list[tuple[str, int]] = []
    placed: list[tuple[int, str, dict[tuple[str, int], str]]] = []
    for entry in rejected:
        line, reason = int(entry[0]), str(entry[1])
        cells: dict[tuple[str, int], str] = {}
        if len(entry) >= 4:
            header, texts = [str(h) for h in entry[2]], [str(t) for t in entry[3]]
            seen: dict[str, int] = defaultdict(int)
            for i, text in enumerate(texts):
                name = header[i] if i < len(header) else ""
                key = (name, seen[name])
                seen[name] += 1
                if key not in keys:
                    keys.append(key)
                cells[key] = text
            for i in range(len(texts), len(header)):  # a header wider than the row still shows
                key = (header[i], seen[header[i]])
                seen[header[i]] += 1
                if key not in keys:
                    keys.append(key)
        placed.append((line, reason, cells))
    head = [name for name, _ in keys] + [LINE, REASON]
    rows = [[cells.get(key, "") for key in keys] + [line, reason] for line, reason, cells in placed]
    return head, rows


def rejected_xlsx(title: str, head: list[str], rows: list[list[Any]]) -> bytes:
    """The download as an .xlsx: one sheet, the header row bold, the file's cells as text (a barcode
    0000101 or an ISBN keeps its digits when imported again), 行号 as a number."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    bold = Font(bold=True)
    header = []
    for name in head:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        out = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value if value != "" else None)
            if isinstance(value, str):
                cell.number_format = "@"
            out.append(cell)
        ws.append(out)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
