"""我们班什么时候借书 through /wechat: class teachers (their class), parents (their child's class), others."""
from __future__ import annotations

from datetime import date

from sqlalchemy import update

from core import accounts
from core.accounts import bind_directly
from core.clock import FixedClock, school_datetime
from core.library import Library
from core.models import ReaderType, SchoolClass
from core.rota import Turn, set_turn
from tests.factories import add_closed_days, add_reader
from tests.handlers.conftest import Say


def _school(library: Library) -> int:
    """The school; returns 张老师's reader id (a teacher with no class)."""
    add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    add_reader(library, "陈思远", ReaderType.STUDENT, card_no="S10105", class_name="一年级1班")
    head, _ = add_reader(library, "李老师", ReaderType.TEACHER, card_no="T0002")
    zhang, _ = add_reader(library, "张老师", ReaderType.TEACHER, card_no="T0001")
    with library.uow() as uow:
        uow.session.execute(update(SchoolClass).where(SchoolClass.name == "三年级2班").values(class_teacher_id=head))
        uow.commit()
    bind_directly(library, "wx-head", reader_id=head)
    for card, name in (("S30201", "陈思雨"), ("S10105", "陈思远")):
        accounts.bind(library, "wx-p", card, name, accounts.issue_code(library, card, for_guardian=True))
    accounts.bind(library, "wx-one", "S30201", "陈思雨", accounts.issue_code(library, "S30201", for_guardian=True))
    # 三年级2班: every Wednesday (today, 2026-11-18) at noon in the reading room; 一年级1班: Mondays.
    set_turn(library, "三年级2班", Turn(2, "12:10", "12:50", 1, date(2026, 11, 2), "阅览室"), actor="test")
    set_turn(library, "一年级1班", Turn(0, "08:00", "08:40", 2, date(2026, 11, 16), "图书室"), actor="test")
    return zhang


async def test_class_teacher_hears_today_is_their_turn(library: Library, say: Say) -> None:
    _school(library)
    reply = await say("wx-head", "今天轮到我们班吗")
    assert reply.startswith("今天轮到三年级2班借书：12:10-12:50，在阅览室。请提醒同学带上要还的书。")
    assert "借书安排：每周三 12:10-12:50 阅览室" in reply


async def test_after_the_turn_and_on_other_days_the_next_open_turn_is_named(library: Library, say: Say,
                                                                            clock: FixedClock) -> None:
    _school(library)
    add_closed_days(library, date(2026, 11, 25))
    clock.set(school_datetime(date(2026, 11, 18), 13, 0))
    passed = await say("wx-head", "我们班什么时候借书")
    assert "今天三年级2班的借书时间（12:10-12:50）已经过了。" in passed
    assert "三年级2班下次借书：12月2日（周三） 12:10-12:50，在阅览室。" in passed  # 11-25 is closed
    clock.set(school_datetime(date(2026, 11, 19), 9, 0))
    assert "今天不轮到三年级2班，下次是12月2日（周三） 12:10-12:50，在阅览室。" in await say(
        "wx-head", "今天轮到我们班借书了吗")


async def test_a_parent_of_two_classes_is_asked_which_child_and_may_answer_with_a_name(
        library: Library, say: Say) -> None:
    _school(library)
    question = await say("wx-p", "孩子班上哪天去图书室借书")
    assert "想看哪个孩子班级的借书时间" in question and "2.陈思远（一年级1班）" in question
    answer = await say("wx-p", "思远")
    assert answer.startswith("陈思远在一年级1班")
    assert "一年级1班下次借书：11月30日（周一） 08:00-08:40，在图书室。" in answer
    assert "隔周一（从11月16日那周起）" in answer
    one = await say("wx-one", "我们班什么时候借书")
    assert one.startswith("陈思雨在三年级2班，今天轮到三年级2班借书")
    assert "请提醒孩子带上要还的书。" in one and "同学" not in one  # parent wording


async def test_a_parent_asking_about_today_hears_today_is_not_the_turn(library: Library, say: Say,
                                                                       clock: FixedClock) -> None:
    _school(library)
    clock.set(school_datetime(date(2026, 11, 19), 9, 0))
    reply = await say("wx-one", "今天轮到我们班借书吗")
    assert reply.startswith("陈思雨在三年级2班，今天不轮到三年级2班，下次是11月25日（周三） 12:10-12:50，在阅览室。")


async def test_a_second_turn_later_today_is_named_as_today(library: Library, say: Say, clock: FixedClock) -> None:
    _school(library)
    set_turn(library, "三年级2班", Turn(2, "15:00", "15:40", 1, date(2026, 11, 2)), actor="test")
    clock.set(school_datetime(date(2026, 11, 18), 13, 0))
    reply = await say("wx-head", "我们班什么时候借书")
    assert reply.startswith("今天轮到三年级2班借书：15:00-15:40。")


async def test_a_parent_naming_another_class_sees_only_their_childs(library: Library, say: Say) -> None:
    _school(library)
    reply = await say("wx-one", "一年级一班哪天去图书室")
    assert reply.startswith("只能查看自己孩子所在班级的借书时间哦。") and "一年级1班" not in reply


async def test_a_teacher_may_ask_any_class_and_a_class_without_turns_is_told_so(library: Library, say: Say) -> None:
    bind_directly(library, "wx-zhang", reader_id=_school(library))
    assert "一年级1班下次借书" in await say("wx-zhang", "一年级一班哪天去图书室")
    assert "请带上班级问我" in await say("wx-zhang", "我们班什么时候借书")
    add_reader(library, "王小明", ReaderType.STUDENT, class_name="四年级1班")
    assert "四年级1班还没有排借书时间" in await say("wx-zhang", "四年级1班什么时候借书")
    assert "绑定" in await say("wx-stranger", "我们班什么时候借书")
