"""The report as an Excel workbook: one sheet per table and a 图表 sheet with the charts, for the term summary.

The charts go in as pictures (the same PNGs as `--format png` and the console), not as native Excel
charts: a picture carries its Chinese font and the target marks on the bars, and looks the same in
Excel, WPS and LibreOffice; a native chart would be redrawn by each with whatever font it has.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

from core.reports.stats import Report

CHART_SHEET = "图表"
CHART_SCALE = 0.55  # 150-dpi PNGs shown at about 96 dpi: a chart fits a screen without zooming
ROW_PX = 20  # Excel's default row height in pixels (15 pt)


def _pct(x: float) -> float:
    return round(x * 100, 1)


def _target(value: float) -> object:
    """A target cell: the figure, or "—" when the grade has none."""
    return round(value, 2) if value else "—"


def _reached(reached: bool | None) -> str:
    return "—" if reached is None else ("达标" if reached else "未达标")


def summary_rows(report: Report) -> list[tuple[str, object]]:
    """The headline figures (shared by the workbook, the console page and the text output).

    A one-class report leaves out 馆藏册数 and 流通率: they are the whole library's holdings, which
    say nothing about one class (its loans over the school's books would read as a tiny 流通率)."""
    school = report.class_name is None
    rows: list[tuple[str, object]] = [
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
        *targets_rows(report),
    ]
    return rows if school else [(name, value) for name, value in rows if name not in SCHOOL_ONLY]


SCHOOL_ONLY = frozenset({"馆藏册数", "流通率（借阅册次/馆藏，%）"})  # figures of the whole library


def targets_rows(report: Report) -> list[tuple[str, object]]:
    """达到生均目标的班级 and each grade's target beside its 生均 (none when no grade has a target)."""
    with_target = [c for c in report.classes if c.target]
    if not with_target:
        return []
    rows: list[tuple[str, object]] = [
        ("达到生均目标的班级", f"{sum(1 for c in with_target if c.reached)}/{len(with_target)}")]
    rows += [(f"{g.grade}年级生均借阅 / 目标（册）", f"{g.per_student:.2f} / {g.target:g}")
             for g in report.grades if g.target]
    return rows


def sheets(report: Report) -> dict[str, list[list[object]]]:
    """Sheet name → rows (the first row is the header)."""
    return {
        "概况": [["指标", "数值"], *[list(r) for r in summary_rows(report)]],
        "班级排名": [["名次", "班级", "年级", "学生数", "借阅册次", "生均借阅", "生均目标", "与目标差距", "是否达标",
                  "覆盖率%", "逾期册次", "逾期率%", "集体借阅册次", "集体借阅轮换", "轮换目标"],
                 *[[c.rank, c.name, c.grade, c.students, c.loans, round(c.per_student, 2), _target(c.target),
                    round(c.gap, 2) if c.target else "—", _reached(c.reached), _pct(c.coverage),
                    c.overdue, _pct(c.overdue_rate), c.collection_loans, c.rotations, _target(c.rotations_target)]
                   for c in report.classes]],
        "年级目标": [["年级", "班级数", "学生数", "借阅册次", "生均借阅", "生均目标", "达标班级数"],
                 *[[g.grade, g.classes, g.students, g.loans, round(g.per_student, 2), _target(g.target),
                    g.classes_reached if g.target else "—"] for g in report.grades]],
        "学生借阅": [["年级", "班级", "借书证号", "姓名", "借阅册次"],
                 *[[s.grade, s.class_name, s.card_no, s.name, s.loans] for s in report.students_rows]],
        "阅读之星": [["年级", "名次", "班级", "姓名", "借阅图书（种）"],
                 *[[grade, i, s.class_name, s.name, s.titles] for grade, stars in report.stars.items()
                   for i, s in enumerate(stars, start=1)]],
        "热门图书": [["名次", "书名", "作者", "借阅册次"],
                 *[[i, t.title, t.author, t.loans] for i, t in enumerate(report.top_titles, start=1)]],
        "每周趋势": [["周（周一）", "借阅册次"], *[[monday.isoformat(), n] for monday, n in report.weeks]],
    }


def write_workbook(report: Report, path: Path | IO[bytes], charts: dict[str, bytes] | None = None) -> Path | IO[bytes]:
    """Save the workbook to a path or a binary file (write-only mode: fast for thousands of student rows).

    `charts` (slug → PNG, as core.reports.charts.report_charts gives) go on the 图表 sheet, second after
    概况; None draws them here (they need a Chinese font: NoChineseFont otherwise).
    """
    from openpyxl import Workbook

    if charts is None:
        from core.reports.charts import report_charts

        charts = report_charts(report)
    wb = Workbook(write_only=True)
    for index, (name, rows) in enumerate(sheets(report).items()):
        ws = wb.create_sheet(name)
        ws.column_dimensions["B"].width = 24
        for row in rows:
            ws.append(row)
        if index == 0 and charts:
            _chart_sheet(wb.create_sheet(CHART_SHEET), report, charts)
    wb.save(path)
    return path


def workbook_bytes(report: Report, charts: dict[str, bytes] | None = None) -> bytes:
    """The same workbook as bytes (the console's download)."""
    buffer = io.BytesIO()
    write_workbook(report, buffer, charts)
    return buffer.getvalue()


def _chart_sheet(ws: Any, report: Report, charts: dict[str, bytes]) -> None:
    """The charts one below the other, each anchored under the previous one's last row."""
    from openpyxl.drawing.image import Image

    ws.append([f"{report.class_name or '全校'} {report.period.name} 图表"])
    row = 2
    for png in charts.values():
        image = Image(io.BytesIO(png))
        image.width, image.height = int(image.width * CHART_SCALE), int(image.height * CHART_SCALE)
        image.anchor = f"A{row}"
        ws.add_image(image)
        row += image.height // ROW_PX + 2
