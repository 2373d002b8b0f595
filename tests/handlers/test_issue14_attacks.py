"""Attacks on issue 14's WeChat abilities, each a confirmed fault kept as a strict xfail with its exact input.

Everything goes through the real /wechat endpoint as signed, encrypted XML (safe mode), over the real
database with the fixed clock, like tests/handlers/test_staff_scenarios.py, test_events.py and
test_followups.py. Each test asserts the behaviour the docs or the issue promise; it fails today.
When a fault is fixed its test XPASSes (strict): drop the marker then.
"""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.router import Router
from core import accounts
from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.library import Library
from core.messaging import OutboundMessage, Unreachable, Unsubscribed
from core.models import Charge, Item, ItemStatus, Loan, Reader, ReaderStatus, ReaderType, Reservation
from core.search import CatalogueSearch
from tests.factories import add_reader, add_term, add_title
from tests.handlers.conftest import Say
from tests.handlers.events import event_xml, post_xml
from tests.handlers.staff_school import HEAD, LIBRARIAN, SETTINGS, School, build_school
from tests.handlers.test_events import _due_in, _due_reminders, _teacher_with_a_book_due
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401  (fixtures)
from tests.transport.wechat_client import WeChatTestClient

# --- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture
def school(library: Library) -> School:
    add_term(library)
    return build_school(library)


@pytest.fixture
async def staff_say(make_client: AppFactory, library: Library, parser, school: School):  # noqa: F811
    """The staff school (tests/handlers/staff_school.py) with the real parser; msg_id pins a MsgId."""
    router = Router(library, parser, CatalogueSearch(library.session_factory, background=False, recheck_seconds=0),
                    settings=SETTINGS)
    wechat = WeChatTestClient(await make_client(library, router, deadline=30.0), mode="aes")

    async def send(user_id: str, text: str, msg_id: int | None = None) -> str:
        answer = await wechat.send_text(user_id, text, msg_id=msg_id)
        assert answer.status == 200, answer.body
        return answer.text or ""
    return send


@pytest.fixture
async def wechat(router: Router, make_client: AppFactory, library: Library) -> WeChatTestClient:  # noqa: F811
    return WeChatTestClient(await make_client(library, router, deadline=30.0), mode="aes")


def _charges(library: Library) -> list[int]:
    with library.session_factory() as session:
        return list(session.scalars(select(Charge.amount_fen).order_by(Charge.id)))


def _two_children(library: Library, user: str = "wx-p") -> tuple[int, int]:
    """A parent bound to 陈思雨 (S30201) and 陈思远 (S10105)."""
    ids = []
    for card, name in (("S30201", "陈思雨"), ("S10105", "陈思远")):
        reader, _ = add_reader(library, name, ReaderType.STUDENT, card_no=card, class_name="三年级2班")
        ids.append(reader)
        accounts.bind(library, user, card, name, accounts.issue_code(library, card, for_guardian=True))
    return ids[0], ids[1]


def _all_out(library: Library, title: str) -> int:
    """A title whose only copy another reader has: it can be reserved."""
    title_id, copies = add_title(library, title, "刘慈欣", copies=1)
    _, other = add_reader(library, "李红", ReaderType.TEACHER, card_no=f"T9{title_id:03d}")
    checkout(library, CheckoutItem(other, copies[0]))
    return title_id


def _reservations(library: Library) -> list[tuple[int, int]]:
    with library.session_factory() as session:
        return [tuple(row) for row in session.execute(select(Reservation.reader_id, Reservation.title_id))]


def _status(library: Library, card: str) -> ReaderStatus:
    with library.session_factory() as session:
        return session.scalar(select(Reader.status).where(Reader.card_no == card))  # type: ignore[return-value]


def _held(library: Library, user: str) -> list[tuple[str, bool, str]]:
    with library.session_factory() as session:
        return [(r.status, r.next_attempt_at is not None, r.last_error) for r in session.scalars(
            select(OutboundMessage).where(OutboundMessage.user_id == user).order_by(OutboundMessage.id))]


# --- HIGH: actions done twice, or done when the person said no ----------------------------------------------


async def test_damage_resent_with_a_new_msgid_charges_the_borrower_once(library: Library, staff_say: Say) -> None:
    first = await staff_say(LIBRARIAN, "损坏 10000003 5元", msg_id=914501)
    assert "修补费5.00元记在王小明（S30211）名下" in first
    again = await staff_say(LIBRARIAN, "损坏 10000003 5元", msg_id=914502)
    assert _charges(library) == [500], again
    assert "修补费5.00元记在" not in again


