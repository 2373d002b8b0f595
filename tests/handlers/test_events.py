"""WeChat events through the real /wechat endpoint (signed, encrypted XML): menu scans of a book, voice
without recognised text, and 取消关注 / 关注 stopping and restarting that user's pushes."""
from __future__ import annotations

from datetime import timedelta

import pytest
import wechatpy
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from bot.router import TYPE_INSTEAD, WELCOME, WELCOME_BACK, Router
from bot.scan import NOT_A_BOOK, scanned_isbn
from core import accounts
from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.library import Library
from core.messaging import OutboundMessage, Unreachable
from core.models import Loan, ReaderType, Title
from core.notices.compute import compute
from core.notices.following import HELD, STALE, UNFOLLOWED
from core.settings import Settings
from tests.factories import add_reader, add_title
from tests.handlers.events import event_xml, post_xml, voice_xml
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401 - fixtures
from tests.transport.wechat_client import WeChatTestClient

ISBN = "9787532473014"  # 草房子 in these tests
ISBN10 = "7532473015"  # the same book's ISBN-10


def _set_isbn(library: Library, title: str, isbn: str) -> None:
    with library.uow() as uow:
        uow.session.execute(update(Title).where(Title.title == title).values(isbn=isbn))
        uow.commit()


@pytest.fixture
async def wechat(router: Router, make_client: AppFactory, library: Library) -> WeChatTestClient:  # noqa: F811
    client: TestClient = await make_client(library, router, deadline=30.0)
    return WeChatTestClient(client, mode="aes")


@pytest.fixture
def catalogue(library: Library) -> None:
    add_title(library, "草房子", "曹文轩", copies=2)
    add_title(library, "三体", "刘慈欣")
    _set_isbn(library, "草房子", ISBN)


# --- menu scans --------------------------------------------------------------------------------------------


def test_wechatpy_reads_the_scan_the_same_way() -> None:
    """What we parse is what wechatpy 1.8.18 gives for these events: scan_type and scan_result."""
    for event in ("scancode_push", "scancode_waitmsg"):
        parsed = wechatpy.parse_message(event_xml("wx-scan", event, key="SCAN", scan_type="barcode",
                                                  scan_result=f"EAN_13,{ISBN}"))
        assert parsed.event == event and parsed.scan_type == "barcode"
        assert parsed.scan_result == f"EAN_13,{ISBN}" and scanned_isbn(parsed.scan_result) == ISBN


@pytest.mark.parametrize("result", [f"EAN_13,{ISBN}", ISBN, "ISBN 978-7-5324-7301-4", ISBN10,
                                    f"ISBN_10,{ISBN10}"])
@pytest.mark.parametrize("event", ["scancode_waitmsg", "scancode_push"])
async def test_a_scanned_book_is_searched_exactly_as_typing_its_isbn(
        wechat: WeChatTestClient, catalogue: None, event: str, result: str) -> None:
    typed = (await wechat.send_text("wx-scan", ISBN)).text
    assert typed is not None and "《草房子》" in typed
    scanned = await post_xml(wechat, "wx-scan", event_xml("wx-scan", event, key="SCAN_BOOK", scan_type="barcode",
                                                         scan_result=result))
    assert scanned.status == 200 and scanned.encrypted
    assert scanned.text == typed


async def test_a_scanned_isbn_the_library_does_not_have_answers_like_typing_it(
        wechat: WeChatTestClient, catalogue: None) -> None:
    other = "9787020002207"  # a valid ISBN no title here has
    typed = (await wechat.send_text("wx-scan", other)).text
    scanned = await post_xml(wechat, "wx-scan", event_xml("wx-scan", "scancode_waitmsg", scan_type="barcode",
                                                         scan_result=f"EAN_13,{other}"))
    assert scanned.text == typed and "草房子" not in (typed or "")


@pytest.mark.parametrize("result", ["https://example.com/activity?id=3", "EAN_13,6901234567892", "CODE_128,10000003",
                                    "hello"])
async def test_a_scan_that_is_not_a_book_gets_a_hint_while_the_user_waits(
        wechat: WeChatTestClient, catalogue: None, result: str) -> None:
    waited = await post_xml(wechat, "wx-scan", event_xml("wx-scan", "scancode_waitmsg", scan_type="qrcode",
                                                        scan_result=result))
    assert waited.status == 200 and waited.text == NOT_A_BOOK
    # scancode_push: WeChat already showed the result (or opened the URL); we add nothing.
    pushed = await post_xml(wechat, "wx-scan", event_xml("wx-scan", "scancode_push", scan_type="qrcode",
                                                        scan_result=result))
    assert pushed.status == 200 and pushed.text is None and pushed.body == "success"


# --- voice ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("recognition", [None, "", "   "])
async def test_voice_without_recognised_text_asks_to_type_every_time(
        wechat: WeChatTestClient, recognition: str | None) -> None:
    for _ in range(3):
        answer = await post_xml(wechat, "wx-voice", voice_xml("wx-voice", recognition))
        assert answer.status == 200 and answer.text == TYPE_INSTEAD
        assert "没听清楚" not in (answer.text or "") and "打字" in (answer.text or "")


async def test_voice_with_recognised_text_is_answered_like_the_text(wechat: WeChatTestClient,
                                                                     catalogue: None) -> None:
    typed = (await wechat.send_text("wx-voice", "查草房子")).text
    spoken = await post_xml(wechat, "wx-voice", voice_xml("wx-voice", "查草房子。"), text="查草房子。")
    assert typed is not None and "《草房子》" in typed
    assert spoken.text == typed


# --- 取消关注 / 关注 ---------------------------------------------------------------------------------------------

