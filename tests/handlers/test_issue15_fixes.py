"""Issue 15's consistency fixes through /wechat: days late as the push counts them, what 推荐/新书 offer,
renewals against readers who wait, and 预约 of one edition."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core import accounts
from core.clock import FixedClock, school_datetime
from core.library import Library
from core.models import ReaderType, SchoolClass
from core.notices.compute import compute
from core.settings import Settings
from tests.factories import add_reader
from tests.handlers.conftest import Say
from tests.scheduler.conftest import add_loan

MONDAY = date(2026, 11, 23)


def _class_teacher(library: Library) -> int:
    """李红 (T0002), bound as wx-head, 班主任 of 三年级2班; returns the class id."""
    head, _ = add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    add_reader(library, "占位", ReaderType.STUDENT, class_name="三年级2班")
    with library.uow() as uow:
        cls = uow.session.scalar(select(SchoolClass).where(SchoolClass.name == "三年级2班"))
        cls.class_teacher_id = head
        uow.commit()
        class_id = cls.id
    accounts.bind(library, "wx-head", "T0002", "李红", accounts.issue_code(library, "T0002"))
    return class_id


async def test_the_chat_and_the_weekly_push_say_the_same_days_late_in_the_same_order(
        library: Library, say: Say, clock: FixedClock) -> None:
    _class_teacher(library)
    chen, _ = add_reader(library, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    wang, _ = add_reader(library, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    add_loan(library, wang, "小王子", date(2026, 11, 17))
    add_loan(library, chen, "夏洛的网", date(2026, 11, 9))  # 14 calendar days, 10 open days on Monday
    add_loan(library, chen, "草房子", date(2026, 11, 17))
    clock.set(school_datetime(MONDAY, 8))
    pushed = compute(library, Settings(), "class-teacher-weekly", clock(), dry_run=True)
    weekly = next(m.text for m in pushed.messages if m.title == "班级逾期周报")
    chat = await say("wx-head", "本班逾期")
    assert "三年级2班逾期未还3本" in chat
    pushed_lines = [line.split(". ", 1)[1] for line in weekly.splitlines()[1:4]]
    chat_lines = [line.removeprefix("· ") for line in chat.splitlines() if line.startswith("· ")]
    assert pushed_lines == chat_lines == ["陈思雨《夏洛的网》逾期10天", "陈思雨《草房子》逾期4天",
                                          "王小明《小王子》逾期4天"]

