"""Faults a newcomer found trying the demo through the simulator (issue 14), each through /wechat."""
from __future__ import annotations

from core import accounts, queries
from core.circulation import CheckoutItem, PlaceReservation, checkout, place_reservation
from core.clock import FixedClock
from core.library import Library
from core.models import ItemType, ReaderType
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say


def _family(library: Library) -> tuple[int, int]:
    """陈思雨 and 陈思远 bound to the parent wx-p."""
    girl, _ = add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    boy, _ = add_reader(library, "陈思远", ReaderType.STUDENT, card_no="S10105", class_name="一年级1班")
    for card, name in (("S30201", "陈思雨"), ("S10105", "陈思远")):
        accounts.bind(library, "wx-p", card, name, accounts.issue_code(library, card, for_guardian=True))
    return girl, boy


def _teacher(library: Library) -> int:
    teacher, _ = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    return teacher


def _children(library: Library) -> list[str]:
    identity = accounts.identify(library, "wx-p")
    return [] if identity is None else [c.name for c in identity.children]


# 1. 解绑 asks first, naming the cards; 是 unbinds all, a child's name one.
async def test_unbinding_two_children_asks_first_and_a_name_unbinds_one(library: Library, say: Say) -> None:
    _family(library)
    question = await say("wx-p", "换手机号了 先把原来的绑定删掉")
    assert "解除对陈思雨、陈思远的绑定吗" in question and "回复“是”确认" in question and "孩子名字" in question
    assert _children(library) == ["陈思雨", "陈思远"]  # nothing happened yet
    reply = await say("wx-p", "陈思远")
    assert "已解除对陈思远的绑定" in reply and "陈思雨的绑定还保留着" in reply
    assert _children(library) == ["陈思雨"]
    assert "解除对陈思雨" in await say("wx-p", "解绑")
    assert "已解除对陈思雨的绑定" in await say("wx-p", "是")
    assert accounts.identify(library, "wx-p") is None


async def test_unbinding_is_dropped_on_no(library: Library, say: Say) -> None:
    _family(library)
    await say("wx-p", "解绑")
    assert "不解绑" in await say("wx-p", "算了")
    assert _children(library) == ["陈思雨", "陈思远"]


# 2. 挂失 asks first for a single card too.
async def test_reporting_a_teachers_card_lost_asks_first(library: Library, say: Say) -> None:
    _teacher(library)
    question = await say("wx-t", "挂失")
    assert "要挂失张静的借阅证（T0001）吗" in question and "是" in question
    assert accounts.identify(library, "wx-t") is not None  # still working
    assert "已挂失" in await say("wx-t", "是")
    assert accounts.identify(library, "wx-t") is None


# 7. 超期费怎么交: one instruction.
async def test_how_to_pay_a_running_fine_is_one_instruction(library: Library, say: Say, clock: FixedClock) -> None:
    _teacher(library)
    _, copies = add_title(library, "草房子", copies=1)
    checkout(library, CheckoutItem("T0001", copies[0]))
    clock.advance(days=70)
    reply = await say("wx-t", "超期费怎么交")
    assert "逾期未还，罚金已累计" in reply and "还书时在图书室一起缴清" in reply
    assert "请到图书室缴纳" not in reply and "还书时结算" not in reply


# 8. A bare answer with nothing open.
async def test_a_bare_yes_with_nothing_open_says_so_briefly(library: Library, say: Say) -> None:
    _teacher(library)
    for text in ("确认", "好的[OK]", "1"):
        reply = await say("wx-t", text)
        assert "没有等您回答的问题" in reply and "我的借阅" in reply
        assert "我是书香图书室小助手" not in reply  # not the whole help text


# 11. Full-width digits in the binding code.
async def test_a_full_width_binding_code_binds(library: Library, say: Say) -> None:
    add_reader(library, "周航悦", ReaderType.STUDENT, card_no="S30203", class_name="三年级2班")
    code = accounts.issue_code(library, "S30203", for_guardian=True)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert "绑定成功" in await say("wx-z", f"绑定 S30203 周航悦 {wide}")


# 12. No real child's card or name in the binding example.
async def test_the_binding_example_names_no_reader(library: Library, say: Say) -> None:
    reply = await say("wx-new", "绑定")
    assert "绑定 借阅证号 姓名 验证码" in reply
    assert "S30201" not in reply and "陈思雨" not in reply and "T0001" not in reply


# 3. One title reserved for both children: ask which child, every line names the child.
async def test_cancelling_a_title_both_children_reserved_asks_which_child(library: Library, say: Say) -> None:
    girl, boy = _family(library)
    _, holder = add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    _, copies = add_title(library, "三体", "刘慈欣", copies=1)
    checkout(library, CheckoutItem(holder, copies[0]))
    for child in (girl, boy):
        place_reservation(library, PlaceReservation(child, copies_title(library, "三体")))
    question = await say("wx-p", "帮我取消三体的预约")
    assert "陈思雨和陈思远都预约了《三体》，取消谁的？" in question
    assert "1.陈思雨的《三体》" in question and "2.陈思远的《三体》" in question and "都取消" in question
    assert len(queries.reservations(library, girl)) == 1 and len(queries.reservations(library, boy)) == 1
    assert await say("wx-p", "陈思远") == "已取消陈思远的《三体》的预约。"
    assert len(queries.reservations(library, girl)) == 1 and queries.reservations(library, boy) == []
    place_reservation(library, PlaceReservation(boy, copies_title(library, "三体")))
    await say("wx-p", "取消三体的预约")
    reply = await say("wx-p", "都取消")
    assert reply.splitlines() == ["已取消陈思雨的《三体》的预约。", "已取消陈思远的《三体》的预约。"]


