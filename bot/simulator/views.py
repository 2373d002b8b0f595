"""Simulator routes: the page, demo users, a JSON send endpoint into the shared dispatcher, the push inbox."""
from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.bootstrap import demo_users
from bot.keys import CONSOLE, DISPATCHER
from bot.menu import MENU
from bot.messages import IncomingMessage

PAGE = Path(__file__).with_name("page.html")
MAX_TEXT = 600  # WeChat's own input box stops near here


def add_routes(app: web.Application) -> None:
    """Mount the simulator under /simulator."""
    app.router.add_get("/simulator", page)
    app.router.add_get("/simulator/api/users", users)
    app.router.add_get("/simulator/api/menu", menu)
    app.router.add_post("/simulator/api/send", send)
    app.router.add_get("/simulator/api/pushes", pushes)


async def page(request: web.Request) -> web.FileResponse:
    """The chat page (plain HTML and JS)."""
    return web.FileResponse(PAGE, headers={"Content-Type": "text/html; charset=utf-8"})


async def users(request: web.Request) -> web.Response:
    """The demo users one can chat as."""
    return web.json_response([{"id": u, "role": role, "card": card, "name": name}
                              for u, role, card, name in demo_users()])


async def menu(request: web.Request) -> web.Response:
    """The custom menu's buttons (CLICK keys), as on the Official Account."""
    return web.json_response([{"key": key, "label": label} for key, label, _ in MENU])


def _bad(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


async def send(request: web.Request) -> web.Response:
    """Build the same IncomingMessage a WeChat callback would and run it through the same dispatcher."""
    try:
        body: Any = await request.json()
    except ValueError:
        return _bad("JSON expected")
    if not isinstance(body, dict):
        return _bad("JSON object expected")
    user = str(body.get("user", "")).strip()
    if not user or len(user) > 64:
        return _bad("user required")
    # The page sends its own id per message: a re-sent request (double click, retry) runs once.
    msg_id = str(body.get("msg_id") or uuid.uuid4().int >> 64)[:64]
    now = int(time.time())
    if body.get("event"):
        event = str(body["event"]).lower()[:32]
        message = IncomingMessage(channel="simulator", user_id=user, kind="event", event=event,
                                  event_key=str(body.get("key", ""))[:64], create_time=now,
                                  msg_id=msg_id, msg_type="event")
    else:
        text = str(body.get("text", "")).strip()[:MAX_TEXT]
        message = IncomingMessage(channel="simulator", user_id=user, kind="text", text=text, msg_id=msg_id,
                                  create_time=now, msg_type="text")
    reply = await request.app[DISPATCHER].dispatch(message)
    return web.json_response({"reply": reply.text})


async def pushes(request: web.Request) -> web.Response:
    """Pushes the user received (notices and late answers), newer than `after`."""
    user = request.query.get("user", "")
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        return _bad("after must be a number")
    if not user:
        return _bad("user required")
    items = await asyncio.to_thread(request.app[CONSOLE].inbox, user, after=after)
    return web.json_response([{"id": p.id, "kind": p.kind, "title": p.title, "text": p.text, "sent_at": p.sent_at}
                              for p in items])
