"""A teacher binds, searches, renews by position after a question, and sees why a reserved title cannot renew."""
from __future__ import annotations

from core import accounts
from core.circulation import CheckoutItem, PlaceReservation, checkout, place_reservation
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say
from tests.handlers.helpers import title_id


def _teacher_with_loans(library: Library) -> tuple[int, list[str]]:
    reader_id, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    _, grass = add_title(library, "草房子", "曹文轩", copies=1)
    _, three = add_title(library, "三体", "刘慈欣", copies=2)
    checkout(library, CheckoutItem(card, grass[0]))
    checkout(library, CheckoutItem(card, three[0]))
    return reader_id, [grass[0], three[0]]


async def test_teacher_binds_with_card_name_and_code(library: Library, say: Say) -> None:
    _teacher_with_loans(library)
    code = accounts.issue_code(library, "T0001")
    assert "绑定借阅证需要" in await say("wx-t", "绑定 T0001 张静")
    assert "绑定成功" in await say("wx-t", f"绑定 T0001 张静 {code}")
    reply = await say("wx-t", "我的借阅")
    assert "张静借了2本" in reply and "《草房子》" in reply and "到期" in reply


async def test_teacher_searches_and_sees_shelf_and_call_number(library: Library, say: Say) -> None:
    _teacher_with_loans(library)
    reply = await say("wx-t", "查 三体")
    assert "《三体》" in reply and "在架1本" in reply and "索书号" in reply and "二楼A架" in reply
    assert len(reply) < 600
    out = await say("wx-t", "查 草房子")
    assert "全部借出" in out and "预约 草房子" in out


async def test_renew_by_position_after_a_clarifying_question(library: Library, say: Say) -> None:
    _teacher_with_loans(library)
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    question = await say("wx-t", "续借")
    assert "续借哪一本" in question and "1.《" in question
    answer = await say("wx-t", "第二本")
    assert answer.count("已续借") == 1 and "新的还书日" in answer
    again = await say("wx-t", "续借第2本")
    assert "不能续借" in again and "已续借过" in again


async def test_renew_refused_when_another_reader_reserved_the_title(library: Library, say: Say) -> None:
    _teacher_with_loans(library)
    other, _ = add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    place_reservation(library, PlaceReservation(other, title_id(library, "草房子")))
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    reply = await say("wx-t", "续借草房子")
    assert "不能续借" in reply and "有人预约了这本书" in reply
    assert "李红" not in reply


async def test_a_question_expires_after_five_minutes(library: Library, say: Say, clock: FixedClock) -> None:
    _teacher_with_loans(library)
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    await say("wx-t", "续借")
    clock.advance(minutes=6)
    reply = await say("wx-t", "1")
    assert "已续借" not in reply and "过期" in reply


async def test_low_confidence_action_asks_first(library: Library, say: Say) -> None:
    _teacher_with_loans(library)
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    reply = await say("wx-t", "T0001 张静")
    assert "绑定 借阅证号 姓名 验证码" in reply
