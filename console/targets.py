"""借阅目标 and 表彰名单 in the console's 清单 area (librarian only), each a page and an xlsx download.

/admin/lists/targets: every class's 生均 this term beside its grade's target ([targets]), and per grade.
/admin/lists/honours: the term's 阅读之星 and 先进班级 (core/reports/honours.py has the rule) to print for
the showcase; it is never pushed anywhere.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from bot.keys import LIBRARY, SETTINGS
from console.auth import PREFIX, requires
from console.lists import NO_TERM, _respond
from console.lists_xlsx import Column, Table, show
from console.reports_tables import grade_table
from console.views import page
from core.library import Library
from core.reports import NoTerm, Report, build_report, term_period
from core.reports.honours import STARS_HEADER, Honours, honours_from
from core.staff import Area
from core.targets import Targets, grade_name

routes = web.RouteTableDef()


def _term_report(library: Library, targets: Targets) -> Report:
    with library.read_uow() as uow:
        period = term_period(uow.session, library.today())
    return build_report(library, period, targets=targets)


def _target(value: float) -> float | str:
    """A target as a number (the xlsx keeps it a number), "—" without one."""
    return value if value else "—"


def target_tables(report: Report) -> list[Table]:
    """Each class and each grade against its target (the same columns on the page and in the workbook)."""
    classes = Table(
        f"{report.period.name} 各班生均与目标",
        (Column("班级"), Column("年级"), Column("学生数", "int"), Column("借阅册次", "int"),
         Column("生均借阅", "decimal"), Column("生均目标", "number"), Column("还差（册/人）", "decimal"), Column("是否达标"),
         Column("集体借阅轮换", "int"), Column("轮换目标", "number")),
        [[c.name, grade_name(c.grade), c.students, c.loans, c.per_student, _target(c.target),
          c.gap if c.target else "—", {True: "达标", False: "未达标", None: "—"}[c.reached], c.rotations,
          _target(c.rotations_target)] for c in sorted(report.classes, key=lambda c: (c.grade, c.name))],
        note="生均借阅 = 本学期开学以来学生借阅册次 ÷ 在读学生数；目标来自配置文件的 [targets]，没有设置时每学期生均4本（演示学校用演示目标）。",
        empty="还没有班级。")
    return [classes, grade_table(report)]


def honours_tables(honours: Honours) -> list[Table]:
    """阅读之星 and 先进班级 as printable tables."""
    stars = Table(
        f"{honours.period.name} 阅读之星",
        (Column("年级"), Column("名次", "int"), Column("姓名"), Column("班级"), Column(STARS_HEADER, "int")),
        [[grade_name(s.grade), s.place, s.name, s.class_name, s.books] for s in honours.stars],
        note=f"每个年级本学期借阅不同的书最多的{honours.stars_per_grade}位同学（同一本书借多次只算一种）；"
             "与最后一名一样多的同学一并列入。",
        empty="本学期还没有学生借书。")
    classes = Table(
        f"{honours.period.name} 先进班级",
        (Column("年级"), Column("班级"), Column("生均借阅", "decimal"), Column("生均目标", "number"),
         Column("借阅册次", "int")),
        [[grade_name(c.grade), c.name, c.per_student, _target(c.target) if c.target else "本年级最高", c.loans]
         for c in honours.classes],
        note="生均借阅达到本年级目标的班级；没有设目标的年级取生均最高的班级。只在这里打印，不推送到班级群。",
        empty="还没有班级达到生均目标。")
    return [stars, classes]


def class_target_table(request: web.Request, class_id: int) -> Table:
    """One class this term: 生均 beside the target and the grade's average (a class teacher's 本班清单)."""
    from core.reports.stats import class_term_stats

    targets = Targets.from_config(request.app[SETTINGS].targets)
    columns = (Column("借阅册次", "int"), Column("借过书的学生"), Column("生均借阅", "decimal"), Column("生均目标", "number"),
               Column("还差（册/人）", "decimal"), Column("年级平均", "decimal"), Column("年级名次"))
    try:
        stats = class_term_stats(request.app[LIBRARY], class_id, targets)
    except NoTerm:
        return Table("本班本学期借阅", columns, [], empty="校历里还没有本学期。")
    return Table(f"{stats.class_name} 本学期借阅（{stats.term}）", columns,
                 [[stats.loans, f"{stats.borrowers}/{len(stats.students)}", stats.per_student,
                   _target(stats.target), stats.gap if stats.target else "—", stats.grade_per_student,
                   f"{stats.rank_in_grade}/{stats.grade_classes}"]])


def _no_term(request: web.Request, heading: str, slug: str) -> web.Response:
    return page(request, "lists/table.html", {"heading": heading, "tables": [], "notice": NO_TERM, "xlsx_url": "",
                                              "slug": slug, "show": show,
                                              "today": request.app[LIBRARY].today()}, status=409)


@routes.get(f"{PREFIX}/lists/targets")
@requires(Area.LISTS)
async def targets_page(request: web.Request) -> web.Response:
    """借阅目标: each class's and grade's 生均 this term beside the target."""
    return await _term_page(request, "targets", "借阅目标", target_tables)


@routes.get(f"{PREFIX}/lists/honours")
@requires(Area.LISTS)
async def honours_page(request: web.Request) -> web.Response:
    """表彰名单: 阅读之星 per grade and 先进班级, to print (never pushed)."""
    return await _term_page(request, "honours", "表彰名单", lambda report: honours_tables(honours_from(report)))


async def _term_page(request: web.Request, slug: str, heading: str,
                     tables_of: Callable[[Report], list[Table]]) -> web.Response:
    """This term's report (targets from the config) as `tables_of` lays it out; 409 with a word when no term."""
    targets = Targets.from_config(request.app[SETTINGS].targets)
    try:
        report = await asyncio.to_thread(_term_report, request.app[LIBRARY], targets)
    except NoTerm:
        return _no_term(request, heading, slug)
    return _respond(request, slug, heading, tables_of(report))
