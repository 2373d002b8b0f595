"""The whole rota from one workbook (借阅轮流表.xlsx): one row per turn, checked before anything is written.

Columns, found by their header (the first row that has 班级): 班级, 星期, 时间 (12:10-12:50), and
optionally 间隔 (1 每周 / 2 隔周), 起始 (the first turn week's date), 地点. Every bad cell is reported as
"第N行 C列（星期）：reason"; with any error nothing is written. With none, the classes in the file get
exactly the turns in the file, in one transaction; classes the file does not name keep theirs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.library import Library
from core.rota.schedule import RotaInvalid, Turn
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
    try:
        return parse_day(_text(value))
    except CalendarInvalid:
        raise RotaInvalid({"start": f"“{_text(value)}”不是日期，请写成 2026-09-07 这样。"}) from None


def read_timetable(path: Path, library: Library) -> dict[str, list[Turn]]:
    """The turns per class name as stored ('三年级2班'); TimetableProblems lists every bad cell."""
    from openpyxl import load_workbook

    today = library.today()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same answer
        raise TimetableProblems(["文件打不开：请用 Excel 另存为 .xlsx 后再导入。"]) from None
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 10))
    finally:
        book.close()
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

    problems: list[str] = []
    timetable: dict[str, list[Turn]] = {}
    seen: dict[tuple[str, int, str], int] = {}
    with library.read_uow() as uow:
        for number, row in enumerate(rows[header_line:], start=header_line + 1):
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
            turn = None
            try:
                start = _date(cells.get("start"))
                turn = make_turn(_text(cells["weekday"]), _text(cells["window"]),
                                 every=_text(cells.get("every")) or 1, start=start,
                                 place=_text(cells.get("place")), today=today)
            except RotaInvalid as invalid:
                errors.update(invalid.errors)
            if turn is not None and class_name and not errors:
                key = (class_name, turn.weekday, turn.starts)
                if key in seen:
                    errors["weekday"] = f"和第{seen[key]}行重复（同一班级、同一天、同一时间）。"
                else:
                    seen[key] = number
                    timetable.setdefault(class_name, []).append(turn)
            for key, message in errors.items():
                column = columns.get(key, columns["class"])
                problems.append(f"第{number}行 {_letter(column)}列（{LABELS.get(key, key)}）：{message}")
    if problems:
        raise TimetableProblems(problems)
    if not timetable:
        raise TimetableProblems(["表里没有任何借阅时间，请在表头下面每行写一个班的一次借阅。"])
    return timetable


def import_timetable(path: Path, library: Library, *, actor: str) -> list[ClassRota]:
    """Read and check the whole file, then replace the named classes' turns in one transaction."""
    return replace_rota(library, read_timetable(path, library), actor=actor)
