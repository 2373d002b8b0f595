"""Forged and replayed callbacks through the real endpoints: timestamp window, once-only nonces, modes, purge."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import xmltodict
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.keys import PURGE
from bot.messages import IncomingMessage, Reply
from core.clock import FixedClock
from core.db import WouldBlock, memory_only
from core.library import Library
from core.models import CallbackNonce, IdempotencyKey
from core.replay import NonceStore
from core.settings import Settings
from tests.transport.conftest import AppFactory, CountingResponder
from tests.transport.wechat_client import (
    TOKEN,
    WECOM_TOKEN,
    WeChatTestClient,
    WeComTestClient,
    app_timestamp,
    fresh_nonce,
    message_xml,
    sign,
    text_fields,
)

WINDOW = 300  # the default [server] callback_window_seconds


def _nonce_rows(library: Library) -> int:
    store = NonceStore(library.session_factory, library.clock, timedelta(seconds=WINDOW))
    try:
        with store.engine.connect() as conn:  # on SQLite the side file beside the database
            return conn.scalar(select(func.count()).select_from(CallbackNonce)) or 0
    finally:
        store.close()


def _plain_query(ts: int, nonce: str, openid: str) -> dict[str, str]:
    return {"signature": sign(TOKEN, str(ts), nonce), "timestamp": str(ts), "nonce": nonce, "openid": openid}


async def _post(client: TestClient, params: dict[str, str], body: str) -> tuple[int, str]:
    resp = await client.post("/wechat", params=params, data=body)
    return resp.status, await resp.text()


async def test_a_month_old_signed_triple_cannot_carry_a_new_body(client: TestClient, clock: FixedClock,
                                                                 responder: CountingResponder) -> None:
    # The reproduction: one URL seen in a proxy log, reused 30 days later with any body.
    leaked = _plain_query(int(clock().timestamp()), fresh_nonce(), "demo-librarian")
    assert (await _post(client, leaked, message_xml(text_fields("demo-librarian", "我的借阅"))))[0] == 200
    clock.advance(days=30)
    for openid, text in (("demo-librarian", "验证码 T0005"), ("o-attacker", "绑定 T0005 张老师 123456")):
        status, body = await _post(client, {**leaked, "openid": openid}, message_xml(text_fields(openid, text)))
        assert (status, body) == (403, "forbidden")
    assert [m.text for m in responder.calls] == ["我的借阅"]


@pytest.mark.parametrize("skew", [-WINDOW - 1, WINDOW + 1, -3600, 86400 * 30])
async def test_timestamps_outside_the_window_either_way_are_403(client: TestClient, clock: FixedClock,
                                                                responder: CountingResponder, library: Library,
                                                                skew: int) -> None:
    ts = int(clock().timestamp()) + skew
    status, _ = await _post(client, _plain_query(ts, fresh_nonce(), "o-1"), message_xml(text_fields("o-1", "hi")))
    assert status == 403
    assert responder.calls == [] and _nonce_rows(library) == 0


@pytest.mark.parametrize("skew", [-WINDOW, -WINDOW + 1, 0, WINDOW - 1, WINDOW])
async def test_timestamps_inside_the_window_are_answered(client: TestClient, clock: FixedClock,
                                                         responder: CountingResponder, skew: int) -> None:
    ts = int(clock().timestamp()) + skew
    status, _ = await _post(client, _plain_query(ts, fresh_nonce(), "o-1"), message_xml(text_fields("o-1", "hi")))
    assert status == 200 and len(responder.calls) == 1


@pytest.mark.parametrize("mode", ["raw", "compat", "aes"])
async def test_a_nonce_is_accepted_once_in_every_mode(wechat: WeChatTestClient, responder: CountingResponder,
                                                      mode: str) -> None:
    q, body = wechat.build(text_fields("o-1", "续借第1本"), mode)
    first = await wechat.post(q, body)
    assert first.status == 200 and first.text == "收到：续借第1本"
    replay = await wechat.post(q, body)  # byte for byte what WeChat sent, seconds later
    assert (replay.status, replay.body) == (403, "forbidden")
    forged = await wechat.post(q, message_xml(text_fields("o-2", "绑定 T0001 张老师 123456")))
    assert forged.status in (400, 403)  # 400 when the query says encrypted and the body is not
    assert [m.text for m in responder.calls] == ["续借第1本"]


async def test_wecom_replays_are_refused(client: TestClient, responder: CountingResponder) -> None:
    wecom = WeComTestClient(client)
    q, body = wecom.build_text("u-1", "我的借阅")
    assert (await wecom.post(q, body)).text == "收到：我的借阅"
    replay = await wecom.post(q, body)
    assert (replay.status, replay.body) == (403, "forbidden")
    assert len(responder.calls) == 1


async def test_wecom_timestamps_outside_the_window_are_403(client: TestClient, clock: FixedClock,
                                                           responder: CountingResponder) -> None:
    wecom = WeComTestClient(client)
    clock.advance(seconds=-(WINDOW + 5))  # WeCom signs with our clock's time, which we then move on
    fields = {**text_fields("u-1", "hi", to=wecom.corp_id), "AgentID": 1000002}
    out = xmltodict.parse(wecom.crypto.encrypt_message(message_xml(fields), fresh_nonce(), app_timestamp(client)))
    clock.advance(seconds=WINDOW + 5)
    doc = out["xml"]
    resp = await client.post("/wecom", params={"msg_signature": doc["MsgSignature"], "timestamp": doc["TimeStamp"],
                                               "nonce": doc["Nonce"]},
                             data=f"<xml><Encrypt><![CDATA[{doc['Encrypt']}]]></Encrypt></xml>")
    assert resp.status == 403 and responder.calls == []


async def test_nonces_are_shared_by_server_processes_on_one_database(make_client: AppFactory, db_url: str,
                                                                     clock: FixedClock) -> None:
    lib_a, lib_b = Library.open(db_url, clock=clock, migrate=False), Library.open(db_url, clock=clock, migrate=False)
    a, b = CountingResponder(), CountingResponder()
    app_a, app_b = await make_client(lib_a, a), await make_client(lib_b, b)
    try:
        client_a, client_b = WeChatTestClient(app_a, mode="aes"), WeChatTestClient(app_b, mode="aes")
        q, body = client_a.build(text_fields("o-1", "我的借阅"))
        assert (await client_a.post(q, body)).status == 200
        assert (await client_b.post(q, body)).status == 403
        assert len(a.calls) + len(b.calls) == 1
    finally:
        await app_a.close()
        await app_b.close()
        lib_a.close()
        lib_b.close()


async def test_get_verification_is_guarded_the_same_way(client: TestClient, clock: FixedClock) -> None:
    ts, nonce = app_timestamp(client), fresh_nonce()
    params = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": "42"}
    first = await client.get("/wechat", params=params)
    assert (first.status, await first.text()) == (200, "42")
    assert (await client.get("/wechat", params=params)).status == 403
    old = str(int(clock().timestamp()) - WINDOW - 1)
    stale = {"signature": sign(TOKEN, old, "7"), "timestamp": old, "nonce": "7", "echostr": "42"}
    assert (await client.get("/wechat", params=stale)).status == 403


async def test_unsigned_or_wrongly_signed_requests_write_no_nonce(client: TestClient, wechat: WeChatTestClient,
                                                                  library: Library) -> None:
    ts, nonce = app_timestamp(client), fresh_nonce()
    bad = {"signature": sign("not-the-token", ts, nonce), "timestamp": ts, "nonce": nonce}
    assert (await _post(client, bad, message_xml(text_fields("o-1", "hi"))))[0] == 403
    q, body = wechat.build(text_fields("o-1", "hi"), "aes")
    assert (await _post(client, {**q, "msg_signature": "0" * 40}, body))[0] == 403  # signature ok, body not
    assert (await client.get("/wecom", params={"msg_signature": "0" * 40, "timestamp": ts, "nonce": nonce,
                                               "echostr": "x"})).status == 403
    assert _nonce_rows(library) == 0
    # The genuine request carrying that nonce still goes through.
    assert (await wechat.post(q, body)).status == 200 and _nonce_rows(library) == 1


def _with_mode(settings: Settings, mode: str) -> Settings:
    return replace(settings, wechat=replace(settings.wechat, mode=mode))


@pytest.mark.parametrize("mode", ["safe", "compat"])
async def test_encrypted_modes_refuse_plaintext_bodies(make_client: AppFactory, library: Library, settings: Settings,
                                                       mode: str) -> None:
    responder = CountingResponder()
    wechat = WeChatTestClient(await make_client(library, responder, settings=_with_mode(settings, mode)))
    forged = await wechat.send_text("demo-librarian", "验证码 T0005", mode="raw")
    assert (forged.status, forged.body) == (403, "forbidden")
    assert responder.calls == []
    assert (await wechat.send_text("o-1", "查 草房子", mode="aes")).text == "收到：查 草房子"
    assert (await wechat.send_text("o-1", "查 三体", mode="compat")).text == "收到：查 三体"


async def test_compat_mode_answers_the_encrypted_part_not_the_plaintext_beside_it(
        make_client: AppFactory, library: Library, settings: Settings) -> None:
    responder = CountingResponder()
    wechat = WeChatTestClient(await make_client(library, responder, settings=_with_mode(settings, "compat")))
    q, body = wechat.build(text_fields("o-1", "查 草房子"), "compat")
    # Someone rewrites the unsigned plaintext part of a compatible-mode body: it must not count.
    tampered = body.replace("<![CDATA[o-1]]>", "<![CDATA[demo-librarian]]>", 1).replace("查 草房子", "验证码 T0005", 1)
    assert tampered != body
    answer = await wechat.post(q, tampered)
    assert answer.status == 200 and answer.text == "收到：查 草房子"
    assert [(m.user_id, m.text) for m in responder.calls] == [("o-1", "查 草房子")]


async def test_a_captured_encrypted_request_stays_refused_after_every_purge(
        client: TestClient, wechat_aes: WeChatTestClient, clock: FixedClock, library: Library,
        responder: CountingResponder) -> None:
    q, body = wechat_aes.build(text_fields("o-1", "续借第1本", msg_id=990001))
    assert (await wechat_aes.post(q, body)).status == 200
    purge = client.app[PURGE]
    for step in (timedelta(seconds=WINDOW - 1), timedelta(seconds=WINDOW + 1), timedelta(minutes=30),
                 timedelta(days=2, minutes=1), timedelta(days=30)):
        clock.advance(seconds=step.total_seconds())
        await purge()
        assert (await wechat_aes.post(q, body)).status == 403, step
    assert len(responder.calls) == 1


async def test_purge_keeps_nonces_and_run_once_keys_while_a_copy_could_be_accepted(
        client: TestClient, wechat: WeChatTestClient, clock: FixedClock, library: Library) -> None:
    await wechat.send_text("o-1", "续借第1本", msg_id=990002)
    purge = client.app[PURGE]
    clock.advance(seconds=WINDOW)
    assert await purge() == (0, 0)
    assert _nonce_rows(library) == 1
    clock.advance(days=3)
    keys, nonces = await purge()
    assert (keys, nonces) == (1, 1)
    with library.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


async def test_wecom_get_verification_replay_is_refused(client: TestClient) -> None:
    wecom = WeComTestClient(client)
    ts, nonce = app_timestamp(client), fresh_nonce()
    echo = xmltodict.parse(wecom.crypto.encrypt_message("hello", nonce, ts))["xml"]["Encrypt"]
    params = {"msg_signature": sign(WECOM_TOKEN, ts, nonce, echo), "timestamp": ts, "nonce": nonce, "echostr": echo}
    first = await client.get("/wecom", params=params)
    assert (first.status, await first.text()) == (200, "hello")
    assert (await client.get("/wecom", params=params)).status == 403


class FromMemoryResponder(CountingResponder):
    """Answers on the event loop when the read model needs no database read, like the router's answer_now."""

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self.from_memory = self.needed_database = 0

    def needs_run_once(self, message: IncomingMessage) -> bool:
        return False  # a query: no run-once key is written

    def answer_now(self, message: IncomingMessage) -> Reply | None:
        assert self.library.live is not None
        try:
            with memory_only():
                self.library.live.sync()
        except WouldBlock:
            self.needed_database += 1
            return None
        self.from_memory += 1
        return Reply(f"即答：{message.text}")


