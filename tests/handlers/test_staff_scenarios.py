"""Staff requests by message through the real /wechat endpoint: signed, encrypted XML, the real parser.

The canonical messages of issue 14 (损坏 10000003, 缴费 S30201, 补办 S30211, S30211借了什么, 全校逾期,
本班借阅统计, 哪些同学还没借过书) from the librarian, a student helper, a class teacher and a parent;
and WeChat's retries of an action, which never run it twice.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from bot.nlp import Parser
from bot.router import Router
from core.circulation import MarkItemLost, mark_lost
from core.clock import FixedClock
from core.library import Library
from core.models import AuditEntry, Charge, ChargeStatus, Item, ItemStatus, Reader, RetiredCard
from core.search import CatalogueSearch
from tests.factories import add_term
from tests.handlers.staff_school import (
    HEAD,
    HELPER,
    LIBRARIAN,
    PARENT,
    SETTINGS,
    TEACHER,
    School,
    ScriptedParser,
    build_school,
)
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401  (fixtures)
from tests.transport.wechat_client import WeChatTestClient

Say = Callable[..., Awaitable[str]]


@pytest.fixture
def school(library: Library) -> School:
    add_term(library)
    return build_school(library)


async def _say(make_client: AppFactory, library: Library, parser: Parser | ScriptedParser) -> Say:  # noqa: F811
    router = Router(library, parser, CatalogueSearch(library.session_factory, background=False, recheck_seconds=0),  # type: ignore[arg-type]
                    settings=SETTINGS)
    wechat = WeChatTestClient(await make_client(library, router, deadline=30.0), mode="aes")

    async def send(user_id: str, text: str, msg_id: int | None = None) -> str:
        answer = await wechat.send_text(user_id, text, msg_id=msg_id)
        assert answer.status == 200, answer.body
        return answer.text or ""
    return send


@pytest.fixture
async def say(make_client: AppFactory, library: Library, parser: Parser, school: School) -> Say:  # noqa: F811
    """The real parser (its issue-14 rules: 损坏/缴费/补办/借了什么/全校逾期/本班借阅统计/还没借过书)."""
    return await _say(make_client, library, parser)


@pytest.fixture
async def say_scripted(make_client: AppFactory, library: Library, parser: Parser, school: School) -> Say:  # noqa: F811
    """The scripted parser (tests/handlers/staff_school.py): the transport's run-once claim, whatever the parser does."""
    return await _say(make_client, library, ScriptedParser(parser))


def _count(library: Library, action: str) -> int:
    with library.uow() as uow:
        return len(uow.session.scalars(select(AuditEntry.id).where(AuditEntry.action == action)).all())


# ---- WeChat retries (same MsgId) never act twice --------------------------------------------------------

async def test_a_retried_damage_message_charges_once(library: Library, say_scripted: Say) -> None:
    first = await say_scripted(LIBRARIAN, "损坏 10000003 5元", msg_id=914001)
    retry = await say_scripted(LIBRARIAN, "损坏 10000003 5元", msg_id=914001)
    assert "已登记《草房子》损坏" in first and retry in ("", first)
    assert _count(library, "damaged") == 1
    with library.uow() as uow:
        assert uow.session.scalars(select(Charge.amount_fen)).all() == [500]


async def test_a_retried_payment_confirmation_pays_once(library: Library, say_scripted: Say, school: School) -> None:
    mark_lost(library, MarkItemLost(school.damaged_copy))
    assert "共欠25.00元" in await say_scripted(LIBRARIAN, "缴费 S30211", msg_id=914010)
    first = await say_scripted(LIBRARIAN, "确认", msg_id=914011)
    retry = await say_scripted(LIBRARIAN, "确认", msg_id=914011)
    assert "已登记王小明缴费25.00元" in first and retry in ("", first)
    assert _count(library, "pay") == 1


async def test_a_retried_card_replacement_answers_the_same(library: Library, say_scripted: Say) -> None:
    first = await say_scripted(LIBRARIAN, "补办 S30211 S30299", msg_id=914020)
    retry = await say_scripted(LIBRARIAN, "补办 S30211 S30299", msg_id=914020)
    assert "已为王小明补办新证S30299" in first and retry in ("", first)
    assert _count(library, "card_replaced") == 1