@pytest.mark.parametrize("answer", ["陈思雨的没丢", "不是陈思雨", "陈思雨的找到了"])
async def test_a_negated_name_does_not_report_that_childs_card_lost(library: Library, say: Say,
                                                                    answer: str) -> None:
    _two_children(library)
    assert "挂失谁的借阅证" in await say("wx-p", "挂失")
    reply = await say("wx-p", answer)
    assert _status(library, "S30201") == ReaderStatus.ACTIVE, reply
    assert "已挂失" not in reply


async def test_an_older_unsubscribe_after_a_newer_subscribe_does_not_hold_pushes(
        wechat: WeChatTestClient, library: Library, clock: FixedClock) -> None:
    _teacher_with_a_book_due(library, "wx-l", "张静", "T0001", "草房子")
    assert _due_reminders(library, clock) == 1
    t = int(time.time())
    back = await post_xml(wechat, "wx-l", event_xml("wx-l", "subscribe", create_time=t + 5))
    assert back.status == 200
    late = await post_xml(wechat, "wx-l", event_xml("wx-l", "unsubscribe", create_time=t))
    assert late.status == 200
    with library.session_factory() as session:
        marks = list(session.scalars(select(Unreachable.channel).where(Unreachable.user_id == "wx-l")))
    assert marks == [] and _held(library, "wx-l") == [("pending", True, "")]


@pytest.mark.parametrize("text", ["陈思雨还有几本没还", "陈思雨的书什么时候到期", "陈思雨的借阅"])
async def test_a_new_request_naming_a_child_is_not_an_answer_to_whose_card_to_report_lost(
        library: Library, say: Say, text: str) -> None:
    _two_children(library)
    assert "挂失谁的借阅证" in await say("wx-p", "挂失")
    reply = await say("wx-p", text)
    assert _status(library, "S30201") == ReaderStatus.ACTIVE, reply


@pytest.mark.parametrize("text", ["到期提醒是几点发的", "最近有什么新书", "活动通知什么时候发"])
async def test_a_question_naming_a_push_is_not_an_answer_to_which_push_to_stop(
        library: Library, say: Say, text: str) -> None:
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-t", card, "张静", accounts.issue_code(library, card))
    assert "想退订哪种推送" in await say("wx-t", "退订")
    reply = await say("wx-t", text)
    with library.session_factory() as session:
        assert list(session.scalars(select(Unsubscribed.topic))) == [], reply


# --- MEDIUM: wrong actions in follow-ups, money on an acknowledgement, lost pushes --------------------------


@pytest.mark.parametrize("answer", ["不给陈思雨约", "陈思雨的不用了", "陈思雨不要"])
async def test_a_negated_name_does_not_reserve_for_that_child(library: Library, say: Say, answer: str) -> None:
    _two_children(library)
    _all_out(library, "三体")
    assert "给谁预约" in await say("wx-p", "预约 三体")
    reply = await say("wx-p", answer)
    assert _reservations(library) == [], reply


@pytest.mark.parametrize("answer", ["嗯嗯", "确认？"])
async def test_an_acknowledgement_does_not_record_a_payment(library: Library, staff_say: Say, school: School,
                                                            answer: str) -> None:
    await staff_say(LIBRARIAN, "损坏 10000003 5元")
    assert "回复“确认”" in await staff_say(LIBRARIAN, "缴费 S30211")
    reply = await staff_say(LIBRARIAN, answer)
    with library.session_factory() as session:
        assert [c.value for c in session.scalars(select(Charge.status))] == ["open"], reply


async def test_a_due_reminder_held_over_a_day_still_reaches_the_user_who_follows_again(
        wechat: WeChatTestClient, library: Library, clock: FixedClock) -> None:
    _teacher_with_a_book_due(library, "wx-l", "张静", "T0001", "草房子")
    with library.session_factory() as session:
        reader = session.scalar(select(Loan.reader_id))
    _due_in(library, reader, 2)  # Wednesday: due Friday
    assert _due_reminders(library, clock) == 1
    await post_xml(wechat, "wx-l", event_xml("wx-l", "unsubscribe"))
    clock.advance(hours=25)  # Thursday: the book is due tomorrow
    await post_xml(wechat, "wx-l", event_xml("wx-l", "subscribe"))
    _due_reminders(library, clock)
    assert ("pending", True, "") in _held(library, "wx-l")


