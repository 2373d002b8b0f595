"""统计: the term, week and class reports at /admin/reports, their xlsx and PNG downloads, and a student's
reading report for parents.

/admin/reports (term), /admin/reports/week: the librarian (Area.REPORTS). /admin/reports/class: a class
teacher sees their own class only (Area.CLASS_REPORTS; another class is 403), the librarian any class.
Every page takes `?format=xlsx` (core.reports.workbook: the CLI's workbook with its charts) and
`?format=png&chart=classes|weeks|titles` (one chart). The figures are `shuxiang report`'s: the same
period choice and build_report (core.reports.asks), the charts from core.reports.charts (cached by
the figures they draw), all in one worker thread per request.
"""
from __future__ import annotations

import asyncio
import base64
import html
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from bot.keys import LIBRARY, SETTINGS
from console.auth import PREFIX, SESSION_KEY, forbidden, redirect, requires
from console.lists_xlsx import show
from console.params import DAY_RANGE, record_id, school_day
from console.reports_tables import report_tables, summary_table
from console.text import class_query, fold
from console.views import page
from core.errors import Refused
from core.library import Library
from core.reports import NoTerm, Report
from core.reports.asks import (
    NotYourClass,
    ReportAsk,
    ReportChoices,
    parents_report,
    report_choices,
    run_report,
)
from core.reports.charts import CHARTS, chart_png
from core.reports.fonts import NoChineseFont
from core.reports.workbook import workbook_bytes
from core.staff import Area, Role, may
from core.targets import Targets

routes = web.RouteTableDef()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PATHS = {"term": f"{PREFIX}/reports", "week": f"{PREFIX}/reports/week", "class": f"{PREFIX}/reports/class"}
HEADINGS = {"term": "学期统计", "week": "每周统计", "class": "班级统计"}
NO_STUDENT = "没有找到这位同学。请在班级统计的学生名单里点“阅读报告”。"
NO_TERM = "校历里还没有学期。请先在“校历”里设置本学期的开始和结束日期，再来看统计。"


class BadAsk(ValueError):
    """A form field that cannot be read; the message names the field."""


@dataclass(frozen=True)
class Built:
    """What one request built in its worker thread: the report and the charts it asked for."""

    report: Report
    charts: dict[str, bytes]
    xlsx: bytes | None = None
    notice: str = ""  # why the charts are missing (no Chinese font installed)


def _targets(request: web.Request) -> Targets:
    return Targets.from_config(request.app[SETTINGS].targets)


def _week_of(raw: str) -> date | None:
    text = fold(raw)
    if not text:
        return None
    day = school_day(text)
    if day is None:
        raise BadAsk(f"“那一周里的一天”写成 2026-11-18 这样的日期，在{DAY_RANGE}之间（你填的是“{text[:20]}”）。")
    return day


def _ask(request: web.Request, kind: str) -> ReportAsk:
    query = request.query
    term = fold(query.get("term", "")) or None
    if kind == "week":
        return ReportAsk("week", week_of=_week_of(query.get("week_of", "")))
    if kind == "class":
        return ReportAsk("class", term=term, class_name=class_query(query.get("class", "")) or None)
    return ReportAsk("term", term=term)


def _build(library: Library, targets: Targets, ask: ReportAsk, charts: tuple[str, ...], xlsx: bool) -> Built:
    """Runs in a worker thread: build the report as the CLI does, draw (or reuse) the charts, write the xlsx."""
    report = run_report(library, ask, targets)
    try:
        drawn, notice = {slug: chart_png(report, slug) for slug in charts}, ""
    except NoChineseFont as missing:  # the figures still matter more than the pictures
        drawn, notice = {}, f"{missing}。这次没有图表。"
    return Built(report, drawn, workbook_bytes(report, drawn) if xlsx else None, notice)


def _stem(report: Report) -> str:
    return f"{report.period.name}{'-' + report.class_name if report.class_name else ''}".replace(" ", "")


