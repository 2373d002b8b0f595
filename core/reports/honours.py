"""The term's 表彰 list for the showcase: 阅读之星 per grade and 先进班级 (the librarian's side only).

The selection rule (docs/librarian.md, "表彰名单"):
- 阅读之星: per grade, the `stars` students who borrowed the most books in the term (loans made in
  the term, as 生均 counts them; at least one). Everyone tied with the last place is in too, so
  nobody is left out by a coin toss; listed by books, then name (pinyin order), then card number.
- 先进班级: every class whose 生均 reached its grade's target ([targets]); in a grade without a
  target, the class(es) with the grade's highest 生均 (above 0). Listed by grade, then 生均, then name.

It never goes to a class group or a parent: only the CLI and the console produce it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from core.library import Library
from core.lists import name_sort_key
from core.reports.periods import Period
from core.reports.stats import ClassRow, Report, StudentRow, build_report
from core.targets import Targets

STARS_PER_GRADE = 3


@dataclass(frozen=True)
class Star:
    grade: int
    place: int  # 1, 1, 3 for ties
    name: str
    class_name: str
    card_no: str
    loans: int


@dataclass(frozen=True)
class HonouredClass:
    grade: int
    name: str
    per_student: float
    target: float  # 0: the grade has no target (chosen as the grade's best)
    loans: int
    students: int


@dataclass
class Honours:
    period: Period
    stars_per_grade: int
    stars: list[Star] = field(default_factory=list)
    classes: list[HonouredClass] = field(default_factory=list)


def pick_stars(rows: list[StudentRow], per_grade: int) -> list[Star]:
    """The top `per_grade` students of each grade by loans, with everyone tied with the last place."""
    by_grade: dict[int, list[StudentRow]] = defaultdict(list)
    for row in rows:
        if row.loans > 0:
            by_grade[row.grade].append(row)
    out: list[Star] = []
    for grade, group in sorted(by_grade.items()):
        group.sort(key=lambda s: (-s.loans, name_sort_key(s.name), s.card_no))  # as every list orders names
        cut = group[min(per_grade, len(group)) - 1].loans if per_grade > 0 else None
        place, previous = 0, None
        for index, s in enumerate(group, start=1):
            if cut is None or s.loans < cut:
                break
            place = place if s.loans == previous else index
            previous = s.loans
            out.append(Star(grade, place, s.name, s.class_name, s.card_no, s.loans))
    return out


def pick_classes(rows: list[ClassRow]) -> list[HonouredClass]:
    """Classes at or above their grade's target; in a grade without one, its best 生均 (above 0)."""
    by_grade: dict[int, list[ClassRow]] = defaultdict(list)
    for row in rows:
        by_grade[row.grade].append(row)
    out: list[HonouredClass] = []
    for grade, group in sorted(by_grade.items()):
        if group[0].target:
            chosen = [c for c in group if c.reached and c.loans]
        else:
            best = max(c.per_student for c in group)
            chosen = [c for c in group if best > 0 and c.per_student == best]
        chosen.sort(key=lambda c: (-c.per_student, c.name))
        out += [HonouredClass(grade, c.name, c.per_student, c.target, c.loans, c.students) for c in chosen]
    return out


def honours_from(report: Report, stars_per_grade: int = STARS_PER_GRADE) -> Honours:
    """The 表彰 list from a built report (no further queries)."""
    return Honours(report.period, stars_per_grade, pick_stars(report.students_rows, stars_per_grade),
                   pick_classes(report.classes))


def build_honours(library: Library, period: Period, *, targets: Targets | None = None,
                  stars_per_grade: int = STARS_PER_GRADE) -> Honours:
    """This period's 阅读之星 and 先进班级 (see the module docstring for the rule)."""
    return honours_from(build_report(library, period, targets=targets), stars_per_grade)


def honours_sheets(honours: Honours) -> dict[str, list[list[object]]]:
    """Sheet name → rows, for write_workbook-style output."""
    return {
        "阅读之星": [["年级", "名次", "姓名", "班级", "本学期借阅（册）"],
                 *[[f"{s.grade}年级", s.place, s.name, s.class_name, s.loans] for s in honours.stars]],
        "先进班级": [["年级", "班级", "生均借阅（册）", "生均目标（册）", "借阅册次", "学生数"],
                 *[[f"{c.grade}年级", c.name, round(c.per_student, 2), round(c.target, 2) if c.target else "—",
                    c.loans, c.students] for c in honours.classes]],
    }


def write_honours_workbook(honours: Honours, path: object) -> object:
    """Save the 表彰 list as an xlsx (one sheet for stars, one for classes)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, rows in honours_sheets(honours).items():
        ws = wb.create_sheet(name)
        ws.column_dimensions["C"].width = 16
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path
