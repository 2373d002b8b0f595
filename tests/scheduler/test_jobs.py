"""Each job's recipients and texts on a frozen calendar (weekends, holidays, term end)."""
from __future__ import annotations

from datetime import date, timedelta

from core.clock import FixedClock
from core.library import Library
from core.messaging import OutboundQueue
from core.models import Reservation, ReservationStatus, Title
from core.notices.models import Activity
from scheduler.jobs import (
    Deps,
    run_activities,
    run_class_teacher_weekly,
    run_due_reminders,
    run_new_books,
    run_overdue,
    run_reservation_ready,
    run_term_end,
)
from tests.factories import add_closed_days, add_title
from tests.scheduler.conftest import TODAY, School, add_loan, at


def _by_user(result) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for m in result.messages:
        out.setdefault(m.user_id, []).append(m.text)
    return out


async def test_due_reminder_goes_to_the_teacher_and_to_both_parents_of_a_student(
        library: Library, school: School, deps: Deps) -> None:
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=2))
    add_loan(library, school.student, "夏洛的网", TODAY + timedelta(days=1), renewals=1)
    add_loan(library, school.other_student, "小王子", TODAY + timedelta(days=3))  # not yet
    result = await run_due_reminders(deps, at(TODAY))
    texts = _by_user(result)
    assert texts["t-zhang"] == ["您借的《草房子》将于11月20日（周五）到期，可回复“续借”延长一周。"]
    assert texts["p-liu"] == texts["p-chen"] == ["陈思雨借的《夏洛的网》将于11月19日（周四）到期，请提醒孩子按时还到图书室。"]
    assert "p-wang" not in texts
    channels = {m.user_id: m.channel for m in result.messages}
    assert channels == {"t-zhang": "wecom_app", "p-liu": "wecom_school", "p-chen": "wecom_school"}


async def test_a_missed_run_still_reminds_a_loan_due_today(library: Library, school: School, deps: Deps) -> None:
    add_loan(library, school.teacher, "城南旧事", TODAY)
    result = await run_due_reminders(deps, at(TODAY))
    assert [m.text for m in result.messages] == ["您借的《城南旧事》将于11月18日（周三）到期，可回复“续借”延长一周。"]


async def test_overdue_first_day_then_every_seven_days(library: Library, school: School, deps: Deps,
                                                      clock: FixedClock) -> None:
    due = TODAY - timedelta(days=1)
    add_loan(library, school.teacher, "狼王梦", due)
    first = await run_overdue(deps, at(TODAY))
    assert first.written == 1 and "已逾期1天（应于11月17日归还）" in first.messages[0].text
    for days in range(1, 7):  # the following six days: nothing new
        assert (await run_overdue(deps, at(TODAY + timedelta(days=days)))).written == 0
    second = await run_overdue(deps, at(TODAY + timedelta(days=7)))
    assert second.written == 1 and "已逾期6天" in second.messages[0].text  # open days, like the fine


async def test_class_teacher_list_holds_every_overdue_book_most_late_first_and_the_group_gets_counts(
        library: Library, school: School, deps: Deps) -> None:
    add_loan(library, school.other_student, "小王子", TODAY - timedelta(days=1))  # 4 open days late on Monday
    add_loan(library, school.student, "夏洛的网", TODAY - timedelta(days=9))  # 10 open days (14 calendar days)
    add_loan(library, school.student, "草房子", TODAY - timedelta(days=1))  # as late as 小王子: by name
    monday = date(2026, 11, 23)
    result = await run_class_teacher_weekly(deps, at(monday, 8))
    texts = _by_user(result)
    assert texts["t-li"] == ["三年级2班逾期未还的图书（3本）：\n1. 陈思雨《夏洛的网》逾期10天\n"
                             "2. 陈思雨《草房子》逾期4天\n3. 王小明《小王子》逾期4天\n"
                             "请提醒同学们尽快还到图书室，谢谢！"]
    group = texts["group:三年级2班"][0]
    assert "2位同学的3本" in group and "陈思雨" not in group and "王小明" not in group
    again = await run_class_teacher_weekly(deps, at(monday, 9))
    assert again.written == 0


async def test_class_teacher_list_and_the_chat_count_days_late_alike(
        library: Library, school: School, deps: Deps, clock: FixedClock) -> None:
    from core import lists, queries

    add_loan(library, school.student, "夏洛的网", TODAY - timedelta(days=9))
    monday = date(2026, 11, 23)
    clock.set(at(monday, 8))
    pushed = _by_user(await run_class_teacher_weekly(deps, at(monday, 8)))["t-li"][0]
    chat = queries.class_overdue(library, school.class_id)
    console = lists.overdue(library, class_id=school.class_id).rows
    assert [r.overdue_days for r in chat] == [r.days_late for r in console] == [10]
    assert "逾期10天" in pushed


async def test_reservation_ready_names_the_hold_deadline(library: Library, school: School, deps: Deps) -> None:
    title_id, _ = add_title(library, "三体", "刘慈欣")
    with library.uow() as uow:
        uow.session.add(Reservation(title_id=title_id, reader_id=school.teacher, created_at=library.now(),
                                    status=ReservationStatus.READY, ready_at=library.now(),
                                    hold_until=date(2026, 11, 20)))
        uow.commit()
    result = await run_reservation_ready(deps, at(TODAY))
    assert [m.text for m in result.messages] == [
        "您预约的《三体》已到馆，请在11月20日（周五）前到图书室借阅，过期将取消预约。"]


