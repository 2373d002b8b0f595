"""Signed, encrypted WeChat events and voice messages for the scenario tests (nested XML included).

The shared test client (tests/transport/wechat_client.py) writes flat fields only; a menu scan
carries `<ScanCodeInfo>` with two elements inside, so these helpers write the XML as WeChat does.
"""
from __future__ import annotations

import itertools
import time

import xmltodict

from bot.reply import cdata
from tests.privacy import register_sent
from tests.transport.wechat_client import ACCOUNT, Answer, WeChatTestClient

_times = itertools.count(int(time.time()))  # events have no MsgId: CreateTime tells retries apart
_msg_ids = itertools.count(7_100_000_000_000_000_000)


def event_xml(openid: str, event: str, *, key: str = "", create_time: int | None = None,
              scan_type: str = "", scan_result: str = "") -> str:
    """An event as WeChat posts it; a menu scan adds ScanCodeInfo (ScanType, ScanResult)."""
    parts = [f"<ToUserName>{cdata(ACCOUNT)}</ToUserName>", f"<FromUserName>{cdata(openid)}</FromUserName>",
             f"<CreateTime>{create_time or next(_times)}</CreateTime>", f"<MsgType>{cdata('event')}</MsgType>",
             f"<Event>{cdata(event)}</Event>", f"<EventKey>{cdata(key)}</EventKey>"]
    if scan_type or scan_result:
        parts.append(f"<ScanCodeInfo><ScanType>{cdata(scan_type)}</ScanType>"
                     f"<ScanResult>{cdata(scan_result)}</ScanResult></ScanCodeInfo>")
    return "<xml>" + "".join(parts) + "</xml>"


def voice_xml(openid: str, recognition: str | None) -> str:
    """A voice message; `recognition` None leaves `<Recognition>` out (no speech recognition)."""
    parts = [f"<ToUserName>{cdata(ACCOUNT)}</ToUserName>", f"<FromUserName>{cdata(openid)}</FromUserName>",
             f"<CreateTime>{int(time.time())}</CreateTime>", f"<MsgType>{cdata('voice')}</MsgType>",
             f"<MediaId>{cdata('media-id-1')}</MediaId>", f"<Format>{cdata('amr')}</Format>",
             f"<MsgId>{next(_msg_ids)}</MsgId>"]
    if recognition is not None:
        parts.append(f"<Recognition>{cdata(recognition)}</Recognition>")
    return "<xml>" + "".join(parts) + "</xml>"


async def post_xml(wechat: WeChatTestClient, openid: str, plain: str, text: str | None = None) -> Answer:
    """Post one plaintext callback body encrypted (safe mode), signed as WeChat signs it."""
    register_sent(openid, text)  # tests/privacy.py: must not reach a log
    encrypt = xmltodict.parse(wechat.crypto.encrypt_message(plain, "1"))["xml"]["Encrypt"]
    query = wechat.query(encrypt, openid=openid)
    body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
    return await wechat.post(query, body)
