"""Issue 15's rules through the real /wechat endpoint and the real parser: a suspension's reason in
我的借阅 and the desk lookups, the total limit at the bot's desk, and a copy's recorded damage at return."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.nlp import Parser
from core.circulation import (
    ChargeTheft,
    CheckoutItem,
    LiftSuspension,
    NoteCondition,
    SuspendReader,
    charge_theft,
    lift_suspension,
    note_condition,
    suspend_reader,
)
from core.circulation import checkout as lend
from core.errors import Refused
from core.library import Library
from core.models import ItemType
from tests.factories import add_term, add_title
from tests.handlers.staff_school import HELPER, LIBRARIAN, PARENT, TEACHER, School, build_school
from tests.handlers.test_staff_scenarios import _say
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401  (fixtures)

Say = Callable[..., Awaitable[str]]


@pytest.fixture
def school(library: Library) -> School:
    add_term(library)
    return build_school(library)


@pytest.fixture
async def say(make_client: AppFactory, library: Library, parser: Parser, school: School) -> Say:  # noqa: F811
    return await _say(make_client, library, parser)


async def test_a_suspension_and_its_reason_reach_the_parent_and_the_desk(library: Library, say: Say,
                                                                         school: School) -> None:
    suspend_reader(library, SuspendReader("S30201", "多次损坏图书，经德育处同意", actor="wang"))
    mine = await say(PARENT, "我的借阅")
    assert "陈思雨（三年级2班）的借书资格已暂停（原因：多次损坏图书，经德育处同意），期间可以还书，恢复请找图书室老师。" in mine
    looked_up = await say(LIBRARIAN, "S30201借了什么")
    assert "暂停借阅到图书室恢复为止（原因：多次损坏图书，经德育处同意）" in looked_up
    refused = await say(HELPER, f"借出 {school.xiaowangzi} S30201")
    assert "借书资格暂停中（多次损坏图书，经德育处同意）" in refused and "9999" not in refused
    assert "借阅权限" not in refused
    assert "12月31日" not in refused

    lift_suspension(library, LiftSuspension("S30201", actor="wang"))
    assert "暂停" not in await say(PARENT, "我的借阅")  # the read model forgot the suspension at once
    assert "已借出《小王子》给陈思雨" in await say(HELPER, f"借出 {school.xiaowangzi} S30201")


@pytest.mark.parametrize(("until", "back"), [
    (None, "恢复请找图书室老师"),
    ("2026-12-01", "12月2日（周三）起可以再借"),
])
async def test_my_loans_offers_no_renewal_while_suspended(library: Library, say: Say, school: School,
                                                         until: str | None, back: str) -> None:
    from datetime import date

    lend(library, CheckoutItem("S30201", school.xiaowangzi))
    before = await say(PARENT, "我的借阅")
    assert "续借第" in before  # renewable before the suspension
    suspend_reader(library, SuspendReader("S30201", "多次损坏图书", date.fromisoformat(until) if until else None))
    mine = await say(PARENT, "我的借阅")
    assert "续借第" not in mine and "全部续借" not in mine, mine
    assert "借书资格暂停期间不能续借，请按时还书" in mine and back in mine, mine
    assert "借阅权限" not in mine
    renewed = await say(PARENT, "续借第1本")
    assert "借书资格暂停中" in renewed and "借阅权限" not in renewed, renewed


async def test_the_bots_desk_refuses_a_third_book_across_types(library: Library, say: Say, school: School) -> None:
    _, [guide] = add_title(library, "给教师的建议", "苏霍姆林斯基", item_type=ItemType.TEACHING_REFERENCE)
    _, [other] = add_title(library, "第56号教室的奇迹", "雷夫", item_type=ItemType.TEACHING_REFERENCE)
    lend(library, CheckoutItem("T0001", school.xiaowangzi))
    lend(library, CheckoutItem("T0001", guide))
    refused = await say(LIBRARIAN, f"借出 {other} T0001")
    assert "已经借满2本了（各类图书合计）" in refused
    may = await say(TEACHER, "我现在还能借书吗")
    assert "已经借满2本" in may


async def test_a_return_names_the_damage_recorded_before(library: Library, say: Say, school: School) -> None:
    with pytest.raises(Refused):  # out on loan: the borrower is not cleared by a note written now
        note_condition(library, NoteCondition("10000003", "缺页", actor="staff:小助手"))
    back = await say(HELPER, "归还 10000003")
    assert "原有损坏" not in back
    note_condition(library, NoteCondition("10000003", "缺页", actor="staff:王老师"))  # on the shelf now
    lend(library, CheckoutItem("S30201", "10000003"))
    back = await say(HELPER, "归还 10000003")
    assert "这本书原有损坏：缺页（王老师" in back and "借出前就有，不是这位读者造成的" in back


async def test_a_theft_charge_is_named_in_chinese_in_the_fines_reply(library: Library, say: Say,
                                                                     school: School) -> None:
    charge_theft(library, ChargeTheft("S30201", school.xiaowangzi))  # 25.00 元 × 10
    reply = await say(PARENT, "我有罚款吗")
    assert "偷窃赔偿250.00元" in reply
    paying = await say(LIBRARIAN, "缴费 S30201")
    assert "偷窃赔偿250.00元" in paying
