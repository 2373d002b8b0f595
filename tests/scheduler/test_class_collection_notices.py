"""A class collection's notices reach its class teacher: the term-end reminder, 催书 and recalls."""
from __future__ import annotations

from datetime import date

from core.circulation import RecallLoan, recall
from core.circulation.collections import lend_to_class
from core.library import Library
from core.notices.recall import queue_recall_notice
from scheduler.jobs import Deps, run_class_teacher_weekly, run_term_end
from tests.factories import add_title
from tests.scheduler.conftest import School, add_loan, at


def _by_user(result) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for m in result.messages:
        out.setdefault(m.user_id, []).append(m.text)
    return out


async def test_term_end_reminds_the_class_teacher_of_the_class_collection(library: Library, school: School,
                                                                          deps: Deps) -> None:
    codes = add_title(library, "草房子", copies=2)[1] + add_title(library, "小王子", copies=1)[1]
    assert lend_to_class(library, "三年级2班", codes).done == 3
    add_loan(library, school.head, "城南旧事", date(2027, 1, 20))  # the teacher's own book: its own notice
    result = await run_term_end(deps, at(date(2027, 1, 8)))
    texts = _by_user(result)
    assert sorted(texts["t-li"]) == sorted([
        "本学期1月22日结束，三年级2班班级图书角还有3本书未还：《草房子》、《草房子》、《小王子》。"
        "请在期末前还到图书室，假期里就不用惦记啦。",
        "本学期1月22日结束，您还有1本书未还：《城南旧事》。请在期末前还到图书室，假期里就不用惦记啦。"])
    assert set(texts) == {"t-li"}  # no parent, no class group hears of the class's books
    assert (await run_term_end(deps, at(date(2027, 1, 9)))).written == 0  # once a term


async def test_recall_of_a_class_copy_tells_the_class_teacher_and_the_weekly_list_leaves_it_out(
        library: Library, school: School, deps: Deps, settings) -> None:  # type: ignore[no-untyped-def]
    [code] = add_title(library, "狼王梦")[1]
    lend_to_class(library, "三年级2班", [code])
    written: list[int] = []

    def then(session, result) -> None:  # type: ignore[no-untyped-def]
        written.append(queue_recall_notice(library, settings, session, result))
    recalled = recall(library, RecallLoan(code), then=then)
    assert written == [1]
    weekly = await run_class_teacher_weekly(deps, at(date(2026, 12, 14), 8))
    assert recalled.new_due < date(2026, 12, 1)
    assert all("班级图书角" not in m.text for m in weekly.messages)


async def test_a_late_class_collection_gets_one_notice_not_one_per_copy_and_no_due_soon_flood(
        library: Library, school: School, deps: Deps, clock) -> None:  # type: ignore[no-untyped-def]
    from scheduler.jobs import run_due_reminders, run_overdue

    codes = add_title(library, "草房子", copies=3)[1] + add_title(library, "小王子", copies=1)[1]
    lend_to_class(library, "三年级2班", codes)
    assert (await run_due_reminders(deps, at(date(2027, 1, 21)))).found == 0  # the term-end reminder says it
    for code in codes[:3]:
        recall(library, RecallLoan(code))  # due 11月23日
    first = await run_overdue(deps, at(date(2026, 11, 24)))
    assert _by_user(first) == {"t-li": [
        "三年级2班班级图书角有3本书逾期未还：《草房子》、《草房子》、《草房子》（最早应于11月23日归还，已逾期1天），"
        "请安排同学整理后尽快还到图书室；如已归还，请忽略本消息。"]}
    assert (await run_overdue(deps, at(date(2026, 11, 25)))).written == 0
    assert (await run_overdue(deps, at(date(2026, 11, 30)))).written == 0
    assert (await run_overdue(deps, at(date(2026, 12, 1)))).written == 1  # a week on: once more