async def test_new_books_digest_has_introductions_and_grades_for_teachers_and_class_groups(
        library: Library, school: School, deps: Deps) -> None:
    add_title(library, "草房子", "曹文轩")
    with library.uow() as uow:
        for t in uow.session.query(Title):
            t.summary, t.min_grade, t.max_grade = "油麻地男孩桑桑的六年小学时光", 3, 6
        uow.commit()
    result = await run_new_books(deps, at(date(2026, 11, 20), 9))
    texts = _by_user(result)
    assert "《草房子》曹文轩 —— 油麻地男孩桑桑的六年小学时光（适合3–6年级）" in texts["t-zhang"][0]
    assert set(texts) == {"t-zhang", "t-li", "t-lib", "group:三年级2班"}


async def test_new_books_digest_marks_reference_works_and_keeps_teachers_books_from_class_groups(
        library: Library, school: School, deps: Deps) -> None:
    from core.models import ItemType

    add_title(library, "新华字典", "商务印书馆", item_type=ItemType.REFERENCE)
    add_title(library, "语文三年级上册教师教学用书", "人民教育出版社", item_type=ItemType.TEACHING_REFERENCE)
    add_title(library, "草房子", "曹文轩")
    with library.uow() as uow:
        for t in uow.session.query(Title):
            t.summary, t.min_grade, t.max_grade = f"{t.title}的介绍", 3, 6
        uow.commit()
    texts = _by_user(await run_new_books(deps, at(date(2026, 11, 20), 9)))
    group, teacher = texts["group:三年级2班"][0], texts["t-zhang"][0]
    assert "教师教学用书" not in group and "《草房子》" in group
    assert "《语文三年级上册教师教学用书》" in teacher
    for text in (group, teacher):
        line = next(x for x in text.splitlines() if "《新华字典》" in x)
        assert line.endswith("工具书，在图书室阅览，不外借）")


async def test_activity_goes_to_parents_of_the_chosen_grade_once(library: Library, school: School,
                                                                 deps: Deps) -> None:
    with library.uow() as uow:
        uow.session.add(Activity(title="亲子共读周", body="请和孩子一起读一本书，周五带读书卡到图书室。",
                                 starts_on=date(2026, 11, 27), grades="3", audience="parents",
                                 announce_from=library.now(), created_at=library.now()))
        uow.commit()
    result = await run_activities(deps, at(TODAY))
    assert set(_by_user(result)) == {"p-liu", "p-chen", "p-wang"}
    assert result.messages[0].text.startswith("【活动通知】亲子共读周（11月27日（周五））")
    assert result.messages[0].title == "活动通知"  # headed by its kind, as 催还通知 and 到期提醒 are
    assert (await run_activities(deps, at(TODAY, 11))).written == 0


async def test_term_end_starts_two_weeks_before_the_last_day(library: Library, school: School,
                                                             deps: Deps) -> None:
    add_loan(library, school.student, "西游记", date(2027, 1, 20))
    assert (await run_term_end(deps, at(date(2027, 1, 7)))).found == 0
    result = await run_term_end(deps, at(date(2027, 1, 8)))
    assert _by_user(result)["p-liu"] == ["本学期1月22日结束，陈思雨还有1本书未还：《西游记》。请在期末前还到图书室，假期里就不用惦记啦。"]


async def test_notices_computed_on_a_holiday_wait_for_the_next_open_morning(
        library: Library, school: School, deps: Deps) -> None:
    friday = date(2026, 11, 20)
    add_closed_days(library, friday)  # a holiday, then the weekend
    add_loan(library, school.teacher, "小王子", date(2026, 11, 24))
    result = await run_due_reminders(deps, at(friday, 10))
    assert result.messages[0].not_before == at(date(2026, 11, 23), 7, 30)
    queue = OutboundQueue(library.session_factory, deps.clock)
    assert queue.listing()[0].next_attempt_at == at(date(2026, 11, 23), 7, 30)


async def test_a_book_due_on_monday_is_reminded_on_friday_before_the_weekend(
        library: Library, school: School, deps: Deps) -> None:
    friday, monday = date(2026, 11, 20), date(2026, 11, 23)
    add_loan(library, school.teacher, "草房子", monday)
    result = await run_due_reminders(deps, at(friday, 16))
    assert [m.text for m in result.messages] == ["您借的《草房子》将于11月23日（周一）到期，可回复“续借”延长一周。"]


async def test_overdue_notices_do_not_pile_up_over_a_holiday(library: Library, school: School, deps: Deps) -> None:
    holiday = [date(2026, 11, 23) + timedelta(days=n) for n in range(14)]  # two closed weeks
    add_closed_days(library, *holiday)
    add_loan(library, school.teacher, "狼王梦", date(2026, 11, 20))
    for day in holiday:  # the job still runs every day
        assert (await run_overdue(deps, at(day, 7, 30))).written == 0
    back = await run_overdue(deps, at(date(2026, 12, 7), 7, 30))
    assert back.written == 1
    assert "已逾期1天" in back.messages[0].text  # closed days are not late days, as with the fine


async def test_unbinding_stops_pushes_already_queued_for_that_user(library: Library, school: School,
                                                                   deps: Deps) -> None:
    from core import accounts
    from core.messaging import SKIPPED, OutboundMessage

    add_loan(library, school.student, "夏洛的网", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(date(2026, 11, 18), 22))  # quiet hours: written, held till morning
    assert accounts.unbind(library, "p-liu") >= 1
    with library.uow() as uow:
        rows = {m.user_id: m.status for m in uow.session.query(OutboundMessage)}
    assert rows["p-liu"] == SKIPPED and rows["p-chen"] != SKIPPED
