"""The stories through the real /wechat endpoint with signed (and encrypted) XML."""
from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.nlp import Parser
from bot.router import Router
from core import accounts
from core.circulation import CheckoutItem, checkout
from core.library import Library
from core.models import Loan, ReaderType
from core.search import CatalogueSearch
from tests.factories import add_reader, add_term, add_title
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401 - fixtures
from tests.transport.wechat_client import WeChatTestClient


async def _client(make_client: AppFactory, library: Library, parser: Parser) -> TestClient:  # noqa: F811
    router = Router(library, parser, CatalogueSearch(library.session_factory, background=False))
    return await make_client(library, router)


async def test_teacher_binds_and_renews_over_signed_encrypted_xml(make_client: AppFactory,  # noqa: F811
                                                                  library: Library, parser: Parser) -> None:
    add_term(library)
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    for name in ("草房子", "三体"):
        _, copies = add_title(library, name, copies=1)
        checkout(library, CheckoutItem(card, copies[0]))
    code = accounts.issue_code(library, "T0001")
    wechat = WeChatTestClient(await _client(make_client, library, parser), mode="aes")
    stranger = await wechat.send_text("wx-e2e", "我的借阅")
    assert stranger.encrypted and "还没有绑定" in (stranger.text or "")
    assert "绑定成功" in ((await wechat.send_text("wx-e2e", f"绑定 T0001 张静 {code}")).text or "")
    assert "续借哪一本" in ((await wechat.send_text("wx-e2e", "续借")).text or "")
    first = await wechat.send_text("wx-e2e", "2", msg_id=777001)
    retry = await wechat.send_text("wx-e2e", "2", msg_id=777001)  # WeChat retries the same MsgId
    assert "已续借" in (first.text or "")
    assert retry.text in (None, first.text)
    with library.uow() as uow:
        renewed = list(uow.session.scalars(select(Loan.renewal_count)))
    assert sorted(renewed) == [0, 1]
