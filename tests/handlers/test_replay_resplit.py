# ruff: noqa: F811  (pytest fixtures imported from tests/transport/conftest.py)
"""Review finding: a signed URL can be re-split into a *new* nonce with a zero-padded timestamp.

WeChat's signature is sha1 of the sorted, concatenated (token, timestamp, nonce): the boundary
between the parts is not signed. When the genuine nonce starts with "0" and ends with "0" (and its
second digit sorts below the timestamp's first), moving that last "0" to the front of the timestamp
gives the same concatenation, so the same signature: nonce "01234560" + timestamp "1796051911"
== nonce "0123456" + timestamp "01796051911". parse_timestamp accepts the leading zero (same
second, inside the window) and the shorter nonce is new, so the replay guard lets the URL through
again; in plaintext mode with any body. A timestamp must be canonical (no leading zero) to stop it.
"""
from __future__ import annotations

import re
from dataclasses import replace

import xmltodict

from bot.reply import cdata
from bot.router import Router
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from core.settings import Settings
from tests.factories import add_reader
from tests.handlers.helpers import make_librarian
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401  (fixtures)
from tests.transport.wechat_client import (
    CORP_ID,
    TOKEN,
    WECOM_TOKEN,
    WeChatTestClient,
    WeComTestClient,
    message_xml,
    sign,
    text_fields,
)


async def test_a_used_url_re_split_with_a_zero_padded_timestamp_is_refused(
        router: Router, make_client: AppFactory, library: Library, settings: Settings, clock: FixedClock) -> None:
    from core import accounts

    add_reader(library, "王芳", ReaderType.TEACHER, card_no="L0001")
    make_librarian(library, "L0001")
    add_reader(library, "李老师", ReaderType.TEACHER, card_no="T0005")
    accounts.bind(library, "demo-librarian", "L0001", "王芳", accounts.issue_code(library, "L0001"))
    client = await make_client(library, router, settings=replace(settings, wechat=replace(settings.wechat,
                                                                                          mode="plain")))
    wechat = WeChatTestClient(client)
    ts, nonce = str(int(clock().timestamp())), "01234560"  # the only precondition: this nonce's shape
    used = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "demo-librarian"}
    genuine = await wechat.post(used, message_xml(text_fields("demo-librarian", "开馆时间")))
    assert genuine.status == 200 and genuine.text

    re_split = dict(used, nonce=nonce[:-1], timestamp="0" + ts)
    assert sign(TOKEN, re_split["timestamp"], re_split["nonce"]) == used["signature"]  # same signature
    forged = await wechat.post(re_split, message_xml(text_fields("demo-librarian", "验证码 T0005")))
    assert forged.status == 403, f"re-split URL accepted: {forged.status} {forged.text!r}"
    assert not re.search(r"验证码：\d{6}", forged.text or "")


async def test_a_used_wecom_url_re_split_with_a_zero_padded_timestamp_is_refused(
        router: Router, make_client: AppFactory, library: Library, clock: FixedClock) -> None:
    # /wecom parses the same timestamp (bot/replay.py parse_timestamp); msg_signature sorts four
    # parts (token, timestamp, nonce, Encrypt), and the re-split keeps their order and concatenation.
    client = await make_client(library, router)
    wecom = WeComTestClient(client)
    ts, nonce = str(int(clock().timestamp())), "01234560"
    fields = text_fields("wecom-user", "开馆时间", to=CORP_ID)
    fields["AgentID"] = 1000002
    doc = {"Encrypt": "0"}
    # (random IV) an Encrypt that starts with a digit may sort between the timestamp and the nonce, and the
    # re-split ("0" + ts, nonce shortened) would then reorder the parts: it failed so once in CI (Encrypt "1…").
    while doc["Encrypt"][:1].isdigit():
        doc = xmltodict.parse(wecom.crypto.encrypt_message(message_xml(fields), nonce, ts))["xml"]
    body = (f"<xml><ToUserName>{cdata(CORP_ID)}</ToUserName><AgentID>1000002</AgentID>"
            f"<Encrypt>{cdata(doc['Encrypt'])}</Encrypt></xml>")
    used = {"msg_signature": doc["MsgSignature"], "timestamp": ts, "nonce": nonce}
    assert (await wecom.post(used, body)).status == 200
    assert (await wecom.post(used, body)).status == 403  # the plain replay is caught

    re_split = dict(used, nonce=nonce[:-1], timestamp="0" + ts)
    assert sign(WECOM_TOKEN, re_split["timestamp"], re_split["nonce"], doc["Encrypt"]) == used["msg_signature"]
    again = await wecom.post(re_split, body)
    assert again.status == 403, f"re-split URL accepted: {again.status} {again.text!r}"
