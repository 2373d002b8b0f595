"""The term's 表彰 list for the showcase: 阅读之星 per grade and 先进班级 (the librarian's side only).

The selection rule (docs/librarian.md, "表彰名单"):
- 阅读之星: per grade, the `stars` students who borrowed the most different books in the term
  (distinct titles among the loans made in the term; at least one). Borrowing the same title again
  adds nothing, so lending and returning one copy 40 times cannot make a star. Everyone tied with
  the last place is in too, so nobody is left out by a coin toss; listed by books, then name
  (pinyin order), then card number.
- 先进班级: every class whose 生均 reached its grade's target ([targets]); in a grade without a
  target, the class(es) with the grade's highest 生均 (above 0). Listed by grade, then 生均, then name.
  生均 here stays the report's 借阅册次 ÷ 学生数 (not distinct titles): it is the figure the plans'
  target is stated in and the one the 借阅目标 page, the reports and the class teacher's chat show,
  so a class on this list is exactly a class shown there as 达标. One student's re-lending moves a
  class's 生均 by 1/学生数 per loan and shows on the 借阅目标 page and in the loan records.

It never goes to a class group or a parent: only the CLI and the console produce it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from core.library import Library
from core.lists import name_sort_key
from core.reports.periods import Period
from core.reports.stats import ClassRow, Report, StudentRow, build_report
from core.targets import Targets, grade_name

STARS_PER_GRADE = 3


@dataclass(frozen=True)
class Star:
    grade: int
    place: int  # 1, 1, 3 for ties
    name: str
    class_name: str
    card_no: str
    books: int  # different titles borrowed this term


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
    """The top `per_grade` students of each grade by different titles borrowed, with everyone tied with the last place."""
    by_grade: dict[int, list[StudentRow]] = defaultdict(list)
    for row in rows:
        if row.titles > 0:
            by_grade[row.grade].append(row)
    out: list[Star] = []
    for grade, group in sorted(by_grade.items()):
        group.sort(key=lambda s: (-s.titles, name_sort_key(s.name), s.card_no))  # as every list orders names
        cut = group[min(per_grade, len(group)) - 1].titles if per_grade > 0 else None
        place, previous = 0, None
        for index, s in enumerate(group, start=1):
            if cut is None or s.titles < cut:
                break
            place = place if s.titles == previous else index
            previous = s.titles
            out.append(Star(grade, place, s.name, s.class_name, s.card_no, s.titles))
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


STARS_HEADER = "本学期借阅（种）"  # different titles: the same book borrowed again counts once


def honours_sheets(honours: Honours) -> dict[str, list[list[object]]]:
    """Sheet name → rows, for write_workbook-style output (生均 as floats: the workbook gives them 0.00)."""
    return {
        "阅读之星": [["年级", "名次", "姓名", "班级", STARS_HEADER],
                 *[[grade_name(s.grade), s.place, s.name, s.class_name, s.books] for s in honours.stars]],
        "先进班级": [["年级", "班级", "生均借阅（册）", "生均目标（册）", "借阅册次", "学生数"],
                 *[[grade_name(c.grade), c.name, round(c.per_student, 2), c.target if c.target else "本年级最高",
                    c.loans, c.students] for c in honours.classes]],
    }


def write_honours_workbook(honours: Honours, path: object) -> object:
    """Save the 表彰 list as an xlsx (one sheet for stars, one for classes); 生均 are numbers shown as 0.00."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    for name, rows in honours_sheets(honours).items():
        ws = wb.create_sheet(name)
        ws.column_dimensions["C"].width = 16
        for row in rows:
            if name == "先进班级" and isinstance(row[2], float):
                cell = WriteOnlyCell(ws, value=row[2])
                cell.number_format = "0.00"  # 生均 3.40, stored as the number 3.4
                row = [*row[:2], cell, *row[3:]]
            ws.append(row)
    wb.save(path)
    return path
