"""Handler scenarios: every message goes through the real /wechat endpoint as signed, encrypted XML
(the router answers as the server's responder), over the real database with a fixed clock."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.nlp import Parser
from bot.router import Router
from core.library import Library
from core.search import CatalogueSearch
from tests.factories import add_term
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401  (fixtures)
from tests.transport.wechat_client import WeChatTestClient

TERMS = ["草房子", "曹文轩", "三体", "刘慈欣", "城南旧事", "林海音", "小王子", "狼王梦", "沈石溪"]

Say = Callable[[str, str], Awaitable[str]]


@pytest.fixture(scope="session")
def parser() -> Parser:
    return Parser(catalogue_terms=TERMS)


@pytest.fixture
def router(library: Library, parser: Parser) -> Router:
    add_term(library)
    return Router(library, parser, CatalogueSearch(library.session_factory, background=False, recheck_seconds=0))


@pytest.fixture
async def say(router: Router, make_client: AppFactory, library: Library) -> Say:  # noqa: F811
    """Send one text message as a user through POST /wechat (safe mode) and return the decrypted reply."""
    # A generous deadline: these tests are about the answers, the 5-second hand-off has its own tests.
    wechat = WeChatTestClient(await make_client(library, router, deadline=30.0), mode="aes")

    async def send(user_id: str, text: str) -> str:
        answer = await wechat.send_text(user_id, text)
        assert answer.status == 200, answer.body
        return answer.text or ""
    return send