def _attachment(body: bytes, content_type: str, ascii_name: str, name: str) -> web.Response:
    return web.Response(body=body, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _links(kind: str, ask: ReportAsk) -> dict[str, str]:
    """The download links of this page, carrying the same choice (term, week or class)."""
    params = {"term": ask.term or "", "week_of": ask.week_of.isoformat() if ask.week_of else "",
              "class": ask.class_name or ""}
    keep = {k: v for k, v in params.items() if v}
    base = PATHS[kind]
    links = {"xlsx": f"{base}?" + urlencode({**keep, "format": "xlsx"})}
    for slug in CHARTS:
        links[slug] = f"{base}?" + urlencode({**keep, "format": "png", "chart": slug})
    return links


async def _report_response(request: web.Request, kind: str, ask: ReportAsk,
                           choices: ReportChoices | None = None) -> web.StreamResponse:
    """The page, or its xlsx or one PNG chart, for `ask`; a friendly page for a missing term or class."""
    fmt = request.query.get("format", "html")
    chart = request.query.get("chart", "")
    if fmt == "png" and chart not in CHARTS:
        return await _form_error(request, kind, ask, "没有这张图表。可以下载：" + "、".join(
            f"{name}（chart={slug}）" for slug, (name, _, _) in CHARTS.items()), 404)
    wanted = (chart,) if fmt == "png" else tuple(CHARTS)
    try:
        built = await asyncio.to_thread(_build, request.app[LIBRARY], _targets(request), ask, wanted, fmt == "xlsx")
    except NoTerm:
        message = f"没有找到学期“{ask.term}”。请从列表里选一个学期。" if ask.term else NO_TERM
        return await _form_error(request, kind, ask, message, 404 if ask.term else 409)
    except LookupError as unknown:  # no such class (build_report's message names it)
        return await _form_error(request, kind, ask, f"{unknown}。请从列表里选一个班。", 404)
    report = built.report
    stem = _stem(report)
    if built.xlsx is not None:
        return _attachment(built.xlsx, XLSX, f"report-{kind}.xlsx", f"{stem}-借阅统计.xlsx")
    if fmt == "png":
        if chart not in built.charts:
            return await _form_error(request, kind, ask, built.notice, 503)
        return _attachment(built.charts[chart], "image/png", f"report-{kind}-{chart}.png",
                           f"{stem}-{CHARTS[chart][0]}.png")
    choices = choices or await asyncio.to_thread(report_choices, request.app[LIBRARY])
    return _page(request, kind, ask, choices, built)


def _page(request: web.Request, kind: str, ask: ReportAsk, choices: ReportChoices, built: Built | None,
          *, error: str = "", status: int = 200) -> web.Response:
    report = built.report if built else None
    charts = [{"slug": slug, "name": CHARTS[slug][0], "data": base64.b64encode(png).decode("ascii")}
              for slug, png in (built.charts.items() if built else ())]
    staff = request[SESSION_KEY].staff
    students = report.students_rows if report is not None and kind == "class" else []
    context: dict[str, Any] = {
        "kind": kind, "heading": HEADINGS[kind], "ask": ask, "choices": choices, "report": report,
        "summary": summary_table(report) if report else None, "tables": report_tables(report) if report else [],
        "charts": charts, "links": _links(kind, ask) if report else {}, "error": error, "show": show,
        "students": students, "paths": PATHS, "notice": built.notice if built else "", "own_class": staff.role == Role.CLASS_TEACHER,
        "today": choices.today}
    return page(request, "reports/page.html", context, status=status)


async def _form_error(request: web.Request, kind: str, ask: ReportAsk, message: str,
                      status: int) -> web.Response:
    choices = await asyncio.to_thread(report_choices, request.app[LIBRARY])
    return _page(request, kind, ask, choices, None, error=message, status=status)


async def _read_ask(request: web.Request, kind: str) -> ReportAsk | web.Response:
    try:
        return _ask(request, kind)
    except BadAsk as bad:
        return await _form_error(request, kind, ReportAsk(kind), str(bad), 400)  # type: ignore[arg-type]


@routes.get(PATHS["term"])
@requires(Area.CLASS_REPORTS)
async def term_report(request: web.Request) -> web.StreamResponse:
    """学期统计: the whole school's term (`term` = its name; default the current term). A class teacher who
    opens the bare page (统计 in the README, a bookmark) is sent to their own class's; the school's figures,
    its xlsx and PNGs stay 403 for them."""
    if not may(request[SESSION_KEY].staff.role, Area.REPORTS):
        if request.query:
            raise forbidden(f"<p>你的账号没有使用这个页面的权限。<a href=\"{PATHS['class']}\">看本班统计</a></p>")
        return redirect(PATHS["class"])
    ask = await _read_ask(request, "term")
    return ask if isinstance(ask, web.Response) else await _report_response(request, "term", ask)


@routes.get(PATHS["week"])
@requires(Area.REPORTS)
async def week_report(request: web.Request) -> web.StreamResponse:
    """每周统计: Monday to Sunday of the week containing `week_of` (default this week)."""
    ask = await _read_ask(request, "week")
    return ask if isinstance(ask, web.Response) else await _report_response(request, "week", ask)


def _not_yours(staff_class: str | None) -> web.HTTPForbidden:
    return forbidden(f"<p>只能查看自己班（{html.escape(staff_class or '未指定班级')}）的统计。"
                     f"<a href=\"{PATHS['class']}\">回到本班统计</a></p>")


@routes.get(PATHS["class"])
@requires(Area.CLASS_REPORTS)
async def class_report(request: web.Request) -> web.StreamResponse:
    """班级统计: one class's term (students, 生均 beside the target); a class teacher's own class only."""
    ask = await _read_ask(request, "class")
    if isinstance(ask, web.Response):
        return ask
    staff = request[SESSION_KEY].staff
    if staff.role == Role.CLASS_TEACHER:
        if staff.class_name is None or (ask.class_name and ask.class_name != staff.class_name):
            raise _not_yours(staff.class_name)
        ask = ReportAsk("class", term=ask.term, class_name=staff.class_name)
    if not ask.class_name:  # a librarian who has not chosen yet: the form alone
        choices = await asyncio.to_thread(report_choices, request.app[LIBRARY])
        return _page(request, "class", ask, choices, None)
    return await _report_response(request, "class", ask)


@routes.get(f"{PREFIX}/reports/student")
@requires(Area.CLASS_REPORTS)
async def student_report(request: web.Request) -> web.StreamResponse:
    """A student's reading report to print for parents (`reader` = reader id, `term` = term name)."""
    staff = request[SESSION_KEY].staff
    raw = request.query.get("reader", "")
    term = fold(request.query.get("term", "")) or None
    reader_id = record_id(raw)
    if reader_id is None:
        return page(request, "reports/missing.html", {"message": NO_STUDENT}, status=404)
    only = staff.class_id if staff.role == Role.CLASS_TEACHER else None
    if staff.role == Role.CLASS_TEACHER and only is None:
        raise _not_yours(None)
    try:
        reading = await asyncio.to_thread(parents_report, request.app[LIBRARY], reader_id, term=term,
                                          only_class_id=only)
    except NotYourClass:
        raise _not_yours(staff.class_name) from None
    except Refused:
        return page(request, "reports/missing.html", {"message": NO_STUDENT}, status=404)
    except NoTerm:
        return page(request, "reports/missing.html", {"message": f"没有找到学期“{term}”。请从班级统计里选学期。"},
                    status=404)
    chart = base64.b64encode(reading.chart_png).decode("ascii") if reading.chart_png else ""
    back = f"{PATHS['class']}?" + urlencode({k: v for k, v in (("class", reading.class_name), ("term", term or ""))
                                              if v})
    return page(request, "reports/student.html", {"r": reading, "chart": chart, "back": back,
                                                  "school": request.app[LIBRARY].school.name,
                                                  "today": request.app[LIBRARY].today()})
