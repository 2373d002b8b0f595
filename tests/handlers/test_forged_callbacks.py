"""The issue's forgery with the real router: a leaked plaintext-mode URL cannot get a binding code later."""
from __future__ import annotations

import re
from dataclasses import replace

from bot.router import Router
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from core.settings import Settings
from tests.factories import add_reader
from tests.handlers.helpers import make_librarian
from tests.transport.conftest import AppFactory
from tests.transport.wechat_client import TOKEN, WeChatTestClient, fresh_nonce, message_xml, sign, text_fields


async def test_a_leaked_url_replayed_a_month_later_gets_no_binding_code(
        router: Router, make_client: AppFactory, library: Library, settings: Settings, clock: FixedClock) -> None:
    from core import accounts

    add_reader(library, "王芳", ReaderType.TEACHER, card_no="L0001")
    make_librarian(library, "L0001")
    add_reader(library, "李老师", ReaderType.TEACHER, card_no="T0005")
    accounts.bind(library, "demo-librarian", "L0001", "王芳", accounts.issue_code(library, "L0001"))
    client = await make_client(library, router, settings=replace(settings, wechat=replace(settings.wechat,
                                                                                          mode="plain")))
    wechat = WeChatTestClient(client)
    ts, nonce = str(int(clock().timestamp())), fresh_nonce()
    leaked = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "demo-librarian"}
    genuine = await wechat.post(leaked, message_xml(text_fields("demo-librarian", "开馆时间")))
    assert genuine.status == 200 and genuine.text
    clock.advance(days=30)
    forged = await wechat.post(leaked, message_xml(text_fields("demo-librarian", "验证码 T0005")))
    assert (forged.status, forged.text) == (403, None)
    # The librarian asking for real, now, still gets a code: only the stale URL is refused.
    fresh = await wechat.send_text("demo-librarian", "验证码 T0005")
    assert fresh.status == 200 and re.search(r"验证码：\d{6}", fresh.text or ""), fresh.text
