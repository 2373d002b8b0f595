"""通知和活动 at /admin/notices (librarians only, Area.NOTICES): publish an activity and see whom it
reached. The outbox (console/notices_outbox.py) and a person's push preferences (console/notices_people.py)
are its other two tabs; `ROUTES` holds all three modules' routes for console/app.py.

Publishing: the form is checked into a draft by core (Chinese messages per field, status 400 with the
typed values kept); 预览 shows the push exactly as a parent gets it; 发布 records the activity once
(a form sent twice finds the same activity) and redirects to its page. The `activities` job announces it
at its next run (every 30 minutes, 07:00–20:59), quiet hours and closed days as for every notice.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from bot.keys import LIBRARY
from console.auth import PREFIX, SESSION_KEY, requires
from console.notices_outbox import routes as outbox_routes
from console.notices_outbox import when
from console.notices_people import routes as people_routes
from console.params import path_id
from console.text import class_query, fold
from console.views import page
from core.library import Library
from core.notices.outbox import AUDIENCE_NAMES, STATE_NAMES, STATES
from core.notices.publishing import (
    ActivityDraft,
    ActivityInvalid,
    activity_reach,
    check_activity,
    list_activities,
    preview_reach,
    publish_activity,
)
from core.staff import Area

routes = web.RouteTableDef()
BASE = f"{PREFIX}/notices"
GRADE_NAMES = ("一", "二", "三", "四", "五", "六", "七", "八", "九")
DONE = {"published": "活动已发布。下一次“活动通知”任务（每30分钟一次，7:00–21:00）会发给所选的家长和老师。",
        "same": "这个活动之前已经发布过了，没有重复发布。"}


def _actor(request: web.Request) -> str:
    return str(request[SESSION_KEY].staff.name)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return fold(value) if isinstance(value, str) else ""


def _classes(raw: str) -> list[str]:
    """三年级2班、四年级1班 / 三年级2班 四年级1班 / 3(2)班,4(1)班 → stored class names."""
    return [class_query(part) for part in re.split(r"[\s,，、;；]+", raw) if part.strip()]


async def _draft(request: web.Request, form: MultiMapping[Any]) -> ActivityDraft:
    """The posted form checked by core (raises ActivityInvalid)."""
    return await asyncio.to_thread(
        check_activity, request.app[LIBRARY], title=_text(form, "title"), starts_on=_text(form, "starts_on"),
        place=_text(form, "place"), body=str(form.get("body", "")).strip(),
        grades=[str(g) for g in form.getall("grades", [])], classes=_classes(_text(form, "classes")),
        audience=[str(a) for a in form.getall("audience", [])])


def _values(form: MultiMapping[Any] | None) -> dict[str, Any]:
    """What the form showed, to fill it again (checkboxes as lists); a fresh form asks both audiences."""
    if form is None:
        return {"grades": [], "audience": ["parents", "teachers"]}
    return {"title": _text(form, "title"), "starts_on": _text(form, "starts_on"), "place": _text(form, "place"),
            "classes": _text(form, "classes"), "body": str(form.get("body", "")),
            "grades": [str(g) for g in form.getall("grades", [])],
            "audience": [str(a) for a in form.getall("audience", [])]}


async def _page(request: web.Request, *, form: MultiMapping[Any] | None = None, errors: dict[str, str] | None = None,
                preview: ActivityDraft | None = None, status: int = 200) -> web.Response:
    library: Library = request.app[LIBRARY]
    activities = await asyncio.to_thread(list_activities, library)
    reach = await asyncio.to_thread(preview_reach, library, preview) if preview is not None else {}
    return page(request, "notices/activities.html", {
        "activities": activities, "values": _values(form), "errors": errors or {}, "preview": preview,
        "reach": reach, "audience_names": AUDIENCE_NAMES,
        "grade_names": GRADE_NAMES, "states": STATES, "state_names": STATE_NAMES, "today": library.today(),
        "done": DONE.get(request.query.get("done", "")) if request.method == "GET" else "", "tab": "activities",
    }, status=status)


@routes.get(BASE)
@requires(Area.NOTICES)
async def notices_page(request: web.Request) -> web.Response:
    """The activities published so far (newest first, with their notices counted) and the publish form."""
    return await _page(request)


@routes.post(f"{BASE}/preview")
@requires(Area.NOTICES)
async def preview_activity(request: web.Request) -> web.Response:
    """Check the form and show the push as a parent will read it; nothing is recorded."""
    form = await request.post()
    try:
        draft = await _draft(request, form)
    except ActivityInvalid as invalid:
        return await _page(request, form=form, errors=invalid.errors, status=400)
    return await _page(request, form=form, preview=draft)


@routes.post(f"{BASE}/publish")
@requires(Area.NOTICES)
async def publish(request: web.Request) -> web.Response:
    """Record the activity (once) and go to its page; bad fields come back named, nothing recorded."""
    form = await request.post()
    try:
        draft = await _draft(request, form)
    except ActivityInvalid as invalid:
        return await _page(request, form=form, errors=invalid.errors, status=400)
    done = await asyncio.to_thread(publish_activity, request.app[LIBRARY], draft, actor=_actor(request))
    location = f"{BASE}/activity/{done.id}?done={'published' if done.new else 'same'}"
    return web.Response(status=303, headers={"Location": location})


@routes.get(BASE + "/activity/{activity_id:[0-9]+}")
@requires(Area.NOTICES)
async def activity_page(request: web.Request) -> web.Response:
    """One activity: its text, whom it is for, its notices counted by state and by role, the recipients."""
    reach = await asyncio.to_thread(activity_reach, request.app[LIBRARY], path_id(request, "activity_id", "没有这个活动。请回到“通知和活动”页面查看。"))
    if reach is None:
        raise web.HTTPNotFound(text="没有这个活动。请回到“通知和活动”页面查看。", content_type="text/plain")
    return page(request, "notices/activity.html", {
        "reach": reach, "states": STATES, "state_names": STATE_NAMES, "audience_names": AUDIENCE_NAMES,
        "done": DONE.get(request.query.get("done", ""), ""), "tab": "activities", "when": when})


ROUTES = [*routes, *outbox_routes, *people_routes]
"""Every route of the notices pages (activities, outbox, push preferences), for console/app.py."""
