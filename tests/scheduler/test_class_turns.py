"""借书日提醒 (class-turns job): on a class's rota turn day, before the turn, through the fake WeChat API."""
from __future__ import annotations

from datetime import date, timedelta

from core.clock import FixedClock, school_datetime
from core.library import Library
from core.rota import Turn, set_turn
from scheduler.jobs import Deps, run_class_turns
from tests.factories import add_closed_days
from tests.scheduler.conftest import TODAY, School, add_loan, at
from tests.scheduler.fake_weixin import FakeWeixin

Fake = tuple[FakeWeixin, str]
TURN = Turn(2, "12:10", "12:50", 1, date(2026, 11, 2), "阅览室")  # every Wednesday; TODAY is one


def _late(library: Library, school: School) -> None:
    add_loan(library, school.student, "夏洛的网", TODAY - timedelta(days=9))
    add_loan(library, school.student, "小王子", TODAY - timedelta(days=2))
    add_loan(library, school.other_student, "草房子", TODAY - timedelta(days=1))
    add_loan(library, school.other_student, "西游记", TODAY + timedelta(days=3))  # not late
    add_loan(library, school.teacher, "三体", TODAY - timedelta(days=5))  # a teacher: not the class's


async def test_turn_day_morning_reaches_the_class_teacher_with_names_and_the_group_with_counts_once(
        library: Library, school: School, deps: Deps, fake: Fake, clock: FixedClock) -> None:
    api, _ = fake
    set_turn(library, "三年级2班", TURN, actor="test")
    _late(library, school)
    clock.set(at(TODAY, 7, 0))  # in quiet hours: written now, held until 07:30
    result = await run_class_turns(deps, at(TODAY, 7, 0))
    assert result.written == 2
    assert all(m.not_before == school_datetime(TODAY, 7, 30) for m in result.messages)
    assert deps.delivery is not None
    assert (await deps.delivery.drain()).sent == 0  # quiet hours
    clock.set(at(TODAY, 7, 40))
    assert (await run_class_turns(deps, at(TODAY, 7, 40))).written == 0  # never twice for a class and day
    await deps.delivery.drain()
    teacher = api.texts_to("t-li")
    assert teacher == ["今天12:10三年级2班借书，请提醒同学带上要还的书（本班逾期3本）\n"
                       "逾期未还：陈思雨《夏洛的网》逾期7天；陈思雨《小王子》逾期2天；王小明《草房子》逾期1天"]
    group = api.texts_to("class32")
    assert group == ["今天12:10三年级2班借书，请提醒孩子带上要还的书（本班逾期3本）"]  # the parents' group
    assert not any(name in group[0] for name in ("陈思雨", "王小明"))
    assert {d.user for d in api.delivered} == {"t-li", "class32"}  # no parent, no other teacher


async def test_no_reminder_on_a_closed_turn_day_on_other_days_or_after_the_turn_began(
        library: Library, school: School, deps: Deps) -> None:
    set_turn(library, "三年级2班", TURN, actor="test")
    closed_wednesday = date(2026, 11, 25)
    add_closed_days(library, closed_wednesday)
    assert (await run_class_turns(deps, at(closed_wednesday, 8))).found == 0
    assert (await run_class_turns(deps, at(TODAY + timedelta(days=1), 8))).found == 0  # Thursday
    assert (await run_class_turns(deps, at(TODAY, 12, 20))).found == 0  # the turn has begun
    every_other = Turn(2, "12:10", "12:50", 2, date(2026, 11, 23), "")
    set_turn(library, "三年级2班", every_other, actor="test")
    assert (await run_class_turns(deps, at(TODAY, 8))).found == 0  # not this week
    none_late = await run_class_turns(deps, at(date(2026, 12, 9), 8))
    assert none_late.written == 2 and "（本班没有逾期的书）" in none_late.messages[0].text


async def test_a_reminder_not_delivered_on_its_day_is_dropped_not_sent_late(
        library: Library, school: School, deps: Deps, fake: Fake, clock: FixedClock) -> None:
    api, _ = fake
    set_turn(library, "三年级2班", TURN, actor="test")
    clock.set(at(TODAY, 8))
    assert (await run_class_turns(deps, at(TODAY, 8))).written == 2
    clock.set(at(TODAY + timedelta(days=1), 8))  # the delivery loop only runs the next morning
    assert deps.delivery is not None
    report = await deps.delivery.drain()
    assert report.dropped == 2 and api.delivered == []