async def test_more_never_answers_a_question_asked_by_another_process(
        library: Library, parser, make_client: AppFactory) -> None:  # noqa: F811
    add_term(library)
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-t", card, "张静", accounts.issue_code(library, card))
    _all_out(library, "三体")
    for n in range(1, 8):
        add_title(library, f"三体{n}", "刘慈欣")
    one, two = [WeChatTestClient(await make_client(library, Router(
        library, parser, CatalogueSearch(library.session_factory, background=False, recheck_seconds=0)),
        deadline=30.0), mode="aes") for _ in range(2)]
    assert "更多" in ((await one.send_text("wx-t", "查 三体")).text or "")
    assert "想预约哪本书" in ((await two.send_text("wx-t", "预约")).text or "")
    reply = (await one.send_text("wx-t", "更多")).text or ""
    assert _reservations(library) == [], reply


async def test_lost_card_asks_for_confirmation_first(library: Library, say: Say) -> None:
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-t", card, "张静", accounts.issue_code(library, card))
    reply = await say("wx-t", "挂失")
    assert _status(library, "T0001") == ReaderStatus.ACTIVE, reply


async def test_damage_with_two_barcodes_does_not_silently_drop_one(library: Library, staff_say: Say,
                                                                   school: School) -> None:
    reply = await staff_say(LIBRARIAN, f"损坏 10000003 {school.santi} 5元")
    with library.session_factory() as session:
        second = session.scalar(select(Item.status).where(Item.barcode == school.santi))
        notes = list(session.scalars(select(Charge.note)))
    handled = second == ItemStatus.IN_REPAIR or school.santi in reply
    assert handled and school.santi not in notes, (reply, second, notes)


@pytest.mark.parametrize("answer", ["别约三体", "不约三体", "三体不"])
async def test_a_negated_title_does_not_reserve_it(library: Library, say: Say, answer: str) -> None:
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-t", card, "张静", accounts.issue_code(library, card))
    _all_out(library, "三体")
    assert "想预约哪本书" in await say("wx-t", "预约")
    reply = await say("wx-t", answer)
    assert _reservations(library) == [], reply


async def test_seems_damaged_asks_before_acting(library: Library, staff_say: Say) -> None:
    reply = await staff_say(LIBRARIAN, "10000003好像坏了")
    with library.session_factory() as session:
        status = session.scalar(select(Item.status).where(Item.barcode == "10000003"))
    assert status == ItemStatus.ON_LOAN, reply


async def test_a_readers_debt_by_card_is_not_answered_with_the_librarians_own(staff_say: Say) -> None:
    await staff_say(LIBRARIAN, "损坏 10000003 5元")
    reply = await staff_say(LIBRARIAN, "S30211欠多少钱")
    assert "没有欠款" not in reply, reply


# --- LOW ------------------------------------------------------------------------------------------------------


async def test_a_retried_more_shows_the_same_page(library: Library, wechat: WeChatTestClient) -> None:
    for n in range(1, 16):
        add_title(library, f"童话故事{n:02d}", "安徒生")
    assert "前5本" in ((await wechat.send_text("wx-s", "查 童话故事")).text or "")
    first = (await wechat.send_text("wx-s", "更多", msg_id=5_550_001)).text or ""
    retry = (await wechat.send_text("wx-s", "更多", msg_id=5_550_001)).text or ""
    assert "第6–10本" in first
    assert retry in ("", first), retry.splitlines()[0]


async def test_the_replaced_number_is_named_as_replaced_not_lost(staff_say: Say) -> None:
    assert "已为王小明补办新证S30299" in await staff_say(LIBRARIAN, "补办 S30211 S30299")
    for text in ("补办 S30211 S30299", "缴费 S30211"):
        reply = await staff_say(LIBRARIAN, text)
        assert "挂失" not in reply and "补办新证" not in reply, (text, reply)


@pytest.mark.parametrize("text", ["三年级1班借阅统计", "三年级1班哪些同学还没借过书"])
async def test_asking_about_another_class_says_only_the_own_class_is_shown(staff_say: Say, text: str) -> None:
    reply = await staff_say(HEAD, text)
    assert "三年级1班" not in reply  # no figures of the class asked about (nothing leaks)
    assert "只能查看本班" in reply, reply


async def test_school_statistics_is_not_read_as_the_overdue_list(staff_say: Say, clock: FixedClock) -> None:
    clock.advance(days=20)
    reply = await staff_say(LIBRARIAN, "全校借阅统计")
    assert "逾期" not in reply, reply
