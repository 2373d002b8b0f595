"""Queries answered from the read model on the event loop; anything else, or anything new, in a thread.

Through the real /wechat endpoint: the answers must be the same either way, and a change committed
by another process (the desk) shows in the very next answer.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.router import Router
from core import accounts
from core.circulation import CheckinItem, CheckoutItem, checkin, checkout
from core.clock import FixedClock
from core.library import Library
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say


@pytest.fixture
def desk(db_url: str, clock: FixedClock) -> Iterator[Library]:
    """The librarian's desk: another process on the same database."""
    lib = Library.open(db_url, clock=clock, migrate=False)
    yield lib
    lib.close()


async def test_a_repeated_query_skips_the_thread_and_a_desk_change_shows_at_once(
        library: Library, desk: Library, router: Router, say: Say) -> None:
    reader_id, card = add_reader(library, "张静", card_no="T0001")
    _, [grass] = add_title(library, "草房子")
    _, [three] = add_title(library, "三体")
    accounts.bind_directly(library, "wx-t", reader_id=reader_id)
    checkout(library, CheckoutItem(card, grass))

    first = await say("wx-t", "我的借阅")
    assert "张静借了1本" in first and "《草房子》" in first
    in_thread = router.ran_in_thread
    assert await say("wx-t", "我的借阅") == first
    if library.engine.dialect.name == "sqlite":
        assert router.ran_in_thread == in_thread  # answered from memory, on the event loop
    else:
        assert router.ran_in_thread == in_thread + 1  # PostgreSQL: every message reads the feed first

    checkout(desk, CheckoutItem(card, three))
    second = await say("wx-t", "我的借阅")
    assert "张静借了2本" in second and "《三体》" in second
    checkin(desk, CheckinItem(grass))
    third = await say("wx-t", "我的借阅")
    assert "张静借了1本" in third and "《草房子》" not in third


async def test_actions_never_run_on_the_event_loop(library: Library, router: Router, say: Say) -> None:
    reader_id, card = add_reader(library, "张静", card_no="T0001")
    _, [grass] = add_title(library, "草房子")
    accounts.bind_directly(library, "wx-t", reader_id=reader_id)
    checkout(library, CheckoutItem(card, grass))
    before = await say("wx-t", "我的借阅")
    in_thread = router.ran_in_thread
    renewed = await say("wx-t", "续借草房子")
    assert "已续借" in renewed
    assert router.ran_in_thread == in_thread  # not even tried there: an action goes straight to a thread
    new_due = renewed.split("新的还书日是", 1)[1].split("（", 1)[0]
    after = await say("wx-t", "我的借阅")
    assert after != before and f"{new_due}（" in after  # the read model forgot the old due date
