"""Positions mean the list the user was last shown (issue 11 #10), through /wechat.

Loans are numbered soonest due first, so renewing book 1 moves it down the order. A user who
read "1.《草房子》 2.《三体》", renewed 1 and then asks for 2 means 《三体》, not whatever is second now;
and a number is never acted on when the list it came from may have changed.
"""
from __future__ import annotations

from bot.handlers.people import ShownLists
from bot.router import Router
from core import accounts
from core.circulation import CheckinItem, CheckoutItem, checkin, checkout
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say


def _teacher_with_two_loans(library: Library, clock: FixedClock) -> tuple[str, str]:
    """张静 holds 草房子 (due first) and 三体 (due two days later); returns their barcodes.

    The clock then moves on an hour: the user reads the list later, not while being served.
    """
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    _, grass = add_title(library, "草房子", "曹文轩", copies=1)
    _, three = add_title(library, "三体", "刘慈欣", copies=1)
    checkout(library, CheckoutItem(card, grass[0]))
    clock.advance(days=2)
    checkout(library, CheckoutItem(card, three[0]))
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    clock.advance(hours=1)
    return grass[0], three[0]


def _numbered(reply: str) -> list[str]:
    """Titles in the order the reply numbered them ("1.《草房子》…")."""
    return [line.split("《", 1)[1].split("》", 1)[0] for line in reply.splitlines()
            if line[:1].isdigit() and "《" in line]


async def test_renewing_book_one_really_moves_it_down_the_order(
        library: Library, clock: FixedClock, say: Say) -> None:
    _teacher_with_two_loans(library, clock)
    assert _numbered(await say("wx-t", "我的借阅")) == ["草房子", "三体"]
    assert "✓ 《草房子》已续借" in await say("wx-t", "续借第1本")  # new due date after 三体's
    assert _numbered(await say("wx-t", "我的借阅")) == ["三体", "草房子"]


async def test_second_book_of_the_list_read_is_renewed_after_the_first_moved(
        library: Library, clock: FixedClock, say: Say) -> None:
    _teacher_with_two_loans(library, clock)
    await say("wx-t", "我的借阅")
    assert "✓ 《草房子》已续借" in await say("wx-t", "续借第1本")

    second = await say("wx-t", "续借第2本")
    # Before: the numbers followed the new order, so "2" was 草房子 again (refused as renewed).
    assert "✓ 《三体》已续借" in second and "草房子" not in second


async def test_asking_for_book_one_again_names_the_same_book_never_another(
        library: Library, clock: FixedClock, say: Say) -> None:
    _teacher_with_two_loans(library, clock)
    await say("wx-t", "我的借阅")
    await say("wx-t", "续借第1本")

    again = await say("wx-t", "续借第1本")
    # Before: 三体 (now first by due date) was renewed although the user never chose it.
    assert "《草房子》不能续借" in again and "已续借过" in again
    assert "三体" not in again


async def test_an_answer_to_the_renew_question_then_a_position_use_the_question_list(
        library: Library, clock: FixedClock, say: Say) -> None:
    _teacher_with_two_loans(library, clock)
    question = await say("wx-t", "续借")
    assert _numbered(question) == ["草房子", "三体"]
    assert "✓ 《草房子》已续借" in await say("wx-t", "1")
    assert "✓ 《三体》已续借" in await say("wx-t", "续借第2本")


async def test_a_book_returned_after_the_list_was_used_keeps_its_number(
        library: Library, clock: FixedClock, say: Say) -> None:
    grass, _ = _teacher_with_two_loans(library, clock)
    await say("wx-t", "我的借阅")
    await say("wx-t", "续借第1本")
    checkin(library, CheckinItem(grass))  # returned at the desk while the list is on the phone

    gone = await say("wx-t", "续借第1本")
    assert "第1本已经还了" in gone and "三体" not in gone
    assert "✓ 《三体》已续借" in await say("wx-t", "续借第2本")


async def test_a_number_means_the_list_just_shown_even_after_a_return(
        library: Library, clock: FixedClock, say: Say) -> None:
    grass, _ = _teacher_with_two_loans(library, clock)
    assert _numbered(await say("wx-t", "我的借阅")) == ["草房子", "三体"]
    checkin(library, CheckinItem(grass))  # returned at the desk: 三体 is now first
    # 我的借阅's list is remembered in this process: no. 2 is the 三体 the user read.
    assert "✓ 《三体》已续借" in await say("wx-t", "续借第2本")


async def test_a_number_is_not_acted_on_when_the_loans_changed_and_the_list_is_unknown(
        library: Library, clock: FixedClock, say: Say, router: Router) -> None:
    grass, _ = _teacher_with_two_loans(library, clock)
    assert _numbered(await say("wx-t", "我的借阅")) == ["草房子", "三体"]
    checkin(library, CheckinItem(grass))  # returned at the desk: 三体 is now first
    router.shown = ShownLists()  # the list was shown by another server process

    asked = await say("wx-t", "续借第2本")
    # Before: "没有第2本" at best; with three books, the old third would have been renewed.
    assert "已续借" not in asked and "续借哪一本" in asked and _numbered(asked) == ["三体"]
    assert "✓ 《三体》已续借" in await say("wx-t", "1")


async def test_a_changed_loan_before_the_list_was_shown_does_not_make_the_bot_ask(
        library: Library, clock: FixedClock, say: Say) -> None:
    # Found by a newcomer: a return at the desk, then 我的借阅, then 续借第1本 got "您的借阅刚有变化…".
    grass, _ = _teacher_with_two_loans(library, clock)
    checkin(library, CheckinItem(grass))
    assert _numbered(await say("wx-t", "我的借阅")) == ["三体"]
    reply = await say("wx-t", "续借第1本")
    assert "刚有变化" not in reply and "✓ 《三体》已续借" in reply


async def test_a_bare_number_with_a_list_remembered_says_how_to_renew(
        library: Library, clock: FixedClock, say: Say) -> None:
    _teacher_with_two_loans(library, clock)
    await say("wx-t", "续借第1本")
    hint = await say("wx-t", "2")
    assert "第2本是《三体》" in hint and "续借第2本" in hint and "已续借" not in hint
    assert "✓ 《三体》已续借" in await say("wx-t", "续借第2本")


async def test_after_the_lifetime_positions_follow_the_current_order(
        library: Library, clock: FixedClock, say: Say) -> None:
    _teacher_with_two_loans(library, clock)
    assert "✓ 《草房子》已续借" in await say("wx-t", "续借第1本")  # nothing shown yet: today's order
    clock.advance(minutes=10)  # the remembered list has expired (5 minutes)
    assert _numbered(await say("wx-t", "我的借阅")) == ["三体", "草房子"]
    assert "✓ 《三体》已续借" in await say("wx-t", "续借第1本")
