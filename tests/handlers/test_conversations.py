"""Open questions live in the database: another process answers them, and they expire after 5 minutes."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.messages import IncomingMessage
from bot.nlp import Parser
from bot.router import Router
from core import accounts, conversations
from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from core.search import CatalogueSearch
from tests.factories import add_reader, add_term, add_title


@pytest.fixture
def second_library(db_url: str, clock: FixedClock) -> Iterator[Library]:
    """Another process on the same database: its own engine and pool."""
    lib = Library.open(db_url, clock=clock, migrate=False)
    yield lib
    lib.close()


def _router(library: Library, parser: Parser) -> Router:
    return Router(library, parser, CatalogueSearch(library.session_factory, background=False, recheck_seconds=0))


async def _say(router: Router, user_id: str, text: str) -> str:
    return (await router.respond(IncomingMessage(channel="wechat", user_id=user_id, kind="text", text=text))).text


def _teacher_with_two_loans(library: Library) -> None:
    add_term(library)
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    for name in ("草房子", "三体"):
        _, copies = add_title(library, name, copies=1)
        checkout(library, CheckoutItem(card, copies[0]))
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))


async def test_a_question_asked_by_one_process_is_answered_through_another(
        library: Library, second_library: Library, parser: Parser) -> None:
    _teacher_with_two_loans(library)
    first, second = _router(library, parser), _router(second_library, parser)
    assert "续借哪一本" in await _say(first, "wx-t", "续借")
    answer = await _say(second, "wx-t", "第二本")
    assert answer.count("已续借") == 1
    # The answer used the question up: the same "2" again is not a second renewal.
    assert "已续借" not in await _say(first, "wx-t", "2")


async def test_an_answer_after_five_minutes_does_nothing(library: Library, parser: Parser,
                                                         clock: FixedClock) -> None:
    _teacher_with_two_loans(library)
    router = _router(library, parser)
    await _say(router, "wx-t", "续借")
    clock.advance(minutes=4, seconds=59)
    assert conversations.peek(library, "wx-t") is not None
    clock.advance(seconds=2)
    assert conversations.peek(library, "wx-t") is None
    reply = await _say(router, "wx-t", "1")
    assert "已续借" not in reply and "过期" in reply


def test_put_replaces_and_take_returns_once(library: Library, clock: FixedClock) -> None:
    later = clock() + timedelta(minutes=5)
    conversations.put(library, "u1", {"kind": "renew", "options": [1, 2]}, later)
    conversations.put(library, "u1", {"kind": "reserve", "options": [7]}, later)
    conversations.put(library, "u2", {"kind": "confirm"}, later)
    assert conversations.take(library, "u1") == {"kind": "reserve", "options": [7]}
    assert conversations.take(library, "u1") is None
    assert conversations.take(library, "u2") == {"kind": "confirm"}


def test_expired_questions_are_cleared_when_others_are_asked(library: Library, clock: FixedClock) -> None:
    conversations.put(library, "u1", {"kind": "renew"}, clock() + timedelta(minutes=5))
    clock.advance(minutes=10)
    conversations.put(library, "u2", {"kind": "renew"}, clock() + timedelta(minutes=5))
    assert conversations.take(library, "u1") is None
    assert conversations.take(library, "u2") == {"kind": "renew"}
