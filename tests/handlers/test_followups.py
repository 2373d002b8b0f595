"""Every question the bot asks is answered by the next message in a natural form, 更多 pages a list,
and 算了 closes the question: scenarios through the real /wechat endpoint (signed, encrypted XML)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.handlers.followups import CLOSED, NOTHING_OPEN
from bot.handlers.paging import NOTHING_TO_PAGE
from bot.messages import IncomingMessage
from bot.router import Router
from core import accounts, queries
from core.circulation import CheckoutItem, checkout
from core.library import Library
from core.messaging import Unsubscribed
from core.models import Loan, ReaderType, Reservation
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say
from tests.handlers.helpers import describe, make_class_teacher

MORE_WORDS = ("更多", "下一页", "还有吗")


def _reservations(library: Library) -> list[tuple[int, int]]:
    with library.session_factory() as session:
        return [(reader, title) for reader, title in session.execute(select(Reservation.reader_id,
                                                                              Reservation.title_id))]


def _teacher(library: Library, user: str = "wx-t", card: str = "T0001", name: str = "张静") -> tuple[int, str]:
    reader, card_no = add_reader(library, name, ReaderType.TEACHER, card_no=card)
    accounts.bind(library, user, card_no, name, accounts.issue_code(library, card_no))
    return reader, card_no


def _all_out(library: Library, title: str, author: str = "刘慈欣") -> int:
    """A title whose only copy another reader has: it can be reserved."""
    title_id, copies = add_title(library, title, author, copies=1)
    _, other = add_reader(library, "李红", ReaderType.TEACHER, card_no=f"T9{title_id:03d}")
    checkout(library, CheckoutItem(other, copies[0]))
    return title_id


# --- a question answered by a title, a name, a kind --------------------------------------------------------


async def test_reserve_then_a_bare_title_reserves_that_title(library: Library, say: Say) -> None:
    reader, _ = _teacher(library)
    santi = _all_out(library, "三体")
    assert "想预约哪本书" in await say("wx-t", "预约")
    placed = await say("wx-t", "三体")
    assert "已预约《三体》" in placed
    assert _reservations(library) == [(reader, santi)]


@pytest.mark.parametrize("answer", ["《三体》", "三体吧", "我要三体"])
async def test_the_title_may_come_with_quotes_or_a_few_words(library: Library, say: Say, answer: str) -> None:
    reader, _ = _teacher(library)
    santi = _all_out(library, "三体")
    await say("wx-t", "预约")
    assert "已预约《三体》" in await say("wx-t", answer)
    assert _reservations(library) == [(reader, santi)]


@pytest.mark.parametrize("no", ["算了", "不用了"])
async def test_no_closes_the_question_and_nothing_is_reserved(library: Library, say: Say, no: str) -> None:
    _teacher(library)
    _all_out(library, "三体")
    await say("wx-t", "预约")
    assert await say("wx-t", no) == CLOSED
    assert _reservations(library) == []
    # The question is gone: a title now is just a search.
    assert "已预约" not in await say("wx-t", "三体")


async def test_no_with_nothing_open_is_a_short_ok(library: Library, say: Say) -> None:
    _teacher(library)
    assert await say("wx-t", "算了") == NOTHING_OPEN


def _two_loans(library: Library) -> None:
    _, card = _teacher(library)
    for name in ("草房子", "三体"):
        _, copies = add_title(library, name, copies=1)
        checkout(library, CheckoutItem(card, copies[0]))


def _renewals(library: Library) -> dict[str, int]:
    with library.session_factory() as session:
        return {loan.item.title.title: loan.renewal_count for loan in session.scalars(select(Loan))}


@pytest.mark.parametrize("answer", ["2", "第二本", "第②本", "2/:strong", "2️⃣"])
async def test_which_book_to_renew_answered_by_a_number_in_any_form(library: Library, say: Say,
                                                                    answer: str) -> None:
    _two_loans(library)
    listed = await say("wx-t", "续借")
    assert "续借哪一本" in listed
    second = listed.splitlines()[2]  # the lead line, then 1. and 2.
    title = "草房子" if "草房子" in second else "三体"
    assert f"《{title}》已续借" in await say("wx-t", answer)
    assert _renewals(library)[title] == 1 and sum(_renewals(library).values()) == 1


async def test_which_book_to_renew_answered_by_its_title(library: Library, say: Say) -> None:
    _two_loans(library)
    assert "续借哪一本" in await say("wx-t", "续借")
    assert "《三体》已续借" in await say("wx-t", "三体")
    assert _renewals(library) == {"草房子": 0, "三体": 1}


async def test_a_new_search_while_asked_which_book_renews_nothing(library: Library, say: Say) -> None:
    _two_loans(library)
    await say("wx-t", "续借")
    found = await say("wx-t", "查 草房子")
    assert "《草房子》" in found and "已续借" not in found
    assert _renewals(library) == {"草房子": 0, "三体": 0}


async def test_whose_card_answered_by_the_childs_name(library: Library, say: Say) -> None:
    girl, _ = add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    boy, _ = add_reader(library, "陈思远", ReaderType.STUDENT, card_no="S10105", class_name="一年级1班")
    for card, name in (("S30201", "陈思雨"), ("S10105", "陈思远")):
        accounts.bind(library, "wx-p", card, name, accounts.issue_code(library, card, for_guardian=True))
    santi = _all_out(library, "三体")
    assert "给谁预约" in await say("wx-p", "预约 三体")
    assert "已为陈思远预约《三体》" in await say("wx-p", "思远")
    assert _reservations(library) == [(boy, santi)]
    assert queries.reservations(library, girl) == []


async def test_which_push_to_stop_answered_by_its_name(library: Library, say: Say) -> None:
    _teacher(library)
    assert "想退订哪种推送" in await say("wx-t", "退订")
    assert "已退订新书推荐" in await say("wx-t", "新书推荐")
    with library.session_factory() as session:
        assert list(session.scalars(select(Unsubscribed.topic))) == ["new_books"]


# --- 更多 / 下一页 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("more", MORE_WORDS)
async def test_more_shows_the_next_page_of_search_results(library: Library, say: Say,
                                                          more: str) -> None:
    for n in range(1, 13):
        add_title(library, f"童话故事{n:02d}", "安徒生")
    first = await say("wx-s", "查 童话故事")
    assert "找到12本，前5本" in first and "1.《童话故事" in first and "更多" in first
    second = await say("wx-s", more)
    assert "第6–10本（共12本）" in second and "6.《童话故事" in second and "10.《童话故事" in second
    third = await say("wx-s", more)
    assert "11.《童话故事" in third and "12.《童话故事" in third and "更多" not in third
    shown = [line.split("《")[1].split("》")[0] for text in (first, second, third)
             for line in text.splitlines() if ".《" in line]
    assert sorted(shown) == [f"童话故事{n:02d}" for n in range(1, 13)]  # each once, none skipped
    assert await say("wx-s", more) == NOTHING_TO_PAGE


async def test_new_books_then_more_shows_the_rest(library: Library, say: Say) -> None:
    for n in range(1, 9):
        add_title(library, f"新到的书{n}", "作者")
    first = await say("wx-n", "新书")
    assert first.count(".《新到的书") == 5 and "更多" in first
    rest = await say("wx-n", "更多")
    assert rest.count(".《新到的书") == 3 and "6.《新到的书" in rest and "更多" not in rest


async def test_recommend_then_more_shows_the_rest(library: Library, say: Say) -> None:
    for n in range(1, 8):
        add_title(library, f"好书{n}", "作者")
        describe(library, f"好书{n}", summary="一本好看的书。", grades=(1, 6))
    first = await say("wx-r", "推荐")
    assert first.count(".《好书") == 5 and "更多" in first
    rest = await say("wx-r", "下一页")
    assert rest.count(".《好书") == 2 and "6.《好书" in rest and "7.《好书" in rest and "更多" not in rest
    listed = {line.split("《")[1].split("》")[0] for text in (first, rest) for line in text.splitlines() if ".《" in line}
    assert listed == {f"好书{n}" for n in range(1, 8)}


async def test_more_after_another_request_does_not_page_an_old_list(library: Library, say: Say) -> None:
    for n in range(1, 9):
        add_title(library, f"新到的书{n}", "作者")
    await say("wx-n", "新书")
    await say("wx-n", "开放时间")
    assert await say("wx-n", "更多") == NOTHING_TO_PAGE


async def test_more_of_the_class_overdue_list(library: Library, say: Say) -> None:
    reader, _ = _teacher(library, "wx-ct", "T0005", "王老师")
    for n in range(20):
        _, card = add_reader(library, f"学生{n:02d}", ReaderType.STUDENT, class_name="三年级2班")
        _, copies = add_title(library, f"书{n:02d}", copies=1)
        checkout(library, CheckoutItem(card, copies[0]))
    with library.uow() as uow:
        uow.session.execute(update(Loan).values(due_date=library.today() - timedelta(days=3)))
        uow.commit()
    make_class_teacher(library, "T0005", "三年级2班")
    first = await say("wx-ct", "本班逾期")
    assert "逾期未还20本" in first and first.count("· 学生") == 15 and "另有5本" in first
    rest = await say("wx-ct", "更多")
    assert "第16–20本" in rest and rest.count("· 学生") == 5


async def test_a_bare_title_is_claimed_only_while_a_question_is_open(library: Library, say: Say,
                                                                    router: Router) -> None:
    """A title answering 想预约哪本书？ reserves, so it runs once (claimed); otherwise it is a query."""
    _teacher(library)
    _all_out(library, "三体")
    title = IncomingMessage(channel="wechat", user_id="wx-t", kind="text", text="三体")
    assert router.needs_run_once(title) is False
    await say("wx-t", "预约")
    assert router.needs_run_once(title) is True
    await say("wx-t", "三体")  # answered: the question is used up
    assert router.needs_run_once(title) is False


async def test_which_reservation_to_cancel_answered_by_its_title(library: Library, say: Say) -> None:
    reader, _ = _teacher(library)
    _all_out(library, "三体")
    _all_out(library, "草房子", "曹文轩")
    await say("wx-t", "预约 三体")
    await say("wx-t", "预约 草房子")
    assert "取消哪一个预约" in await say("wx-t", "取消预约")
    assert "已取消《草房子》的预约" in await say("wx-t", "草房子")
    assert [r.title for r in queries.reservations(library, reader)] == ["三体"]


async def test_whose_card_to_report_lost_answered_by_a_name(library: Library, say: Say) -> None:
    for card, name in (("S30201", "陈思雨"), ("S10105", "陈思远")):
        add_reader(library, name, ReaderType.STUDENT, card_no=card, class_name="三年级2班")
        accounts.bind(library, "wx-p", card, name, accounts.issue_code(library, card, for_guardian=True))
    asked = await say("wx-p", "挂失")
    if "挂失谁的借阅证" not in asked:
        pytest.skip("挂失 asks another question first now (confirmation)")
    reply = await say("wx-p", "思雨")
    assert "陈思雨的借阅证（S30201）已挂失" in reply and "陈思远" not in reply


@pytest.mark.parametrize("chat", ["嗯嗯", "我再想想"])
async def test_words_that_are_not_a_title_reserve_nothing(library: Library, say: Say, chat: str) -> None:
    _teacher(library)
    _all_out(library, "三体")
    await say("wx-t", "预约")
    assert "已预约" not in await say("wx-t", chat)
    assert _reservations(library) == []


@pytest.mark.parametrize("answer", ["好的", "1"])
async def test_a_yes_or_a_number_where_a_title_was_asked_asks_again(library: Library, say: Say,
                                                                    answer: str) -> None:
    reader, _ = _teacher(library)
    santi = _all_out(library, "三体")
    await say("wx-t", "预约")
    again = await say("wx-t", answer)
    assert "请直接回复想预约的书名" in again and "过期" not in again
    assert "已预约《三体》" in await say("wx-t", "三体")  # the question is still open
    assert _reservations(library) == [(reader, santi)]


async def test_all_answers_which_push_to_stop(library: Library, say: Say) -> None:
    _teacher(library)
    await say("wx-t", "退订")
    assert "已退订全部推送" in await say("wx-t", "全部")
