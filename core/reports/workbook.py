"""The report as an Excel workbook: one sheet per table, ready to paste into the term summary."""
from __future__ import annotations

from pathlib import Path

from core.reports.stats import Report


def _pct(x: float) -> float:
    return round(x * 100, 1)


def summary_rows(report: Report) -> list[tuple[str, object]]:
    """The headline figures (shared by the workbook and the text output)."""
    return [
        ("统计时段", f"{report.period.name}（{report.period.start} 至 {report.period.end}）"),
        ("馆藏册数", report.holdings),
        ("借阅总册次", report.loans),
        ("学生借阅册次", report.student_loans),
        ("教师借阅册次", report.teacher_loans),
        ("集体借阅册次（班级图书角）", report.class_loans),
        ("在校学生数", report.students),
        ("借过书的学生数", report.borrowers),
        ("生均借阅（册）", round(report.per_student, 2)),
        ("流通率（借阅册次/馆藏，%）", _pct(report.circulation_rate)),
        ("借阅覆盖率（%）", _pct(report.coverage)),
        ("逾期册次", report.overdue),
        ("逾期率（%）", _pct(report.overdue_rate)),
    ]


def sheets(report: Report) -> dict[str, list[list[object]]]:
    """Sheet name → rows (the first row is the header)."""
    return {
        "概况": [["指标", "数值"], *[list(r) for r in summary_rows(report)]],
        "班级排名": [["名次", "班级", "年级", "学生数", "借阅册次", "生均借阅", "覆盖率%", "逾期册次", "逾期率%",
                  "集体借阅册次"],
                 *[[c.rank, c.name, c.grade, c.students, c.loans, round(c.per_student, 2), _pct(c.coverage),
                    c.overdue, _pct(c.overdue_rate), c.collection_loans] for c in report.classes]],
        "学生借阅": [["年级", "班级", "借书证号", "姓名", "借阅册次"],
                 *[[s.grade, s.class_name, s.card_no, s.name, s.loans] for s in report.students_rows]],
        "阅读之星": [["年级", "名次", "班级", "姓名", "借阅册次"],
                 *[[grade, i, s.class_name, s.name, s.loans] for grade, stars in report.stars.items()
                   for i, s in enumerate(stars, start=1)]],
        "热门图书": [["名次", "书名", "作者", "借阅册次"],
                 *[[i, t.title, t.author, t.loans] for i, t in enumerate(report.top_titles, start=1)]],
        "每周趋势": [["周（周一）", "借阅册次"], *[[monday.isoformat(), n] for monday, n in report.weeks]],
    }


def write_workbook(report: Report, path: Path) -> Path:
    """Save the workbook (write-only mode: fast and light for thousands of student rows)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, rows in sheets(report).items():
        ws = wb.create_sheet(name)
        ws.column_dimensions["B"].width = 24
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path
