"""The whole rota from one workbook (借阅轮流表.xlsx): one row per turn, checked before anything is written.

Columns, found by their header (the first row that has 班级): 班级, 星期, 时间 (12:10-12:50), and
optionally 间隔 (1 每周 / 2 隔周), 起始 (the first turn week's date), 地点. Every bad cell is reported as
"第N行 C列（星期）：reason"; with any error nothing is written. With none, the classes in the file get
exactly the turns in the file, in one transaction; classes the file does not name keep theirs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from core.library import Library
from core.rota.schedule import WEEKDAY_NAMES, RotaInvalid, Turn, monday_of, never_comes, overlaps
from core.rota.service import ClassRota, find_class, make_turn, replace_rota

HEADERS: dict[str, tuple[str, ...]] = {
    "class": ("班级", "班别", "班"),
    "weekday": ("星期", "借阅日", "周几", "星期几"),
    "window": ("时间", "时段", "借阅时间"),
    "every": ("间隔", "每几周", "频率", "周期"),
    "start": ("起始", "起始日期", "开始日期", "从", "起始周"),
    "place": ("地点", "场所", "位置"),
}
LABELS = {"class": "班级", "weekday": "星期", "window": "时间", "every": "间隔", "start": "起始", "place": "地点"}
REQUIRED = ("class", "weekday", "window")
MAX_ROWS = 2000
MAX_SCAN_ROWS = 100_000  # rows looked at past MAX_ROWS for one that is not empty
EXCEL_SERIALS = (36526, 73051)  # Excel day numbers of 2000-01-01 and 2100-01-01


@dataclass
class TimetableProblems(Exception):
    """Every problem found in the file (line, column letter, field, message); nothing was written."""

    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.problems)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> date | None:
    from core.school_calendar import CalendarInvalid, parse_day
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if EXCEL_SERIALS[0] <= value < EXCEL_SERIALS[1]:  # an Excel date number (a cell not formatted as a date)
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise RotaInvalid({"start": f"“{_text(value)}”不是日期，请写成 2026-09-07 这样。"})
    try:
        return parse_day(_text(value))
    except CalendarInvalid:
        raise RotaInvalid({"start": f"“{_text(value)}”不是日期，请写成 2026-09-07 这样。"}) from None


def read_timetable(path: Path, library: Library) -> dict[str, list[Turn]]:
    """The turns per class name as stored ('三年级2班'); TimetableProblems lists every bad cell."""
    return {name: [turn for _, turn in rows] for name, rows in _read(path, library).items()}


def _read(path: Path, library: Library) -> dict[str, list[tuple[int, Turn]]]:
    """The turns per class name with the line each came from; TimetableProblems lists every bad cell."""
    from openpyxl import load_workbook

    today = library.today()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same answer
        raise TimetableProblems(["文件打不开：请用 Excel 另存为 .xlsx 后再导入。"]) from None
    rows: list[tuple[Any, ...]] = []
    uncached: list[tuple[int, int]] = []  # (line, column index) of formulas without a saved value
    overflow = 0
    values, written_rows = book.worksheets[0].iter_rows(values_only=True), formulas.worksheets[0].iter_rows(values_only=True)
    try:
        for number, (row, written) in enumerate(zip(values, written_rows, strict=False), start=1):
            if number > MAX_ROWS + 5:
                if any(_text(c) for c in row) or any(_text(c) for c in written):
                    overflow = number
                    break
                if number > MAX_ROWS + MAX_SCAN_ROWS:
                    break
                continue
            rows.append(row)
            uncached += [(number, i) for i, c in enumerate(written)
                         if isinstance(c, str) and c.startswith("=") and (i >= len(row) or row[i] is None)]
    finally:
        values.close()  # type: ignore[attr-defined]
        written_rows.close()  # type: ignore[attr-defined]
        book.close()
        formulas.close()
    columns: dict[str, int] = {}
    header_line = 0
    for number, row in enumerate(rows[:5], start=1):
        cells = [_text(c) for c in row]
        if any(c in HEADERS["class"] for c in cells):
            for index, cell in enumerate(cells):
                for key, names in HEADERS.items():
                    if cell in names and key not in columns:
                        columns[key] = index
            header_line = number
            break
    missing = [LABELS[k] for k in REQUIRED if k not in columns]
    if not header_line or missing:
        raise TimetableProblems([f"第一行要有表头：班级、星期、时间（可选：间隔、起始、地点）；缺少{'、'.join(missing or ['班级'])}。"])

    last = header_line + MAX_ROWS
    beyond = [i for i, row in enumerate(rows[last:], start=last + 1) if any(_text(c) for c in row)]
    if overflow or beyond or any(line > last for line, _ in uncached):
        first_unread = last + 1
        raise TimetableProblems([f"表太长了：一次最多导入{MAX_ROWS}行借阅时间，第{first_unread}行起没有读。"
                                 "请分成几个文件导入（表里没有的班级保持原样）。"])
    problems: list[str] = []
    used = set(columns.values())
    for line, index in uncached:
        if line > header_line and index in used:
            problems.append(f"第{line}行 {_letter(index)}列：是公式，请复制后选择性粘贴为数值，再导入。")
    timetable: dict[str, list[Turn]] = {}
    lines: dict[str, list[tuple[int, Turn]]] = {}
    with library.read_uow() as uow:
        calendar = library.calendar(uow.session)
        for number, row in enumerate(rows[header_line:last], start=header_line + 1):
            cells = {key: (row[i] if i < len(row) else None) for key, i in columns.items()}
            if all(_text(v) == "" for v in cells.values()):
                continue
            errors: dict[str, str] = {}
            class_name = ""
            try:
                if not _text(cells["class"]):
                    raise RotaInvalid({"class": "没有填写班级。"})
                class_name = find_class(uow.session, _text(cells["class"])).name
            except RotaInvalid as invalid:
                errors.update(invalid.errors)
            turn, start = None, None
            try:
                start = _date(cells.get("start"))
            except RotaInvalid as invalid:
                errors.update(invalid.errors)
            try:
                turn = make_turn(_text(cells["weekday"]), _text(cells["window"]),
                                 every=_text(cells.get("every")) or 1, start=start,
                                 place=_text(cells.get("place")), today=today, calendar=calendar)
            except RotaInvalid as invalid:
                errors.update(invalid.errors)
            if turn is not None and class_name and not errors:
                clash = next(((line, t) for line, t in lines.get(class_name, []) if overlaps(t, turn)), None)
                if clash is not None:
                    line, other = clash
                    errors["window"] = (f"和第{line}行时间重叠（{class_name}{WEEKDAY_NAMES[turn.weekday]} "
                                        f"{other.starts}-{other.ends} 和 {turn.starts}-{turn.ends}），请改开时间或只留一行。")
                else:
                    lines.setdefault(class_name, []).append((number, turn))
                    timetable.setdefault(class_name, []).append(turn)
            for key, message in errors.items():
                column = columns.get(key, columns["class"])
                problems.append(f"第{number}行 {_letter(column)}列（{LABELS.get(key, key)}）：{message}")
    if problems:
        raise TimetableProblems(problems)
    if not timetable:
        raise TimetableProblems(["表里没有任何借阅时间，请在表头下面每行写一个班的一次借阅。"])
    return lines


def import_timetable(path: Path, library: Library, *, actor: str,
                     warnings: list[str] | None = None) -> list[ClassRota]:
    """Read and check the whole file, then replace the named classes' turns in one transaction.
    `warnings` (when given) gets one line per saved row that never comes within a year, or that
    starts after this week."""
    lines = _read(path, library)
    result = replace_rota(library, {name: [t for _, t in rows] for name, rows in lines.items()}, actor=actor)
    if warnings is not None:
        calendar, today = library.school_calendar(), library.today()
        for rota in result:
            for line, typed in lines.get(rota.class_name, []):
                saved = next((t for t in rota.turns if (t.weekday, t.starts) == (typed.weekday, typed.starts)), typed)
                why = never_comes(saved, calendar, today)
                if why:
                    warnings.append(f"第{line}行 {rota.class_name}：{why}")
                elif saved.first_week is not None and saved.first_week > monday_of(today):
                    warnings.append(f"第{line}行 {rota.class_name}：{saved.describe(today)}，这之前不轮。")
    return result