PUSH = {"wechat_cs"}  # the channels a job may use here (the Official Account's customer-service messages)


def _teacher_with_a_book_due(library: Library, openid: str, name: str, card: str, title: str) -> None:
    """A bound teacher whose one loan comes due tomorrow."""
    reader_id, card_no = add_reader(library, name, ReaderType.TEACHER, card_no=card)
    _, copies = add_title(library, title)
    checkout(library, CheckoutItem(card_no, copies[0]))
    _due_in(library, reader_id, 1)
    accounts.bind(library, openid, card_no, name, accounts.issue_code(library, card_no))


def _due_in(library: Library, reader_id: int, days: int) -> None:
    with library.uow() as uow:
        uow.session.execute(update(Loan).where(Loan.reader_id == reader_id)
                            .values(due_date=library.today() + timedelta(days=days)))
        uow.commit()


def _rows(library: Library, user_id: str) -> list[OutboundMessage]:
    with library.session_factory() as session:
        return list(session.scalars(select(OutboundMessage).where(OutboundMessage.user_id == user_id)
                                    .order_by(OutboundMessage.id)))


def _due_reminders(library: Library, clock: FixedClock) -> int:
    """Run the due-soon job now; rows written."""
    return compute(library, Settings(), "due-reminders", clock(), configured=PUSH).written


async def test_unsubscribe_holds_the_users_pushes_and_subscribe_brings_them_back(
        wechat: WeChatTestClient, library: Library, clock: FixedClock) -> None:
    _teacher_with_a_book_due(library, "wx-leaver", "张静", "T0001", "草房子")
    _teacher_with_a_book_due(library, "wx-stayer", "李明", "T0002", "三体")
    assert _due_reminders(library, clock) == 2
    assert [r.status for r in _rows(library, "wx-leaver")] == ["pending"]

    left = event_xml("wx-leaver", "unsubscribe")
    first = await post_xml(wechat, "wx-leaver", left)
    retry = await post_xml(wechat, "wx-leaver", left)  # WeChat retries the same event (same CreateTime)
    assert first.status == retry.status == 200 and first.body == retry.body == "success"

    held = _rows(library, "wx-leaver")
    assert [(r.status, r.next_attempt_at, r.last_error) for r in held] == [("pending", None, HELD)]
    assert _rows(library, "wx-stayer")[0].next_attempt_at is not None  # nobody else is touched
    with library.session_factory() as session:
        assert session.get(Unreachable, ("wechat_cs", "wx-leaver")).reason == UNFOLLOWED  # type: ignore[union-attr]

    # While unfollowed no new push is queued for them; another user's still is.
    for reader in _readers(library):
        _due_in(library, reader, 2)
    assert _due_reminders(library, clock) == 1
    assert len(_rows(library, "wx-leaver")) == 1 and len(_rows(library, "wx-stayer")) == 2

    back = await post_xml(wechat, "wx-leaver", event_xml("wx-leaver", "subscribe"))
    assert back.text == WELCOME_BACK  # still bound: no "please bind" welcome
    released = _rows(library, "wx-leaver")[0]
    assert released.status == "pending" and released.next_attempt_at is not None and released.last_error == ""
    with library.session_factory() as session:
        assert session.get(Unreachable, ("wechat_cs", "wx-leaver")) is None
    # And new pushes are queued again.
    for reader in _readers(library):
        _due_in(library, reader, 0)  # today: within the reminder horizon whatever the weekday
    assert _due_reminders(library, clock) == 2
    assert len(_rows(library, "wx-leaver")) == 2


def _readers(library: Library) -> list[int]:
    with library.session_factory() as session:
        return list(session.scalars(select(Loan.reader_id)))


async def test_pushes_held_for_more_than_a_day_are_not_sent_after_following_again(
        wechat: WeChatTestClient, library: Library, clock: FixedClock) -> None:
    _teacher_with_a_book_due(library, "wx-away", "张静", "T0001", "草房子")
    assert _due_reminders(library, clock) == 1
    await post_xml(wechat, "wx-away", event_xml("wx-away", "unsubscribe"))
    clock.advance(days=3)
    await post_xml(wechat, "wx-away", event_xml("wx-away", "subscribe"))
    [row] = _rows(library, "wx-away")
    assert (row.status, row.next_attempt_at, row.last_error) == ("skipped", None, STALE)


async def test_a_stranger_who_follows_gets_the_welcome_and_nothing_else_changes(
        wechat: WeChatTestClient, library: Library) -> None:
    answer = await post_xml(wechat, "wx-new", event_xml("wx-new", "subscribe"))
    assert answer.text == WELCOME
    scene = await post_xml(wechat, "wx-new2", event_xml("wx-new2", "subscribe", key="qrscene_42"))
    assert scene.text == WELCOME
    with library.session_factory() as session:
        assert session.scalars(select(Unreachable)).all() == []


async def test_a_stranger_who_unfollows_leaves_no_row(wechat: WeChatTestClient, library: Library) -> None:
    answer = await post_xml(wechat, "wx-passing", event_xml("wx-passing", "unsubscribe"))
    assert answer.body == "success"
    with library.session_factory() as session:
        assert session.scalars(select(Unreachable)).all() == []


async def test_the_help_only_responder_also_asks_to_type_for_voice_without_text() -> None:
    from bot.messages import IncomingMessage
    from bot.responder import TYPE_INSTEAD as HELP_TYPE_INSTEAD
    from bot.responder import HelpResponder

    voice = IncomingMessage(channel="wechat", user_id="wx-v", kind="voice", text="")
    assert (await HelpResponder().respond(voice)).text == HELP_TYPE_INSTEAD
