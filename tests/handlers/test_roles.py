"""Parents, class teachers, strangers, the librarian at the desk, and binding brute force."""
from __future__ import annotations

from sqlalchemy import select

from core import accounts
from core.circulation import CheckoutItem, PlaceReservation, checkout, place_reservation
from core.clock import FixedClock
from core.library import Library
from core.messaging import OutboundMessage
from core.models import Reader, ReaderType, SchoolClass
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say
from tests.handlers.helpers import title_id


async def test_parent_with_two_children_sees_each_childs_loans_only(library: Library, say: Say,
                                                                   clock: FixedClock) -> None:
    girl, girl_card = add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    boy, boy_card = add_reader(library, "陈思远", ReaderType.STUDENT, card_no="S10105", class_name="一年级1班")
    other, other_card = add_reader(library, "王小明", ReaderType.STUDENT, card_no="S30202", class_name="三年级2班")
    _, a = add_title(library, "草房子", "曹文轩", copies=1)
    _, b = add_title(library, "小王子", "圣埃克苏佩里", copies=1)
    _, c = add_title(library, "三体", "刘慈欣", copies=1)
    checkout(library, CheckoutItem(girl_card, a[0]))
    checkout(library, CheckoutItem(boy_card, b[0]))
    checkout(library, CheckoutItem(other_card, c[0]))
    clock.advance(hours=1)  # lent earlier, not within the 5 minutes in which numbers are re-asked
    code1 = accounts.issue_code(library, girl_card, for_guardian=True)
    code2 = accounts.issue_code(library, boy_card, for_guardian=True)
    assert "绑定成功" in await say("wx-p", f"绑定 S30201 陈思雨 {code1}")
    assert "绑定成功" in await say("wx-p", f"绑定 S10105 陈思远 {code2}")
    reply = await say("wx-p", "孩子借的书什么时候还")
    assert "陈思雨（三年级2班）借了1本" in reply and "《草房子》" in reply
    assert "陈思远（一年级1班）借了1本" in reply and "《小王子》" in reply
    assert "王小明" not in reply and "三体" not in reply
    renewed = await say("wx-p", "续借第2本")
    assert "陈思远的《小王子》已续借" in renewed


async def test_class_teacher_sees_own_class_and_others_are_refused(library: Library, say: Say,
                                                                   clock: FixedClock) -> None:
    head, head_card = add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    _, kid_card = add_reader(library, "王小明", ReaderType.STUDENT, card_no="S30202", class_name="三年级2班")
    with library.uow() as uow:
        uow.session.scalar(select(SchoolClass).where(SchoolClass.name == "三年级2班")).class_teacher_id = head
        uow.commit()
    _, a = add_title(library, "草房子", "曹文轩", copies=1)
    checkout(library, CheckoutItem(kid_card, a[0]))
    clock.advance(days=30)
    accounts.bind(library, "wx-head", "T0002", "李红", accounts.issue_code(library, "T0002"))
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    reply = await say("wx-head", "本班逾期")
    assert "三年级2班逾期未还1本" in reply and "王小明《草房子》逾期" in reply
    refused = await say("wx-t", "我们班谁还没还书")
    assert "只提供给班主任" in refused and "王小明" not in refused
    other = await say("wx-head", "三年级一班的超期名单")
    assert "只能查看本班名单" in other and "三年级2班逾期未还1本" in other


async def test_stranger_asking_for_loans_is_asked_to_bind(library: Library, say: Say) -> None:
    reply = await say("wx-stranger", "我的借阅")
    assert "还没有绑定借阅证" in reply and "绑定 借阅证号 姓名 验证码" in reply
    assert "这是图书管理员的操作" in await say("wx-stranger", "借出 B000123 T0001")


async def test_librarian_checkin_holds_the_copy_for_the_reserving_reader(library: Library, say: Say) -> None:
    add_reader(library, "王芳", ReaderType.TEACHER, card_no="L0001")
    with library.uow() as uow:
        uow.session.scalar(select(Reader).where(Reader.card_no == "L0001")).is_librarian = True
        uow.commit()
    accounts.bind(library, "wx-lib", "L0001", "王芳", accounts.issue_code(library, "L0001"))
    _, t_card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    waiting, _ = add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    _, copies = add_title(library, "三体", "刘慈欣", copies=1)
    out = await say("wx-lib", f"借出 {copies[0]} T0001")
    assert "已借出《三体》给张静" in out and "到期" in out
    place_reservation(library, PlaceReservation(waiting, title_id(library, "三体")))
    back = await say("wx-lib", f"归还 {copies[0]}")
    assert "已归还《三体》" in back and "有人预约" in back and "李红（T0002）" in back
    again = await say("wx-lib", f"归还 {copies[0]}")
    assert "没办成" in again


async def test_brute_forcing_a_binding_code_is_stopped(library: Library, say: Say) -> None:
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    code = accounts.issue_code(library, "T0001", code="424242")
    wrong = [await say("wx-x", f"绑定 T0001 张静 {n:06d}") for n in range(5)]
    assert all("不对" in w for w in wrong)
    blocked = await say("wx-x", f"绑定 T0001 张静 {code}")
    assert "尝试次数太多" in blocked
    # An unknown card reads the same as a wrong code (the owner's own try: tests/handlers/test_binding_limits.py).
    assert await say("wx-z", "绑定 T9999 张静 111111") == wrong[0]
    assert "还没有绑定" in await say("wx-x", "我的借阅")


async def test_librarian_recalls_a_loan_and_an_overdue_one_is_chased_not_given_a_past_date(
        library: Library, say: Say, clock: FixedClock) -> None:
    add_reader(library, "王芳", ReaderType.TEACHER, card_no="L0001")
    with library.uow() as uow:
        uow.session.scalar(select(Reader).where(Reader.card_no == "L0001")).is_librarian = True
        uow.commit()
    accounts.bind(library, "wx-lib", "L0001", "王芳", accounts.issue_code(library, "L0001"))
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    _, first = add_title(library, "三体", "刘慈欣", copies=1)
    checkout(library, CheckoutItem("T0001", first[0]))  # due Wednesday 11-25
    assert "新的还书日11月23日（周一）" in await say("wx-lib", f"催还 {first[0]}")
    clock.advance(days=11)  # 11-29: the recalled loan is now overdue
    chased = await say("wx-lib", f"催还 {first[0]}")
    assert "已逾期（应于11月23日（周一）归还）" in chased and "新的还书日" not in chased


async def test_librarian_recall_by_message_queues_the_readers_notice(library: Library, say: Say) -> None:
    # The reply says the reader will be told: the 催书 notice must really be queued, once.
    add_reader(library, "王芳", ReaderType.TEACHER, card_no="L0001")
    with library.uow() as uow:
        uow.session.scalar(select(Reader).where(Reader.card_no == "L0001")).is_librarian = True
        uow.commit()
    accounts.bind(library, "wx-lib", "L0001", "王芳", accounts.issue_code(library, "L0001"))
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-teacher", "T0001", "张静", accounts.issue_code(library, "T0001"))
    _, first = add_title(library, "三体", "刘慈欣", copies=1)
    checkout(library, CheckoutItem("T0001", first[0]))
    assert "会通知借书人" in await say("wx-lib", f"催还 {first[0]}")
    with library.uow() as uow:
        queued = uow.session.scalars(select(OutboundMessage.user_id).where(OutboundMessage.key.like("recall:%"))).all()
    assert queued == ["wx-teacher"]
