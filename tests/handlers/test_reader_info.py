"""借阅历史, 欠款, 挂失, 新书, 推荐, 排行, 开放时间, and asking before a weakly indicated action."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from core import accounts
from core.circulation import CheckinItem, CheckoutItem, MarkItemLost, checkin, checkout, mark_lost
from core.clock import FixedClock
from core.library import Library
from core.models import Item, Loan, ReaderType, Title
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say
from tests.handlers.helpers import describe, make_class_teacher, make_librarian


def _teacher(library: Library, *titles: str) -> list[str]:
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    barcodes = []
    for name in titles:
        _, copies = add_title(library, name, copies=1)
        checkout(library, CheckoutItem(card, copies[0]))
        barcodes.append(copies[0])
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    return barcodes


async def test_history_counts_this_term_only_and_lists_the_latest(library: Library, say: Say) -> None:
    old, = _teacher(library, "城南旧事")
    checkin(library, CheckinItem(old))
    with library.uow() as uow:  # borrowed last spring: counts in the total, not this term
        loan_id = uow.session.scalar(select(Loan.id).join(Item).where(Item.barcode == old))
        uow.session.execute(update(Loan).where(Loan.id == loan_id)
                            .values(loaned_at=datetime(2026, 5, 6, 2, 0, tzinfo=UTC)))
        uow.commit()
    for name in ("草房子", "三体"):
        _, copies = add_title(library, name, copies=1)
        checkout(library, CheckoutItem("T0001", copies[0]))
    reply = await say("wx-t", "借阅历史")
    assert "张静本学期借了2本，累计3本" in reply
    assert "每月：11月▇▇2" in reply  # the term's books per month; the spring loan is not in it
    assert "《三体》" in reply and "《城南旧事》（5月6日借）" in reply


async def test_fines_show_open_charges_and_fines_still_running(library: Library, say: Say,
                                                               clock: FixedClock) -> None:
    lost, _ = _teacher(library, "草房子", "三体")
    clock.advance(days=14)
    mark_lost(library, MarkItemLost(lost))
    reply = await say("wx-t", "我欠多少钱")
    assert "丢书赔偿25.00元" in reply and "逾期未还，罚金已累计" in reply
    assert reply.startswith("共") and "在图书室把欠款和逾期罚金一起缴清" in reply
    assert "还书时结算" not in reply and "请到图书室缴纳" not in reply  # one instruction, not two
    assert "还没有绑定" in await say("wx-nobody", "欠款")


async def test_a_lost_card_stops_working_at_once_and_says_what_next(library: Library, say: Say) -> None:
    barcodes = _teacher(library, "草房子")
    add_reader(library, "王芳", ReaderType.TEACHER, card_no="L0001")
    make_librarian(library, "L0001")
    accounts.bind(library, "wx-lib", "L0001", "王芳", accounts.issue_code(library, "L0001"))
    assert "要挂失张静的借阅证（T0001）吗" in await say("wx-t", "我的借书证丢了")
    assert "借阅证照常能用" in await say("wx-t", "算了")
    assert "张静借了1本" in await say("wx-t", "我的借阅")  # nothing happened before the yes
    assert "要挂失张静的借阅证（T0001）吗" in await say("wx-t", "我的借书证丢了")
    reply = await say("wx-t", "是")
    assert "已挂失，马上停止使用" in reply and "补办新证" in reply
    assert "已挂失或已注销" in await say("wx-t", "我的借阅")
    _, more = add_title(library, "小王子", copies=1)
    refused = await say("wx-lib", f"借出 {more[0]} T0001")
    assert "没办成" in refused and "挂失" in refused and "补办新证" in refused
    assert "没办成" not in await say("wx-lib", f"归还 {barcodes[0]}")  # returning still works


async def test_a_parent_with_two_children_is_asked_whose_card_is_lost(library: Library, say: Say) -> None:
    girl, _ = add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    boy, _ = add_reader(library, "陈思远", ReaderType.STUDENT, card_no="S10105", class_name="一年级1班")
    for card, name in (("S30201", "陈思雨"), ("S10105", "陈思远")):
        accounts.bind(library, "wx-p", card, name, accounts.issue_code(library, card, for_guardian=True))
    question = await say("wx-p", "挂失")
    assert "挂失谁的借阅证" in question and "2.陈思远（S10105）" in question
    assert "陈思远的借阅证（S10105）已挂失" in await say("wx-p", "第二个")
    assert "要挂失陈思雨的借阅证（S30201）吗" in await say("wx-p", "挂失 陈思雨")
    assert "陈思雨的借阅证（S30201）已挂失" in await say("wx-p", "是")


async def test_new_books_show_grades_and_a_one_line_introduction(library: Library, say: Say,
                                                                 clock: FixedClock) -> None:
    add_title(library, "城南旧事", "林海音")
    with library.uow() as uow:  # on the shelf for a year: not new
        uow.session.execute(update(Title).values(created_at=clock() - timedelta(days=365)))
        uow.commit()
    add_title(library, "狼王梦", "沈石溪")
    describe(library, "狼王梦", summary="母狼紫岚想把孩子培养成狼王的故事。", grades=(3, 6))
    reply = await say("wx-a", "有什么新书")
    assert "1.《狼王梦》沈石溪（三至六年级）：母狼紫岚想把孩子培养成狼王的故事（在架）" in reply
    assert "城南旧事" not in reply


async def test_recommend_by_grade_and_by_topic(library: Library, say: Say) -> None:
    add_title(library, "猜猜我有多爱你", "山姆·麦克布雷尼")
    describe(library, "猜猜我有多爱你", summary="大兔子和小兔子比谁的爱更多。", grades=(1, 2), subjects="绘本")
    add_title(library, "三体", "刘慈欣")
    describe(library, "三体", summary="地球文明与三体文明的第一次接触。", grades=(7, 9), subjects="科幻")
    add_title(library, "没有介绍的书", "佚名")
    grade = await say("wx-a", "推荐适合一年级的书")
    assert "推荐适合一年级的" in grade and "《猜猜我有多爱你》" in grade and "三体" not in grade
    topic = await say("wx-a", "推荐科幻书")
    assert "《三体》刘慈欣（七至九年级）：地球文明与三体文明的第一次接触" in topic
    assert "猜猜我有多爱你" not in topic and "没有介绍的书" not in topic


async def test_ranking_shows_titles_and_classes_by_count_never_a_childs_name(library: Library, say: Say) -> None:
    _, a = add_reader(library, "王小明", ReaderType.STUDENT, card_no="S30202", class_name="三年级2班")
    _, b = add_reader(library, "李小红", ReaderType.STUDENT, card_no="S30203", class_name="三年级2班")
    _, c = add_reader(library, "赵小刚", ReaderType.STUDENT, card_no="S10101", class_name="一年级1班")
    _, copies = add_title(library, "草房子", copies=3)
    _, other = add_title(library, "小王子", copies=1)
    for card, barcode in ((a, copies[0]), (b, copies[1]), (c, copies[2]), (a, other[0])):
        checkout(library, CheckoutItem(card, barcode))
    add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    make_class_teacher(library, "T0002", "三年级2班")
    accounts.bind(library, "wx-head", "T0002", "李红", accounts.issue_code(library, "T0002"))
    for user in ("wx-head", "wx-a"):
        reply = await say(user, "我们学校的阅读之星是谁")
        assert "1.《草房子》3次" in reply and "1.三年级2班 3本" in reply and "2.一年级1班 1本" in reply
        assert not any(name in reply for name in ("王小明", "李小红", "赵小刚"))
        assert "不公布个人名单" in reply
        assert ("您的三年级2班本学期借了3本，全校第1" in reply) == (user == "wx-head")


async def test_opening_hours_come_from_the_school_settings(library: Library, say: Say) -> None:
    reply = await say("wx-a", "图书室几点开门")
    assert library.school.hours in reply and library.school.location in reply
    assert "今天开放" in reply and "本学期最后还书日：1月22日（周五）" in reply  # Wednesday, autumn term


async def test_opening_hours_say_when_closed_today_and_which_weekdays_are_closed_soon(
        library: Library, say: Say, clock: FixedClock) -> None:
    from datetime import date

    from tests.factories import add_closed_days

    say_before = await say("wx-a", "开放时间")  # warms the router (and its calendar cache)
    assert "近期闭馆" not in say_before
    add_closed_days(library, date(2026, 11, 23), date(2026, 11, 24), reason="运动会")
    clock.advance(days=3)  # Saturday 11-21
    reply = await say("wx-a", "开放时间")
    assert "今天（周六）闭馆，11月25日（周三）开门" in reply
    assert "近期闭馆：11月23日（周一）、11月24日（周二）" in reply


async def test_a_weak_action_is_asked_first_then_done_on_yes_and_dropped_on_no(library: Library, say: Say) -> None:
    _teacher(library, "草房子")
    # 解绑 always asks, naming the card (issue 14), so a weakly indicated one gets that question only.
    assert "解除对张静（T0001）的绑定吗" in await say("wx-t", "我好像绑错了")
    assert "不解绑" in await say("wx-t", "算了")
    assert "张静借了1本" in await say("wx-t", "我的借阅")
    assert "解除对张静（T0001）的绑定吗" in await say("wx-t", "我好像绑错了")
    assert "已解除对张静的绑定" in await say("wx-t", "好的")
    assert "还没有绑定" in await say("wx-t", "我的借阅")


async def test_my_loans_never_suggests_a_renewal_it_would_refuse(library: Library, say: Say,
                                                                  clock: FixedClock) -> None:
    # Found by a newcomer: the overdue book was no. 1 and the reply said "回复‘续借第1本’…可以续借".
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    _, late = add_title(library, "窗边的小豆豆", copies=1)
    checkout(library, CheckoutItem("T0001", late[0]))
    clock.advance(days=6)
    _, fresh = add_title(library, "草房子", copies=1)
    checkout(library, CheckoutItem("T0001", fresh[0]))
    clock.advance(days=5)  # the first is overdue now, the second is not
    reply = await say("wx-t", "我的借阅")
    assert reply.index("窗边的小豆豆") < reply.index("草房子")  # no. 1 is the overdue one
    assert "续借第1本" not in reply and "续借第2本" in reply and "逾期的书不能续借" in reply
    assert "✓" in await say("wx-t", "续借第2本")  # the example works as written
