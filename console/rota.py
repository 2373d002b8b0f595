"""The class borrowing rota page (借阅轮流表) at /admin/rota: every class's turns with its next turn day,
a form to set or replace a class's turn on a weekday, a button to remove one, and the turns classes
skipped (no loan on a turn day). Librarians only (Area.CALENDAR: the rota is part of the timetable);
a class teacher sees their own class's turns read-only at /admin/rota/class.

Each view reads the form, calls one service of `core.rota` in a worker thread, and redirects back
(POST → 303 → GET, a fixed `done` message) or renders the page again with status 400 and each
message next to its field (RotaInvalid.errors), the typed values kept.
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import PREFIX, SESSION_KEY, requires
from console.params import whole_number
from console.text import class_query, fold
from console.views import page
from core.library import Library
from core.rota import RotaInvalid, class_rota, make_turn, next_turn, remove_turns, set_turn, skipped_turns
from core.rota.schedule import WEEKDAY_NAMES
from core.school_calendar import CalendarInvalid, parse_day
from core.staff import Area

routes = web.RouteTableDef()
BASE = f"{PREFIX}/rota"
DONE = {"set": "已保存借阅时间。", "removed": "已删除这个借阅时间。"}



def _actor(request: web.Request) -> str:
    return f"staff:{request[SESSION_KEY].staff.name}"[:60]


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return fold(value) if isinstance(value, str) else ""


def _rows(library: Library, class_name: str | None = None) -> list[dict[str, Any]]:
    """Each class with its turns and the next open turn day (for the template)."""
    calendar, today = library.school_calendar(), library.today()
    rows = []
    for rota in class_rota(library, class_name):
        found = next_turn(list(rota.turns), calendar, today)
        rows.append({"rota": rota, "next": found[0] if found else None, "is_today": bool(found and found[0] == today), "today": today,
                     "next_weekday": WEEKDAY_NAMES[found[0].weekday()] if found else ""})
    return rows


def _done(library: Library, query: Mapping[str, str]) -> tuple[str, str]:
    """The message after a save or a removal, naming the class and day (read back from the rota, never
    echoed from the address), and a warning when a saved turn can never come (a closed weekday)."""
    done, weekday = query.get("done", ""), query.get("weekday", "")
    if done not in DONE:
        return "", ""
    if whole_number(weekday, 0, 6) is None:
        return DONE[done], ""
    try:
        rota = class_rota(library, query.get("class", ""))[0]
    except RotaInvalid:
        return DONE[done], ""
    day = WEEKDAY_NAMES[int(weekday)]
    if done == "removed":
        return f"已删除{rota.class_name}{day}的借阅时间。", ""
    turns = [t for t in rota.turns if t.weekday == int(weekday)]
    if not turns:
        return DONE[done], ""
    saved = "、".join(f"{t.starts}-{t.ends}" for t in turns)
    calendar = library.school_calendar()
    warning = ""
    if int(weekday) in calendar.closed_weekdays:
        warning = f"注意：{day}学校不开馆，这个借阅时间轮不到，请改到开馆的日子。"
    elif next_turn(turns, calendar, library.today()) is None:
        warning = "注意：一年内没有开馆日轮到这个时间，请检查校历或起始周。"
    return f"已保存{rota.class_name}{day} {saved}。", warning


def _period(query: Mapping[str, str], today: date) -> tuple[date | None, date | None, str]:
    """`?from=&to=` for the skipped list; a bad date is named and the default used."""
    days: list[date | None] = []
    for name in ("from", "to"):
        text = query.get(name, "").strip()
        try:
            days.append(parse_day(text, name) if text else None)
        except CalendarInvalid:
            return None, None, f"“{text[:20]}”不是有效的日期，下面是最近四周。日期请写成 2026-11-02 这样。"
    return days[0], days[1], ""


async def _page(request: web.Request, *, errors: dict[str, str] | None = None,
                values: Mapping[str, Any] | None = None, status: int = 200) -> web.Response:
    library: Library = request.app[LIBRARY]
    start, end, period_error = _period(request.query, library.today())
    rows = await asyncio.to_thread(_rows, library)
    skipped = await asyncio.to_thread(skipped_turns, library, start=start, end=end)
    shown_end = end or library.today() - timedelta(days=1)
    done, warning = (await asyncio.to_thread(_done, library, request.query)) if request.method == "GET" else ("", "")
    return page(request, "rota/page.html", {
        "rows": rows, "skipped": skipped, "weekday_names": WEEKDAY_NAMES, "errors": errors or {},
        "values": values or {}, "done": done, "warning": warning, "period_error": period_error,
        "period": (start or shown_end - timedelta(days=27), shown_end),
    }, status=status)


@routes.get(BASE)
@requires(Area.CALENDAR)
async def rota_page(request: web.Request) -> web.Response:
    """Every class's turns, the set form, and the skipped turns (`?from=&to=`, default the last four weeks)."""
    return await _page(request)


