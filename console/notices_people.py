"""推送设置 at /admin/notices/people (librarians only): find a reader or parent by name or card, see
which kinds of push each of their bound accounts stopped, and switch one on or off for them (the bot's
退订/恢复 rows, audited). Accounts are shown by binding number and date, never by openid.
"""
from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import PREFIX, SESSION_KEY, requires
from console.params import record_id
from console.text import fold
from console.views import page
from core.notices.accounts_push import TOPICS, NotFound, find_push_holders, set_topic
from core.notices.topics import ALL, ESSENTIAL, LABELS
from core.staff import Area

routes = web.RouteTableDef()
BASE = f"{PREFIX}/notices/people"
DONE = {"on": "已恢复这类推送。", "off": "已停止这类推送。", "same": "没有变化（之前已经是这样了）。"}


@routes.get(BASE)
@requires(Area.NOTICES)
async def people_page(request: web.Request) -> web.Response:
    """`?q=` a name or card number: the people found with their accounts' switches."""
    query = fold(request.query.get("q", ""))[:40]
    holders = await asyncio.to_thread(find_push_holders, request.app[LIBRARY], query) if query else []
    return page(request, "notices/people.html", {
        "q": query, "holders": holders, "topics": TOPICS, "labels": LABELS, "all": ALL, "essential": ESSENTIAL,
        "done": DONE.get(request.query.get("done", ""), ""), "tab": "people"})


@routes.post(f"{BASE}/topic")
@requires(Area.NOTICES)
async def switch_topic(request: web.Request) -> web.Response:
    """Switch one topic (`topic`, `on` = 1/0) for one account (`binding`); back to the same search."""
    form = await request.post()
    binding, topic, on = str(form.get("binding", "")), str(form.get("topic", "")), str(form.get("on", ""))
    binding_id = record_id(binding)
    if binding_id is None or topic not in LABELS or on not in ("0", "1"):
        raise web.HTTPBadRequest(text="请从推送设置页面的按钮操作。", content_type="text/plain")
    try:
        changed = await asyncio.to_thread(set_topic, request.app[LIBRARY], binding_id, topic, on == "1",
                                          actor=str(request[SESSION_KEY].staff.name))
    except NotFound:
        raise web.HTTPNotFound(text="这个账号已经解除绑定了，请重新查找。", content_type="text/plain") from None
    done = ("on" if on == "1" else "off") if changed else "same"
    query = urlencode({"q": fold(str(form.get("q", "")))[:40], "done": done})
    return web.Response(status=303, headers={"Location": f"{BASE}?{query}"})
