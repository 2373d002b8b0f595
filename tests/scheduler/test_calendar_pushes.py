"""The term-end push follows the terms the librarian enters (core.school_calendar), no restart."""
from __future__ import annotations

from datetime import date

from core.library import Library
from core.school_calendar import add_term, delete_term, edit_term, list_terms
from scheduler.jobs import Deps, run_term_end
from tests.scheduler.conftest import School, add_loan, at


async def test_term_end_push_fires_only_once_a_term_is_entered_and_follows_its_last_day(
        library: Library, school: School, deps: Deps) -> None:
    [autumn] = list_terms(library)
    delete_term(library, autumn.id, actor="cli")  # a fresh install: no term at all
    add_loan(library, school.student, "西游记", date(2027, 1, 20))
    assert (await run_term_end(deps, at(date(2027, 1, 8)))).found == 0
    term = add_term(library, "2026秋季学期", date(2026, 9, 1), date(2027, 1, 29), actor="cli")
    assert (await run_term_end(deps, at(date(2027, 1, 8)))).found == 0  # three weeks before the end
    edit_term(library, term.id, end=date(2027, 1, 22), actor="cli")  # the school moves the end forward
    result = await run_term_end(deps, at(date(2027, 1, 8)))
    assert result.found == 2 and all("本学期1月22日结束" in m.text for m in result.messages)  # both parents

