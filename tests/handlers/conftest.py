"""Handler scenarios: the router as a Responder over the real database with a fixed clock."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.messages import IncomingMessage
from bot.nlp import Parser
from bot.router import Router
from core.library import Library
from core.search import CatalogueSearch
from tests.factories import add_term

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
def say(router: Router) -> Say:
    """Send one text message as a user and return the reply text."""
    async def send(user_id: str, text: str) -> str:
        reply = await router.respond(IncomingMessage(channel="wechat", user_id=user_id, kind="text", text=text))
        return reply.text
    return send
