"""Every class of bad callback is refused with a bare 4xx, nothing runs, and no trace leaks."""
from __future__ import annotations

import base64
from dataclasses import replace

import pytest
import xmltodict
from aiohttp.test_utils import TestClient
from wechatpy.crypto import WeChatCrypto

from core.library import Library
from core.settings import Settings
from tests.transport.conftest import AppFactory, CountingResponder
from tests.transport.wechat_client import (
    AES_KEY,
    CORP_ID,
    TOKEN,
    WECOM_TOKEN,
    WeChatTestClient,
    WeComTestClient,
    sign,
    text_fields,
)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>"""
XXE = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""


async def _assert_refused(resp_status: int, body: str, expected: int) -> None:
    assert resp_status == expected
    assert "Traceback" not in body and "Error" not in body and len(body) < 40


async def test_missing_or_wrong_signature_is_403(client: TestClient, wechat: WeChatTestClient,
                                                 responder: CountingResponder) -> None:
    q, body = wechat.build(text_fields("o-1", "hi"))
    for params in ({}, {**q, "signature": "0" * 40}, {k: v for k, v in q.items() if k != "signature"},
                   {**q, "timestamp": "1"}):
        resp = await client.post("/wechat", params=params, data=body)
        await _assert_refused(resp.status, await resp.text(), 403)
    resp = await client.get("/wechat", params={"signature": "bad", "timestamp": "1", "nonce": "2", "echostr": "x"})
    await _assert_refused(resp.status, await resp.text(), 403)
    assert responder.calls == []


async def test_safe_mode_needs_a_valid_msg_signature(client: TestClient, wechat: WeChatTestClient,
                                                     responder: CountingResponder) -> None:
    q, body = wechat.build(text_fields("o-1", "hi"), "aes")
    for params in ({k: v for k, v in q.items() if k != "msg_signature"}, {**q, "msg_signature": "f" * 40}):
        resp = await client.post("/wechat", params=params, data=body)
        await _assert_refused(resp.status, await resp.text(), 403)
    assert responder.calls == []


@pytest.mark.parametrize("body", ["<xml><MsgType>text", "not xml at all", "", "<other>1</other>",
                                  "<xml><MsgType>text</MsgType></xml>", b"\xff\xfe<xml/>"])
async def test_malformed_xml_is_400(client: TestClient, wechat: WeChatTestClient, responder: CountingResponder,
                                    body: str | bytes) -> None:
    resp = await client.post("/wechat", params=wechat.query(), data=body)
    await _assert_refused(resp.status, await resp.text(), 400)
    assert responder.calls == []


@pytest.mark.parametrize("body", [XXE, BILLION_LAUGHS])
async def test_doctype_and_entities_are_refused_before_parsing(client: TestClient, wechat: WeChatTestClient,
                                                               responder: CountingResponder, body: str) -> None:
    resp = await client.post("/wechat", params=wechat.query(), data=body)
    await _assert_refused(resp.status, await resp.text(), 400)
    assert responder.calls == []


async def test_entities_inside_the_encrypted_payload_are_refused_too(client: TestClient, wechat: WeChatTestClient,
                                                                     responder: CountingResponder) -> None:
    encrypt = xmltodict.parse(wechat.crypto.encrypt_message(XXE, "1"))["xml"]["Encrypt"]
    resp = await client.post("/wechat", params=wechat.query(encrypt),
                             data=f"<xml><ToUserName>gh</ToUserName><Encrypt>{encrypt}</Encrypt></xml>")
    await _assert_refused(resp.status, await resp.text(), 400)
    assert responder.calls == []


async def test_bodies_over_64_kib_are_413_declared_or_chunked(client: TestClient, wechat: WeChatTestClient,
                                                               responder: CountingResponder) -> None:
    big = text_fields("o-1", "书" * 30000)  # 90 KB of UTF-8
    q, body = wechat.build(big)
    resp = await client.post("/wechat", params=q, data=body.encode())
    await _assert_refused(resp.status, await resp.text(), 413)

    async def chunks():  # no Content-Length: the limit is counted while reading
        data = body.encode()
        for i in range(0, len(data), 8192):
            yield data[i:i + 8192]
    resp = await client.post("/wechat", params=q, data=chunks())
    await _assert_refused(resp.status, await resp.text(), 413)
    assert responder.calls == []


def _signed_envelope(wechat: WeChatTestClient, encrypt: str) -> tuple[dict[str, str], str]:
    return wechat.query(encrypt), f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"


@pytest.mark.parametrize("encrypt", [
    "not base64!!",  # binascii.Error
    "QUJD",  # 3 bytes: not whole AES blocks (ValueError)
    base64.b64encode(b"\x00" * 32).decode(),  # whole blocks, garbage plaintext
    "",
])
async def test_correctly_signed_broken_ciphertext_is_400_not_500(client: TestClient, wechat: WeChatTestClient,
                                                                 responder: CountingResponder, encrypt: str) -> None:
    q, body = _signed_envelope(wechat, encrypt)
    resp = await client.post("/wechat", params=q, data=body)
    assert 400 <= resp.status < 500
    await _assert_refused(resp.status, await resp.text(), resp.status)
    assert responder.calls == []


async def test_a_message_for_another_appid_is_rejected(client: TestClient, wechat: WeChatTestClient,
                                                       responder: CountingResponder) -> None:
    other = WeChatCrypto(TOKEN, AES_KEY, "wxsomeoneelse0001")
    plain = "<xml><ToUserName>gh</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime>" \
            "<MsgType>text</MsgType><Content>hi</Content><MsgId>5</MsgId></xml>"
    encrypt = xmltodict.parse(other.encrypt_message(plain, "1"))["xml"]["Encrypt"]
    q, body = _signed_envelope(wechat, encrypt)
    resp = await client.post("/wechat", params=q, data=body)
    await _assert_refused(resp.status, await resp.text(), 403)
    assert responder.calls == []


async def test_wecom_rejects_bad_signatures_corp_ids_and_ciphertexts(client: TestClient,
                                                                     responder: CountingResponder) -> None:
    ts, nonce = "1409659589", "263014780"
    # wrong CorpID: a valid ciphertext from another corp, correctly signed
    from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
    foreign = WeComCrypto(WECOM_TOKEN, "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wwanothercorp01")
    echo = xmltodict.parse(foreign.encrypt_message("hello", nonce, ts))["xml"]["Encrypt"]
    cases = [
        ({"timestamp": ts, "nonce": nonce, "echostr": echo}, 403),  # no msg_signature
        ({"msg_signature": "0" * 40, "timestamp": ts, "nonce": nonce, "echostr": echo}, 403),
        ({"msg_signature": sign(WECOM_TOKEN, ts, nonce, echo), "timestamp": ts, "nonce": nonce, "echostr": echo}, 403),
        ({"msg_signature": sign(WECOM_TOKEN, ts, nonce, "%%%"), "timestamp": ts, "nonce": nonce, "echostr": "%%%"},
         400),
    ]
    for params, status in cases:
        resp = await client.get("/wecom", params=params)
        await _assert_refused(resp.status, await resp.text(), status)
    resp = await client.post("/wecom", params={"msg_signature": "x", "timestamp": ts, "nonce": nonce},
                             data=f"<xml><ToUserName>{CORP_ID}</ToUserName><Encrypt>abc</Encrypt></xml>")
    await _assert_refused(resp.status, await resp.text(), 403)
    resp = await client.post("/wecom", params={"msg_signature": "x"}, data=XXE)
    await _assert_refused(resp.status, await resp.text(), 400)
    assert responder.calls == []


async def test_unconfigured_accounts_answer_404_rather_than_trusting_an_empty_token(
        make_client: AppFactory, library: Library, responder: CountingResponder, settings: Settings) -> None:
    bare = replace(settings, wechat=replace(settings.wechat, token="", aes_key=""),
                   wecom=replace(settings.wecom, token=""))
    client = await make_client(library, responder, settings=bare)
    ts, nonce = "1", "2"
    resp = await client.get("/wechat", params={"signature": sign("", ts, nonce), "timestamp": ts, "nonce": nonce,
                                               "echostr": "x"})
    await _assert_refused(resp.status, await resp.text(), 404)
    resp = await client.post("/wechat", params={"signature": sign("", ts, nonce), "timestamp": ts, "nonce": nonce},
                             data="<xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>")
    await _assert_refused(resp.status, await resp.text(), 404)
    assert (await WeComTestClient(client).send_text("u1", "hi")).status == 404
    assert responder.calls == []