@routes.post(f"{BASE}/set")
@requires(Area.CALENDAR)
async def rota_set(request: web.Request) -> web.Response:
    """Set (or replace) one class's turn on one weekday."""
    form = await request.post()
    library: Library = request.app[LIBRARY]
    errors: dict[str, str] = {}
    start_text, class_name = _text(form, "start"), class_query(_text(form, "class"))
    start, turn = None, None
    try:
        start = parse_day(start_text, "start") if start_text else None
    except CalendarInvalid as invalid:
        errors.update(invalid.errors)
    try:
        turn = make_turn(_text(form, "weekday"), f"{_text(form, 'starts')}-{_text(form, 'ends')}",
                         every=_text(form, "every") or "1", start=start, place=_text(form, "place"),
                         today=library.today(), calendar=await asyncio.to_thread(library.school_calendar))
    except RotaInvalid as invalid:
        errors.update(invalid.errors)
    try:
        await asyncio.to_thread(class_rota, library, class_name)  # the class exists (every error at once)
    except RotaInvalid as invalid:
        errors.update(invalid.errors)
    saved = None
    if not errors and turn is not None:
        try:
            saved = await asyncio.to_thread(set_turn, library, class_name, turn, actor=_actor(request))
        except RotaInvalid as invalid:
            errors.update(invalid.errors)
    if errors or saved is None or turn is None:
        return await _page(request, errors=errors, values=form, status=400)
    return web.Response(status=303, headers={"Location": _done_url("set", saved.class_name, turn.weekday)})


def _done_url(done: str, class_name: str, weekday: int) -> str:
    return f"{BASE}?" + urlencode({"done": done, "class": class_name, "weekday": weekday})


@routes.post(f"{BASE}/remove")
@requires(Area.CALENDAR)
async def rota_remove(request: web.Request) -> web.Response:
    """Remove one class's turn on one weekday."""
    form = await request.post()
    weekday = _text(form, "weekday")
    if whole_number(weekday, 0, 6) is None:
        return await _page(request, errors={"weekday": "请选择星期。"}, status=400)
    class_name = class_query(_text(form, "class"))
    try:
        await asyncio.to_thread(remove_turns, request.app[LIBRARY], class_name, int(weekday), actor=_actor(request))
    except RotaInvalid as invalid:
        return await _page(request, errors=invalid.errors, status=400)
    return web.Response(status=303, headers={"Location": _done_url("removed", class_name, int(weekday))})


@routes.get(f"{BASE}/class")
@requires(Area.CLASS_LISTS)
async def rota_class(request: web.Request) -> web.Response:
    """A class teacher's own class's turns (read-only); the librarian is sent to the whole rota."""
    staff = request[SESSION_KEY].staff
    if staff.class_name is None:
        return web.Response(status=303, headers={"Location": BASE})
    rows = await asyncio.to_thread(_rows, request.app[LIBRARY], staff.class_name)
    return page(request, "rota/class.html", {"rows": rows})
