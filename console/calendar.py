"""The school calendar page (校历) at /admin/calendar: the month view, terms, closed and 调休 days,
closed weekdays and the national holidays with a preview. Librarians only (Area.CALENDAR).

Each view reads the form, calls one service of `core.school_calendar` / `core.national_holidays`
(or `core.calendar_overview` to show the page) in a worker thread, and either redirects back to
the month (POST → 303 → GET, with a fixed `done` message) or, when the service raises
CalendarInvalid, renders the page again with status 400, each message next to its field and the
typed values kept. The services write, audit (actor `staff:NAME`) and bump the calendar counter
in one transaction, so a change reaches due dates, fines and the bot at once.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import PREFIX, SESSION_KEY, requires
from console.params import path_id, whole_number
from console.views import page
from core.calendar_overview import calendar_overview
from core.library import Library
from core.national_holidays import holiday_plan, known_years, load_holidays
from core.school_calendar import (
    WEEKDAY_NAMES,
    CalendarInvalid,
    DayView,
    add_term,
    clear_day,
    close_days,
    delete_term,
    edit_term,
    open_day,
    parse_day,
    parse_month,
    set_closed_weekdays,
)
from core.staff import Area

routes = web.RouteTableDef()
BASE = f"{PREFIX}/calendar"

# The message after a change (a fixed text chosen by key: nothing from the URL is shown as is).
DONE = {
    "term-added": "已添加学期。",
    "term-saved": "已保存学期的修改。",
    "term-deleted": "已删除学期，这段日子现在按假期（闭馆）计算。",
    "closed": "已设为闭馆。从现在起新借的书，到期日会避开这些天；罚款也不计这些天。",
    "opened": "已设为开馆（调休上课）。",
    "cleared": "已删除这一天的单独设置，它重新按每周规则开馆或闭馆。",
    "weekdays": "已保存每周闭馆日。",
    "holidays": "已导入法定节假日和调休。",
    "holidays-none": "没有需要新增的日子：这一年的节假日都已录入过。",
}

Form = Mapping[str, Any]
Action = Callable[[Library, Form, str], tuple[str, date | None]]


def _actor(request: web.Request) -> str:
    return f"staff:{request[SESSION_KEY].staff.name}"[:60]


def _text(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _days(form: Form, *fields: str, optional: tuple[str, ...] = ()) -> list[date | None]:
    """Parse date fields; every bad or missing one is reported at once (CalendarInvalid)."""
    errors: dict[str, str] = {}
    days: list[date | None] = []
    for field in fields:
        text = _text(form, field)
        if not text:
            days.append(None)
            if field not in optional:
                errors[field] = "请填写日期。"
            continue
        try:
            days.append(parse_day(text, field))
        except CalendarInvalid as invalid:
            errors.update(invalid.errors)
            days.append(None)
    if errors:
        raise CalendarInvalid(errors)
    return days


def _year(text: str) -> int:
    year = whole_number(text, 1000, 9999)
    if year is None:
        raise CalendarInvalid({"year": "请填写四位数的年份，例如 2026。"})
    return year


def _month_query(day: date | None) -> str:
    return f"{day.year:04d}-{day.month:02d}" if day else ""


def _back(done: str, day: date | None, **extra: str) -> web.Response:
    query = {"month": _month_query(day)} if day else {}
    query.update(done=done, **extra)
    return web.Response(status=303, headers={"Location": f"{BASE}?{urlencode(query)}"})


def _shown_month(library: Library, text: str) -> tuple[int, int, str]:
    """The month to show: `?month=` when valid, else this month and the reason."""
    if text:
        try:
            year, month = parse_month(text)
            if 2000 <= year <= 2100:
                return year, month, ""
        except CalendarInvalid:
            pass
        today = library.today()
        return today.year, today.month, f"“{text[:20]}”不是有效的月份，下面显示本月。月份请写成 2026-12 这样的格式。"
    today = library.today()
    return today.year, today.month, ""


def _neighbours(year: int, month: int) -> tuple[str, str]:
    previous = (year, month - 1) if month > 1 else (year - 1, 12)
    following = (year, month + 1) if month < 12 else (year + 1, 1)
    return f"{previous[0]:04d}-{previous[1]:02d}", f"{following[0]:04d}-{following[1]:02d}"


async def _page(request: web.Request, month_text: str, *, errors: dict[str, dict[str, str]] | None = None,
                values: dict[str, Form] | None = None, status: int = 200) -> web.Response:
    library: Library = request.app[LIBRARY]
    year, month, month_error = _shown_month(library, month_text)
    overview = await asyncio.to_thread(calendar_overview, library, year, month)
    previous, following = _neighbours(year, month)
    done = DONE.get(request.query.get("done", ""), "") if request.method == "GET" else ""
    added = request.query.get("n", "")
    if done and request.query.get("done") == "holidays" and whole_number(added) is not None:
        done = f"已导入 {whole_number(added)} 天法定节假日和调休。"
    lead = [None] * overview.month.days[0].day.weekday()
    years = known_years()
    return page(request, "calendar/page.html", {
        "o": overview, "v": overview.month, "status": overview.month.status, "weeks": _weeks(lead + overview.month.days),
        "weekday_names": WEEKDAY_NAMES, "month_text": f"{year:04d}-{month:02d}", "previous": previous,
        "following": following, "done": done, "month_error": month_error, "errors": errors or {},
        "values": values or {}, "today": library.today(), "holiday_year": library.today().year,
        "known_years": f"{years[0]}–{years[-1]}", "special": _special(overview.month.days),
    }, status=status)


@dataclass(frozen=True)
class SpecialRun:
    """Consecutive special days with the same reason and the same due-date move (one line under the grid)."""

    first: DayView
    last: DayView


def _special(days: list[DayView]) -> list[SpecialRun]:
    """The days listed under the grid, in runs: closed for a reason of their own (not the weekly
    rule, not vacation), and 调休 days. 10月1日至7日 国庆节 is one line, not seven."""
    runs: list[SpecialRun] = []
    for d in days:
        if not ((not d.is_open and d.term is not None and d.why != "周末" and not d.why.startswith("每周"))
                or (d.is_open and d.why != "开馆")):
            continue
        if runs and runs[-1].last.day + timedelta(days=1) == d.day and runs[-1].last.why == d.why \
                and runs[-1].last.due_moves_to == d.due_moves_to and runs[-1].last.is_open == d.is_open:
            runs[-1] = SpecialRun(runs[-1].first, d)
        else:
            runs.append(SpecialRun(d, d))
    return runs


def _weeks(cells: list[Any]) -> list[list[Any]]:
    cells = cells + [None] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


@routes.get(BASE)
@requires(Area.CALENDAR)
async def calendar_page(request: web.Request) -> web.Response:
    """The month (`?month=2026-12`, default this month), the terms and every form."""
    return await _page(request, request.query.get("month", ""))


async def _act(request: web.Request, form_name: str, action: Action) -> web.Response:
    """Run one calendar command from a form: 303 back to the month, or the page with the field errors."""
    form = await request.post()
    try:
        done, day = await asyncio.to_thread(action, request.app[LIBRARY], form, _actor(request))
    except CalendarInvalid as invalid:
        errors = {form_name: invalid.errors}
        if "term" in invalid.errors:  # the term is gone (deleted meanwhile): its row is not shown any more
            errors = {"terms": {"term": invalid.errors["term"]}}
        return await _page(request, _text(form, "month"), errors=errors, values={form_name: form}, status=400)
    return _back(done, day)


# ---------------------------------------------------------------- the commands behind each form

NO_NAME = "请填写学期名称，例如“2026秋季学期”。"


def _term_fields(form: Form) -> tuple[str, date, date]:
    """Name, first and last day; a missing name is reported together with bad dates."""
    name = _text(form, "name")
    try:
        start, end = _days(form, "start", "end")
    except CalendarInvalid as invalid:
        raise CalendarInvalid({**({"name": NO_NAME} if not name else {}), **invalid.errors}) from None
    assert start is not None and end is not None
    return name, start, end


def _add_term(library: Library, form: Form, actor: str) -> tuple[str, date | None]:
    name, start, end = _term_fields(form)
    term = add_term(library, name, start, end, actor=actor)
    return "term-added", term.start


def _edit_term(term_id: int) -> Action:
    def run(library: Library, form: Form, actor: str) -> tuple[str, date | None]:
        name, start, end = _term_fields(form)
        term = edit_term(library, term_id, name=name, start=start, end=end, actor=actor)
        return "term-saved", term.start
    return run


def _delete_term(term_id: int) -> Action:
    def run(library: Library, form: Form, actor: str) -> tuple[str, date | None]:
        term = delete_term(library, term_id, actor=actor)
        return "term-deleted", term.start
    return run


def _close(library: Library, form: Form, actor: str) -> tuple[str, date | None]:
    first, last = _days(form, "day", "last", optional=("last",))
    assert first is not None
    close_days(library, first, last, reason=_text(form, "reason"), actor=actor)
    return "closed", first


def _open(library: Library, form: Form, actor: str) -> tuple[str, date | None]:
    [day] = _days(form, "day")
    assert day is not None
    open_day(library, day, reason=_text(form, "reason"), actor=actor)
    return "opened", day


def _clear(library: Library, form: Form, actor: str) -> tuple[str, date | None]:
    [day] = _days(form, "day")
    assert day is not None
    clear_day(library, day, actor=actor)
    return "cleared", day


def _weekdays(library: Library, form: Form, actor: str) -> tuple[str, date | None]:
    chosen = form.getall("weekday", []) if hasattr(form, "getall") else []
    weekdays = {whole_number(v, 0, 6) for v in chosen}
    if None in weekdays:
        raise CalendarInvalid({"weekdays": "请从周一到周日中勾选。"})
    set_closed_weekdays(library, {v for v in weekdays if v is not None}, actor=actor)
    return "weekdays", None


@routes.post(f"{BASE}/terms")
@requires(Area.CALENDAR)
async def term_add(request: web.Request) -> web.Response:
    """Add a term (name, start, end)."""
    return await _act(request, "term", _add_term)


@routes.post(BASE + r"/terms/{term_id:[0-9]+}")
@requires(Area.CALENDAR)
async def term_edit(request: web.Request) -> web.Response:
    """Change a term's name and dates."""
    term_id = path_id(request, "term_id", "没有这个学期。")
    return await _act(request, f"term-{term_id}", _edit_term(term_id))


