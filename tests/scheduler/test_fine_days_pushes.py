"""催书 and the class teacher's weekly list count days late as [policy] fine_days says, like the fine."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from core import queries
from core.clock import FixedClock
from core.library import Library
from scheduler.jobs import Deps, run_class_teacher_weekly, run_overdue
from tests.scheduler.conftest import TODAY, School, add_loan, at

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(("fine_days", "late_on_monday"), [("open", 10), ("all", 14)])
async def test_pushes_and_the_chat_say_the_same_days_late(library: Library, school: School, deps: Deps,
                                                          clock: FixedClock, fine_days: str,
                                                          late_on_monday: int) -> None:
    library.policy = replace(library.policy, fine_days=fine_days)
    add_loan(library, school.student, "夏洛的网", TODAY - timedelta(days=9))  # due Monday 11-09
    weekly = await run_class_teacher_weekly(deps, at(MONDAY, 8))
    [listed] = [m.text for m in weekly.messages if m.user_id == "t-li"]
    assert f"陈思雨《夏洛的网》逾期{late_on_monday}天" in listed
    overdue = await run_overdue(deps, at(MONDAY, 7, 30))
    assert any(f"已逾期{late_on_monday}天" in m.text for m in overdue.messages)
    clock.advance(days=5)  # the chat on the same Monday
    [loan] = queries.open_loans(library, school.student)
    assert loan.overdue_days == late_on_monday
