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



async def test_renewal_by_message_is_refused_when_only_a_reference_copy_is_on_the_shelf(
        library: Library, say: Say) -> None:
    from core.circulation import CheckoutItem, PlaceReservation, checkout, place_reservation
    from core.models import Item, ItemStatus, ItemType
    from tests.factories import add_title

    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    other, _ = add_reader(library, "李老师", ReaderType.TEACHER)
    title_id, copies = add_title(library, "现代汉语词典", "中国社会科学院语言研究所", copies=1)
    checkout(library, CheckoutItem("T0001", copies[0]))
    place_reservation(library, PlaceReservation(other, title_id))
    with library.uow() as uow:  # the reading room's copy: on the shelf, never lent
        uow.session.add(Item(barcode="R0000001", title_id=title_id, item_type=ItemType.REFERENCE, price_fen=9000,
                             call_number="H164/Z1", location="阅览室", status=ItemStatus.AVAILABLE,
                             created_at=library.now()))
        uow.commit()
    reply = await say("wx-t", "续借")
    assert "有人预约了这本书，不能续借" in reply and "已续借" not in reply
