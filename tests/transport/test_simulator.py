"""The simulator's JSON API runs the same dispatcher as /wechat and shows each user's pushes."""
from __future__ import annotations

import asyncio
from dataclasses import replace

from aiohttp.test_utils import TestClient

from bot.dispatch import HOLDING_TEXT
from bot.keys import CONSOLE
from bot.responder import WELCOME_TEXT
from core.library import Library
from core.settings import Settings
from tests.transport.conftest import AppFactory, CountingResponder


async def test_page_and_demo_users_are_served(client: TestClient) -> None:
    page = await client.get("/simulator")
    assert page.status == 200 and "书香" in await page.text()
    users = await (await client.get("/simulator/api/users")).json()
    assert "demo-teacher" in {u["id"] for u in users}
    menu = await (await client.get("/simulator/api/menu")).json()
    assert {"key": "MY_LOANS", "label": "我的借阅"} in menu


async def test_a_simulator_message_goes_through_the_dispatcher_once(client: TestClient,
                                                                    responder: CountingResponder) -> None:
    payload = {"user": "demo-teacher", "text": "我的借阅", "msg_id": "sim-1"}
    first = await (await client.post("/simulator/api/send", json=payload)).json()
    again = await (await client.post("/simulator/api/send", json=payload)).json()
    assert first == again == {"reply": "收到：我的借阅"}
    assert len(responder.calls) == 1 and responder.calls[0].channel == "simulator"


async def test_follow_and_menu_clicks_are_events(client: TestClient, responder: CountingResponder) -> None:
    follow = await (await client.post("/simulator/api/send", json={"user": "demo-stranger", "event": "subscribe"})).json()
    assert follow["reply"] == WELCOME_TEXT
    await client.post("/simulator/api/send", json={"user": "demo-parent", "event": "CLICK", "key": "RENEW"})
    assert (responder.calls[-1].event, responder.calls[-1].event_key) == ("click", "RENEW")


async def test_bad_simulator_requests_are_400(client: TestClient, responder: CountingResponder) -> None:
    for body in ("not json", "[1]", '{"text": "no user"}'):
        resp = await client.post("/simulator/api/send", data=body, headers={"Content-Type": "application/json"})
        assert resp.status == 400
    assert (await client.get("/simulator/api/pushes")).status == 400
    assert (await client.get("/simulator/api/pushes?user=u&after=x")).status == 400
    assert responder.calls == []


async def test_console_pushes_show_up_in_the_users_inbox_only(client: TestClient) -> None:
    console = client.app[CONSOLE]
    await console.send_text("demo-teacher", "《草房子》后天到期，记得归还或续借。", title="到期提醒", key="due:1")
    await console.send_text("demo-teacher", "重复的通知", title="到期提醒", key="due:1")  # same key: stored once
    await console.send_text("demo-parent", "别人的通知")
    pushes = await (await client.get("/simulator/api/pushes", params={"user": "demo-teacher"})).json()
    assert [(p["title"], p["text"]) for p in pushes] == [("到期提醒", "《草房子》后天到期，记得归还或续借。")]
    newer = await (await client.get("/simulator/api/pushes", params={"user": "demo-teacher",
                                                                      "after": pushes[-1]["id"]})).json()
    assert newer == []


async def test_a_slow_simulator_answer_arrives_in_the_push_inbox(make_client: AppFactory, library: Library) -> None:
    gate = asyncio.Event()
    client = await make_client(library, CountingResponder(gate), deadline=0.2)
    reply = await (await client.post("/simulator/api/send", json={"user": "demo-teacher", "text": "查 三体"})).json()
    assert reply == {"reply": HOLDING_TEXT}
    gate.set()
    for _ in range(250):
        pushes = await (await client.get("/simulator/api/pushes", params={"user": "demo-teacher"})).json()
        if pushes:
            break
        await asyncio.sleep(0.02)
    assert [(p["kind"], p["text"]) for p in pushes] == [("reply", "收到：查 三体")]


async def test_the_simulator_is_off_outside_demo_mode(make_client: AppFactory, library: Library,
                                                      settings: Settings) -> None:
    client = await make_client(library, CountingResponder(), settings=replace(settings, demo=False))
    assert (await client.get("/simulator")).status == 404
    assert (await client.post("/simulator/api/send", json={"user": "x", "text": "y"})).status == 404
