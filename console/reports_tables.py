"""The term, week and class report as the tables the console shows (the figures of `shuxiang report`).

Each table is a console.lists_xlsx `Table`, so the page shows the same columns as the CLI's text; the
download is core.reports.workbook (the CLI's xlsx, with its charts), not these tables.
"""
from __future__ import annotations

from console.lists_xlsx import Column, Table
from core.reports import Report
from core.reports.workbook import summary_rows
from core.targets import gap_text, grade_name


def _target(value: float) -> float | str:
    return value if value else "—"


def summary_table(report: Report) -> Table:
    """The headline figures (指标, 数值), as the CLI prints them first."""
    return Table(f"{report.class_name or '全校'}借阅统计", (Column("指标"), Column("数值")),
                 [[name, value] for name, value in summary_rows(report)])


def class_table(report: Report) -> Table:
    """班级排名 by 生均, each class beside its grade's target (a week has none: the targets are per term)."""
    return Table(
        "班级排名（按生均借阅）",
        (Column("名次", "int"), Column("班级"), Column("学生数", "int"), Column("借阅册次", "int"),
         Column("生均借阅", "decimal"), Column("生均目标", "number"), Column("与目标"), Column("覆盖率"),
         Column("逾期册次", "int"), Column("集体借阅册次", "int"), Column("集体借阅轮换", "int"),
         Column("轮换目标", "number")),
        [[c.rank, c.name, c.students, c.loans, c.per_student, _target(c.target),
          gap_text(c.per_student, c.target) or "—", f"{c.coverage:.0%}", c.overdue, c.collection_loans,
          c.rotations, _target(c.rotations_target)] for c in report.classes],
        note="生均借阅 = 学生借阅册次 ÷ 在读学生数；覆盖率 = 借过书的学生 ÷ 在读学生。"
             + ("目标来自配置文件的 [targets]。" if report.period.is_term else "一周的统计不比目标（目标按学期定）。"),
        empty="还没有班级。")


def grade_table(report: Report) -> Table:
    """Each grade's 生均 beside its target and how many of its classes reached it."""
    return Table(
        "各年级",
        (Column("年级"), Column("班级数", "int"), Column("学生数", "int"), Column("借阅册次", "int"),
         Column("生均借阅", "decimal"), Column("生均目标", "number"), Column("达标班级数")),
        [[grade_name(g.grade), g.classes, g.students, g.loans, g.per_student, _target(g.target),
          f"{g.classes_reached}/{g.classes}" if g.target else "—"] for g in report.grades],
        empty="还没有班级。")


def stars_table(report: Report) -> Table:
    """阅读之星: per grade, the students who borrowed the most different titles."""
    return Table(
        "阅读之星",
        (Column("年级"), Column("名次", "int"), Column("姓名"), Column("班级"), Column("借阅图书（种）", "int")),
        [[grade_name(grade), i, s.name, s.class_name, s.titles] for grade, stars in report.stars.items()
         for i, s in enumerate(stars, start=1)],
        note="借阅不同的书最多的同学；同一本书借多次只算一种。", empty="这段时间还没有学生借书。")


def titles_table(report: Report, top: int = 10) -> Table:
    """热门图书: the most borrowed titles (the CLI shows ten)."""
    return Table("热门图书", (Column("名次", "int"), Column("书名"), Column("作者"), Column("借阅册次", "int")),
                 [[i, f"《{t.title}》", t.author, t.loans] for i, t in enumerate(report.top_titles[:top], start=1)],
                 empty="这段时间还没有人借书。")


def report_tables(report: Report) -> list[Table]:
    """The page's tables below the charts, in the CLI's order (the class report adds its students apart)."""
    tables = [class_table(report)]
    if report.period.is_term:
        tables.append(grade_table(report))
    return [*tables, stars_table(report), titles_table(report)]
