"""Rules come from the Policy; reserving a title that is out; the menu for unknown messages."""
from __future__ import annotations

from dataclasses import replace

from core import accounts
from core.circulation import CheckoutItem, checkout
from core.library import Library
from core.models import ItemType, ReaderType
from core.policy import DEFAULT_RULES, LoanRule
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say


async def test_rules_reply_follows_the_configured_policy(library: Library, say: Say) -> None:
    rules = dict(DEFAULT_RULES)
    rules[(ReaderType.TEACHER, ItemType.GENERAL)] = LoanRule(loan_days=21, max_items=4)
    library.policy = replace(library.policy, rules=rules, fine_per_day_fen=20)
    reply = await say("wx-a", "借阅规则")
    assert "老师·普通图书：借期21天，最多4本" in reply and "0.20元" in reply


async def test_reserve_a_title_that_is_all_out_then_list_it(library: Library, say: Say) -> None:
    _, holder = add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    _, copies = add_title(library, "狼王梦", "沈石溪", copies=1)
    checkout(library, CheckoutItem(holder, copies[0]))
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    assert "已预约《狼王梦》，您排第1位" in await say("wx-t", "预约 狼王梦")
    assert "排第1位" in await say("wx-t", "我的预约")
    assert "取消哪一个预约" in await say("wx-t", "取消预约")
    assert "只有1个预约" in await say("wx-t", "第二个")  # out of range: asked again, nothing cancelled
    assert "已取消《狼王梦》的预约" in await say("wx-t", "1")


async def test_unknown_message_gets_the_menu(say: Say) -> None:
    reply = await say("wx-a", "今天天气怎么样")
    assert "查书" in reply and "绑定" in reply


async def test_a_mistyped_bare_title_is_offered_as_a_search_not_acted_on(library: Library, say: Say) -> None:
    add_title(library, "草房子", "曹文轩")
    reply = await say("wx-a", "草方子")
    assert "您是不是要找：《草房子》" in reply and "查 草房子" in reply


async def test_a_long_unclear_sentence_still_gets_the_menu(library: Library, say: Say) -> None:
    add_title(library, "草房子", "曹文轩")
    reply = await say("wx-a", "周末你们一家打算去哪里玩耍")
    assert "您是不是要找" not in reply and "查书" in reply


async def test_a_bare_yes_to_a_list_of_several_loans_renews_nothing(library: Library, say: Say) -> None:
    from sqlalchemy import func, select

    from core.models import Renewal

    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    for name in ("草房子", "三体"):
        _, copies = add_title(library, name, copies=1)
        checkout(library, CheckoutItem("T0001", copies[0]))
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    assert "续借哪一本" in await say("wx-t", "续借")
    assert "请回复要续借的序号" in await say("wx-t", "好的")
    with library.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Renewal)) == 0
    assert "已续借" in await say("wx-t", "1")