@routes.post(BASE + r"/terms/{term_id:[0-9]+}/delete")
@requires(Area.CALENDAR)
async def term_delete(request: web.Request) -> web.Response:
    """Delete a term (its days become vacation)."""
    term_id = path_id(request, "term_id", "没有这个学期。")
    return await _act(request, f"term-{term_id}", _delete_term(term_id))


@routes.post(f"{BASE}/closed")
@requires(Area.CALENDAR)
async def closed_add(request: web.Request) -> web.Response:
    """Close one day or a range (day, optional last) with a reason."""
    return await _act(request, "closed", _close)


@routes.post(f"{BASE}/open")
@requires(Area.CALENDAR)
async def open_add(request: web.Request) -> web.Response:
    """Open a day the weekly rule closes (调休), or re-open a closed day."""
    return await _act(request, "open", _open)


@routes.post(f"{BASE}/clear")
@requires(Area.CALENDAR)
async def day_clear(request: web.Request) -> web.Response:
    """Forget a day's own setting: it follows the weekly rule again."""
    return await _act(request, "clear", _clear)


@routes.post(f"{BASE}/weekdays")
@requires(Area.CALENDAR)
async def weekdays_set(request: web.Request) -> web.Response:
    """The days of the week the library is closed (checkboxes `weekday` = 0…6)."""
    return await _act(request, "weekdays", _weekdays)