# ---- The canonical messages with the real parser --------------------------------------------------------

async def test_librarian_damage_payment_and_replacement_by_message(library: Library, say: Say,
                                                                  school: School) -> None:
    damaged = await say(LIBRARIAN, "10000003 封面撕了登记损坏 5元")
    assert "已登记《草房子》损坏" in damaged and "已归还《草房子》（王小明）" in damaged
    assert "修补费5.00元记在王小明（S30211）名下" in damaged
    with library.uow() as uow:
        assert uow.session.scalar(select(Item.status).where(Item.barcode == "10000003")) == ItemStatus.IN_REPAIR
    mark_lost(library, MarkItemLost(school.santi))  # 王小明 owes the price of 《三体》 too
    asked = await say(LIBRARIAN, "缴费 S30211")
    assert "王小明（S30211，三年级2班）共欠30.00元" in asked and "损坏修补5.00元（封面撕了）" in asked
    assert "回复“确认”" in asked
    assert "已登记王小明缴费30.00元（2笔）" in await say(LIBRARIAN, "确认")
    with library.uow() as uow:
        assert uow.session.scalars(select(Charge.status)).all() == [ChargeStatus.PAID, ChargeStatus.PAID]
    assert "现在没有要缴的欠款" in await say(LIBRARIAN, "缴费 S30201")
    assert "补办 S30211 新证号" in await say(LIBRARIAN, "补办 S30211")
    with library.uow() as uow:
        assert uow.session.get(RetiredCard, "S30211") is None


async def test_reader_loans_for_staff_and_nothing_for_a_parent(say: Say, clock: FixedClock) -> None:
    clock.advance(days=20)
    librarian = await say(LIBRARIAN, "S30211借了什么")
    assert "王小明（S30211，三年级2班）借了2本" in librarian and "已逾期" in librarian and "罚金已累计" in librarian
    helper = await say(HELPER, "S30211借了什么")
    assert "王小明（S30211，三年级2班）借了2本" in helper and "元" not in helper
    parent = await say(PARENT, "S30211借了什么")
    assert "王小明" not in parent and "草房子" not in parent and "三年级" not in parent


async def test_school_overdue_for_the_librarian_only(say: Say, clock: FixedClock) -> None:
    clock.advance(days=20)
    reply = await say(LIBRARIAN, "全校逾期")
    assert "全校逾期未还：1人，2本。" in reply and "王小明（三年级2班）" in reply
    assert "https://lib.example.cn/admin/lists/overdue" in reply
    refused = await say(TEACHER, "全校逾期")
    assert "只有图书管理员" in refused and "王小明" not in refused


async def test_class_teacher_statistics_and_who_has_not_borrowed(library: Library, say: Say) -> None:
    stats = await say(HEAD, "本班借阅统计")
    assert "三年级2班本学期" in stats and "王小明2" in stats and "三年级平均" in stats
    idle = await say(HEAD, "哪些同学还没借过书")
    assert "陈思雨" in idle and "刘洋" in idle and "王小明" not in idle
    for user in (TEACHER, PARENT):
        for text in ("本班借阅统计", "哪些同学还没借过书"):
            reply = await say(user, text)
            assert "只提供给班主任" in reply and "陈思雨" not in reply and "王小明" not in reply


async def test_helper_desk_and_refusals_by_message(library: Library, say: Say, school: School) -> None:
    assert "已借出《小王子》给陈思雨" in await say(HELPER, f"借出 {school.xiaowangzi} S30201")
    assert "已归还《小王子》（陈思雨）" in await say(HELPER, f"归还 {school.xiaowangzi}")
    assert "只有图书管理员能办" in await say(HELPER, "损坏 10000003")
    assert "这是图书管理员的操作" in await say(PARENT, "补办 S30211 S30299")
    with library.uow() as uow:
        assert uow.session.scalar(select(Reader.card_no).where(Reader.name == "王小明")) == "S30211"
        assert uow.session.scalar(select(Item.status).where(Item.barcode == "10000003")) == ItemStatus.ON_LOAN
