"""The Official Account callback end to end: verification, three modes, message and event kinds."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import xmltodict
from aiohttp.test_utils import TestClient

from bot.responder import HELP_TEXT, OTHER_TEXT, WELCOME_TEXT
from core.clock import FixedClock
from tests.transport.conftest import CountingResponder
from tests.transport.wechat_client import ACCOUNT, TOKEN, WeChatTestClient, sign


async def test_get_verification_echoes_echostr_when_signed(client: TestClient, clock: FixedClock) -> None:
    ts, nonce = "1409735669", "1320562132"  # the example in WeChat's docs: our clock stands at its time
    clock.set(datetime.fromtimestamp(int(ts), UTC))
    resp = await client.get("/wechat", params={"signature": sign(TOKEN, ts, nonce), "timestamp": ts,
                                               "nonce": nonce, "echostr": "5837397520665436492"})
    assert resp.status == 200
    assert await resp.text() == "5837397520665436492"


async def test_plaintext_text_message_gets_a_plaintext_reply_to_the_sender(wechat: WeChatTestClient,
                                                                           responder: CountingResponder) -> None:
    answer = await wechat.send_text("o-teacher", "我的借阅")
    assert answer.status == 200 and not answer.encrypted
    assert answer.text == "收到：我的借阅"
    doc = xmltodict.parse(answer.body)["xml"]
    assert doc["ToUserName"] == "o-teacher" and doc["FromUserName"] == ACCOUNT and doc["MsgType"] == "text"
    assert responder.calls[0].channel == "wechat" and responder.calls[0].user_id == "o-teacher"


async def test_safe_mode_message_is_decrypted_and_answered_encrypted(wechat_aes: WeChatTestClient) -> None:
    answer = await wechat_aes.send_text("o-teacher", "续借第2本")
    assert answer.status == 200 and answer.encrypted
    assert answer.text == "收到：续借第2本"


async def test_compatible_mode_is_answered_encrypted(wechat: WeChatTestClient) -> None:
    answer = await wechat.send_text("o-parent", "查 草房子", mode="compat")
    assert answer.encrypted and answer.text == "收到：查 草房子"


async def test_voice_message_uses_the_recognition_text(wechat: WeChatTestClient,
                                                        responder: CountingResponder) -> None:
    answer = await wechat.send({"ToUserName": ACCOUNT, "FromUserName": "o-1", "CreateTime": int(time.time()),
                                "MsgType": "voice", "MediaId": "m1", "Format": "amr", "Recognition": "我借了哪些书",
                                "MsgId": 1234567})
    assert answer.text == "收到：我借了哪些书"
    assert responder.calls[0].kind == "voice"


async def test_subscribe_gets_the_welcome_with_how_to_bind(wechat: WeChatTestClient) -> None:
    answer = await wechat.send_event("o-new", "subscribe")
    assert answer.text == WELCOME_TEXT
    assert "绑定 借阅证号 姓名 验证码" in WELCOME_TEXT


async def test_subscribe_through_a_qr_code_strips_the_scene_prefix(wechat: WeChatTestClient,
                                                                   responder: CountingResponder) -> None:
    await wechat.send_event("o-new", "subscribe", "qrscene_class32")
    assert (responder.calls[0].event, responder.calls[0].event_key) == ("subscribe_scan", "class32")


async def test_unsubscribe_is_acknowledged_with_success(wechat: WeChatTestClient,
                                                        responder: CountingResponder) -> None:
    answer = await wechat.send_event("o-leaving", "unsubscribe")
    assert answer.status == 200 and answer.body == "success"
    assert responder.calls[0].event == "unsubscribe"  # the router stops this user's pushes


async def test_menu_click_reaches_the_responder_with_its_key(wechat_aes: WeChatTestClient,
                                                             responder: CountingResponder) -> None:
    answer = await wechat_aes.send_event("o-1", "CLICK", "MY_LOANS")
    assert answer.text == HELP_TEXT
    assert (responder.calls[0].event, responder.calls[0].event_key) == ("click", "MY_LOANS")


async def test_scan_event_is_answered(wechat: WeChatTestClient) -> None:
    assert (await wechat.send_event("o-1", "SCAN", "123")).text == HELP_TEXT


async def test_images_links_and_locations_get_a_friendly_hint(wechat: WeChatTestClient) -> None:
    base = {"ToUserName": ACCOUNT, "FromUserName": "o-1", "CreateTime": int(time.time())}
    for i, extra in enumerate([{"MsgType": "image", "PicUrl": "http://x/y.jpg", "MediaId": "m"},
                               {"MsgType": "location", "Location_X": "23.1", "Location_Y": "113.3",
                                "Scale": 20, "Label": "学校"},
                               {"MsgType": "link", "Title": "t", "Description": "d", "Url": "http://x"},
                               {"MsgType": "video", "MediaId": "m", "ThumbMediaId": "t"}]):
        answer = await wechat.send({**base, **extra, "MsgId": 900 + i})
        assert answer.text == OTHER_TEXT, extra["MsgType"]


async def test_cdata_terminator_in_a_reply_is_escaped(wechat_aes: WeChatTestClient, wechat: WeChatTestClient) -> None:
    for client in (wechat, wechat_aes):
        answer = await client.send_text("o-1", "a]]>b<c>&")
        assert answer.text == "收到：a]]>b<c>&"