@routes.get(f"{BASE}/holidays")
@requires(Area.CALENDAR)
async def holidays_preview(request: web.Request) -> web.Response:
    """What loading `?year=` would add, which days are outside terms, which the librarian set already."""
    library: Library = request.app[LIBRARY]
    text = request.query.get("year", "")
    try:
        plan = await asyncio.to_thread(lambda: holiday_plan(library, _year(text)))
    except CalendarInvalid as invalid:
        return await _page(request, request.query.get("month", ""), errors={"holidays": invalid.errors},
                           values={"holidays": {"year": text[:10]}}, status=400)
    return page(request, "calendar/holidays.html", {"plan": plan, "weekday_names": WEEKDAY_NAMES})


@routes.post(f"{BASE}/holidays")
@requires(Area.CALENDAR)
async def holidays_load(request: web.Request) -> web.Response:
    """Accept the preview: write the year's new days in one transaction."""
    form = await request.post()
    try:
        year = _year(_text(form, "year"))
        plan = await asyncio.to_thread(load_holidays, request.app[LIBRARY], year, actor=_actor(request))
    except CalendarInvalid as invalid:
        return await _page(request, "", errors={"holidays": invalid.errors}, values={"holidays": form}, status=400)
    if not plan.add:
        return _back("holidays-none", None)
    return _back("holidays", None, n=str(len(plan.add)))