async def test_writing_nonces_keeps_queries_answered_from_memory(make_client: AppFactory, library: Library) -> None:
    # On SQLite our own nonce commit moves data_version; without a sync after it every query would
    # go to a thread to read the change feed. (PostgreSQL has no such signal: it always reads the feed.)
    if library.engine.dialect.name != "sqlite" or library.live is None:
        pytest.skip("the data_version signal is SQLite's")
    responder = FromMemoryResponder(library)
    wechat = WeChatTestClient(await make_client(library, responder), mode="aes")
    library.live.sync()  # warm: the first look always reads the feed
    for i in range(5):
        assert (await wechat.send_text("o-1", f"我的借阅{i}")).text == f"即答：我的借阅{i}"
    assert (responder.from_memory, responder.needed_database) == (5, 0)


async def test_a_used_url_cut_into_another_timestamp_and_nonce_is_refused(client: TestClient,
                                                                         responder: CountingResponder) -> None:
    # The signature covers the sorted parts concatenated, not where each ends. A nonce that reads
    # as a timestamp of the same window lets the two swap: same string, same signature, a nonce
    # never seen. The request's signature is kept beside its nonce, so the swap is still a replay.
    ts = app_timestamp(client)
    nonce = str(int(ts) + 7)  # WeChat's nonces are digits; this one happens to look like a timestamp
    body = message_xml(text_fields("o-1", "我的借阅"))
    genuine = _plain_query(int(ts), nonce, "o-1")
    assert (await _post(client, genuine, body))[0] == 200
    swapped = {**genuine, "timestamp": nonce, "nonce": ts}
    assert swapped["signature"] == sign(TOKEN, nonce, ts)  # the same signature, validly
    assert (await _post(client, swapped, body))[0] == 403
    assert len(responder.calls) == 1
