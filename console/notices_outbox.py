"""发件箱 at /admin/notices/outbox (librarians only): the notices of the last days counted by kind, day and
state; the failed ones with a 重发 button; the people notices do not reach, with the reason.

重发 is a POST (CSRF checked by the guard) that requeues the row through core (core.messaging.requeue_failed):
only a row still failed changes, so a second click says so and sends nothing twice.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import PREFIX, SESSION_KEY, requires
from console.params import record_id, whole_number
from console.views import page
from core.clock import SCHOOL_TZ
from core.library import Library
from core.notices.outbox import (
    REASON_NAMES,
    STATE_NAMES,
    STATES,
    failed_notices,
    outbox_table,
    retry_notice,
    unreachable_users,
)
from core.staff import Area

routes = web.RouteTableDef()
BASE = f"{PREFIX}/notices/outbox"
DAYS = 14
DONE = {"retried": "已放回发送队列，稍后自动重发。", "already": "这条通知已经不在“发送失败”里了（已重发过或已送达），没有重复发送。"}


def when(moment: datetime | None) -> str:
    """A UTC instant as the school's clock shows it (12月1日 08:05, as dates elsewhere); "" for none."""
    if moment is None:
        return ""
    local = moment.astimezone(SCHOOL_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _days(raw: str) -> int:
    return whole_number(raw, 1, 90) or DAYS


@routes.get(BASE)
@requires(Area.NOTICES)
async def outbox_page(request: web.Request) -> web.Response:
    """Counts per day × kind × state (`?days=`, 1–90, default 14), failed notices, unreachable people."""
    library: Library = request.app[LIBRARY]
    days = _days(request.query.get("days", ""))
    table = await asyncio.to_thread(outbox_table, library, days=days)
    failed = await asyncio.to_thread(failed_notices, library)
    unreachable = await asyncio.to_thread(unreachable_users, library)
    totals = {s: sum(r.counts[s] for r in table) for s in STATES}
    return page(request, "notices/outbox.html", {
        "table": table, "totals": totals, "failed": failed, "unreachable": unreachable, "days": days,
        "states": STATES, "state_names": STATE_NAMES, "reason_names": REASON_NAMES,
        "done": DONE.get(request.query.get("done", ""), ""), "tab": "outbox", "when": when})


@routes.post(f"{BASE}/retry")
@requires(Area.NOTICES)
async def retry(request: web.Request) -> web.Response:
    """重发 one failed notice (form field `id`); back to the outbox with what happened."""
    form = await request.post()
    raw = str(form.get("id", ""))
    notice_id = record_id(raw)
    if notice_id is None:
        raise web.HTTPBadRequest(text="请从发件箱的“重发”按钮操作。", content_type="text/plain")
    done = await asyncio.to_thread(retry_notice, request.app[LIBRARY], notice_id,
                                   actor=str(request[SESSION_KEY].staff.name))
    return web.Response(status=303, headers={"Location": f"{BASE}?done={'retried' if done else 'already'}"})