def copies_title(library: Library, name: str) -> int:
    from tests.handlers.helpers import title_id
    return title_id(library, name)


# 5. Renewal hints from what can actually be renewed.
async def test_renewal_hints_follow_what_can_be_renewed(library: Library, say: Say, clock: FixedClock) -> None:
    _teacher(library)
    for name in ("草房子", "城南旧事"):
        _, copies = add_title(library, name, copies=1)
        checkout(library, CheckoutItem("T0001", copies[0]))
    assert "已续借" in await say("wx-t", "续借草房子")
    loans = await say("wx-t", "我的借阅")
    assert "《草房子》" in loans and "（已续借）" in loans  # the renewal shows
    renewed_no = next(line[0] for line in loans.splitlines() if "草房子" in line)
    assert f"续借第{renewed_no}本" not in loans  # never a hint the renewal would refuse
    other_no = next(line[0] for line in loans.splitlines() if "城南旧事" in line)
    assert f"回复“续借第{other_no}本”可以续借" in loans
    menu = await say("wx-t", "续借")
    assert "能续借的是这一本" in menu and "城南旧事" in menu.split("不能续借的")[0]
    assert "草房子" not in menu.split("不能续借的")[0] and "《草房子》：已续借过" in menu
    assert "已续借" in await say("wx-t", "好的")
    nothing = await say("wx-t", "续借")
    assert "现在没有能续借的书" in nothing and "续借哪一本" not in nothing


async def test_a_parent_is_told_every_book_that_can_be_renewed(library: Library, say: Say) -> None:
    _family(library)
    for reader, name in (("S30201", "草房子"), ("S30201", "城南旧事"), ("S10105", "小王子")):
        _, copies = add_title(library, name, copies=1)
        checkout(library, CheckoutItem(reader, copies[0]))
    assert "回复“续借第1本”或“全部续借”可以续借" in await say("wx-p", "我的借阅")
    assert "已续借" in await say("wx-p", "续借第2本")
    loans = await say("wx-p", "我的借阅")
    assert "回复“续借第1、3本”可以续借" in loans  # every renewable one, not only the first


# 6. Reserving a book the reader holds (overdue): one consistent answer.
async def test_reserving_a_book_you_hold_overdue_says_return_it(library: Library, say: Say,
                                                                 clock: FixedClock) -> None:
    _teacher(library)
    _, copies = add_title(library, "窗边的小豆豆", "黑柳彻子", copies=2)
    checkout(library, CheckoutItem("T0001", copies[0]))
    clock.advance(days=70)
    reply = await say("wx-t", "预约 窗边的小豆豆")
    assert "已经逾期" in reply and "尽快还" in reply
    assert "续借" not in reply.replace("不能续借", "") and "架上就有" not in reply


# 4. A question about one rule gets that answer first, from the policy.
async def test_rule_questions_are_answered_before_the_rules_list(library: Library, say: Say,
                                                                  clock: FixedClock) -> None:
    _teacher(library)
    policy = library.policy
    lost = await say("wx-t", "借书证丢了怎么办")
    assert lost.startswith("借书证丢了请马上发送“挂失”") and "补办" in lost and "借阅规则" in lost
    late = await say("wx-t", "超期了会怎样 会不会不让借书")
    fine = f"{policy.fine_per_day_fen // 100}.{policy.fine_per_day_fen % 100:02d}元"
    assert late.startswith("超期（逾期）了：") and f"逾期每天罚{fine}" in late and "不能再借新书" in late
    renew = await say("wx-t", "能续借吗")
    renewals = policy.rule(ReaderType.TEACHER, ItemType.GENERAL).renewals
    assert f"可以续借{renewals}次" in renew and "续借 书名" in renew and "借阅规则：" not in renew
    assert "您现在可以借书" in await say("wx-t", "我现在还能借书吗")
    _, copies = add_title(library, "草房子", copies=1)
    checkout(library, CheckoutItem("T0001", copies[0]))
    clock.advance(days=70)
    now = await say("wx-t", "我现在还能借书吗")
    assert "您现在还不能借书" in now and "1本逾期没还（《草房子》）" in now
    assert (await say("wx-t", "借阅规则")).startswith("借阅规则：")  # the plain request: the list


async def test_unbinding_a_lost_card_asks_first_too(library: Library, say: Say) -> None:
    _teacher(library)
    assert "已挂失" in (await say("wx-t", "挂失"), await say("wx-t", "是"))[1]
    question = await say("wx-t", "解绑")
    assert "解除对原来那张借阅证（已挂失或已注销）的绑定吗" in question
    assert accounts.has_inactive_binding(library, "wx-t")  # nothing removed before the yes
    assert "已解除对原来那张借阅证的绑定" in await say("wx-t", "是")
    assert not accounts.has_inactive_binding(library, "wx-t")
