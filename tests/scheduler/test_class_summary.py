"""班级借阅周报 (各班借阅情况每周公布) through the fake WeChat/WeCom API: counts to the class group, names to
its class teacher only; once per class per week; quiet hours, closed days and vacations respected."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select

from core.clock import FixedClock, school_datetime
from core.library import Library
from core.messaging import OutboundMessage
from core.models import Item, ItemStatus, Loan
from scheduler.jobs import JOBS, Deps, run_class_summary
from tests.factories import add_closed_days, add_title
from tests.scheduler.conftest import School, at
from tests.scheduler.fake_weixin import FakeWeixin

Fake = tuple[FakeWeixin, str]
FRIDAY = date(2026, 11, 20)
MONDAY = date(2026, 11, 16)


def lend(library: Library, reader_id: int, title: str, on: date, *, due: date | None = None,
         returned: bool = False) -> None:
    """A loan made on `on` (10:00 school time), due 14 days later unless `due` is given."""
    _, barcodes = add_title(library, title)
    with library.uow() as uow:
        item = uow.session.scalars(select(Item).where(Item.barcode == barcodes[0])).one()
        item.status = ItemStatus.AVAILABLE if returned else ItemStatus.ON_LOAN
        uow.session.add(Loan(item_id=item.id, reader_id=reader_id, loaned_at=school_datetime(on, 10),
                             due_date=due or on + timedelta(days=14), is_open=not returned,
                             returned_at=school_datetime(on, 15) if returned else None))
        uow.commit()


def school_week(library: Library, school: School) -> None:
    """陈思雨: one book this week, one overdue since 11-03 (2 this term); 王小明: nothing this term."""
    lend(library, school.student, "夏洛的网", MONDAY, returned=True)
    lend(library, school.student, "小王子", date(2026, 10, 20), due=date(2026, 11, 3))


def _with_targets(deps: Deps, table: dict) -> Deps:
    return replace(deps, settings=replace(deps.settings, targets=table))


async def test_group_gets_counts_and_the_class_teacher_names_who_has_not_borrowed(
        library: Library, school: School, deps: Deps, fake: Fake, clock: FixedClock) -> None:
    api, _ = fake
    school_week(library, school)
    deps = _with_targets(deps, {"grade": {"3": {"books_per_student": 2}}})
    clock.set(at(FRIDAY, 15))
    result = await run_class_summary(deps, at(FRIDAY, 15))
    assert result.written == 2
    await deps.delivery.drain()  # type: ignore[union-attr]
    group = api.texts_to("class32")
    assert group == ["三年级2班本周（11月16日–11月20日）借阅1本；本学期生均1.00本，目标2本，还差1.0本；"
                     "逾期未还1本，请同学们检查书包，尽快还到图书室。"]
    assert "陈思雨" not in group[0] and "王小明" not in group[0]
    teacher = api.texts_to("t-li")
    assert teacher == ["三年级2班本周（11月16日–11月20日）借阅1本；本学期生均1.00本，目标2本，还差1.0本；"
                       "逾期未还1本，发送“本班逾期”看名单。\n"
                       "本学期还没借过书的同学（1/2位）：王小明。可以鼓励他们来图书室看看。"]
    assert not api.texts_to("p-liu") and not api.texts_to("p-wang")  # parents get nothing from this job


async def test_never_twice_a_week_per_class_and_again_the_next_week(
        library: Library, school: School, deps: Deps, fake: Fake, clock: FixedClock) -> None:
    school_week(library, school)
    assert (await run_class_summary(deps, at(FRIDAY, 15))).written == 2
    assert (await run_class_summary(deps, at(FRIDAY, 16))).written == 0
    assert (await run_class_summary(deps, at(MONDAY + timedelta(days=3), 9))).written == 0  # same week, earlier day
    following = await run_class_summary(deps, at(FRIDAY + timedelta(days=7), 15))
    assert following.written == 2
    assert "借阅0本；本学期生均1.00本，目标4本，还差3.0本" in following.messages[0].text  # the plans' default target


async def test_held_over_quiet_hours_and_the_weekend(library: Library, school: School, deps: Deps, fake: Fake,
                                                    clock: FixedClock) -> None:
    school_week(library, school)
    clock.set(at(FRIDAY, 21, 30))
    await run_class_summary(deps, at(FRIDAY, 21, 30))
    for moment in (at(FRIDAY, 22), at(FRIDAY + timedelta(days=1), 10), at(MONDAY + timedelta(days=7), 7, 29)):
        clock.set(moment)
        assert (await deps.delivery.drain()).sent == 0  # type: ignore[union-attr]
    clock.set(at(MONDAY + timedelta(days=7), 7, 30))
    assert (await deps.delivery.drain()).sent == 2  # type: ignore[union-attr]


async def test_nothing_in_a_week_the_library_is_closed_and_nothing_outside_the_term(
        library: Library, school: School, deps: Deps) -> None:
    school_week(library, school)
    week = [MONDAY + timedelta(days=7 + d) for d in range(5)]
    add_closed_days(library, *week, reason="运动会周")
    assert (await run_class_summary(deps, at(week[-1], 15))).found == 0
    assert (await run_class_summary(deps, at(date(2027, 2, 5), 15))).found == 0  # winter vacation


async def test_a_closed_friday_still_sends_the_weeks_summary_on_the_next_open_morning(
        library: Library, school: School, deps: Deps) -> None:
    school_week(library, school)
    add_closed_days(library, FRIDAY)
    result = await run_class_summary(deps, at(FRIDAY, 15))
    assert result.written == 2
    with library.session_factory() as session:
        held = set(session.scalars(select(OutboundMessage.next_attempt_at)))
    assert held == {school_datetime(MONDAY + timedelta(days=7), 7, 30)}


async def test_the_job_is_wired_with_its_default_time() -> None:
    from scheduler.jobs import DEFAULT_CRON

    assert JOBS["class-summary"] is run_class_summary and DEFAULT_CRON["class-summary"] == "0 15 * * fri"
