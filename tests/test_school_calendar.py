"""Entering the school calendar (core.school_calendar): validation, writes, the month view.

Real SQLite files and PostgreSQL (the `library` fixture); DEFAULT_NOW is Wednesday 2026-11-18.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.library import Library
from core.models import AuditEntry, CalendarDay, Term
from core.school_calendar import (
    CalendarInvalid,
    add_term,
    clear_day,
    close_days,
    current_term,
    delete_term,
    edit_term,
    list_terms,
    month_view,
    open_day,
    parse_day,
    parse_month,
    parse_range,
    set_closed_weekdays,
)

AUTUMN = ("2026秋季学期", date(2026, 9, 1), date(2027, 1, 22))


def _counts(library: Library) -> tuple[int, int]:
    with library.read_uow() as uow:
        return (uow.session.scalar(select(func.count()).select_from(Term)) or 0,
                uow.session.scalar(select(func.count()).select_from(CalendarDay)) or 0)


@pytest.mark.parametrize(("name", "start", "end", "field", "words"), [
    ("", date(2027, 2, 22), date(2027, 7, 9), "name", "请填写学期名称"),
    ("   ", date(2027, 2, 22), date(2027, 7, 9), "name", "请填写学期名称"),
    ("学" * 61, date(2027, 2, 22), date(2027, 7, 9), "name", "最多 60 个字"),
    ("2026秋季学期", date(2027, 2, 22), date(2027, 7, 9), "name", "已经有叫“2026秋季学期”的学期"),
    ("2027春季学期", date(2027, 7, 9), date(2027, 2, 22), "end", "最后一天不能早于第一天"),
    ("2027春季学期", date(2027, 2, 22), date(2028, 7, 9), "end", "太长了"),
    ("2027春季学期", date(2027, 1, 10), date(2027, 7, 9), "start", "和学期“2026秋季学期”"),  # starts inside
    ("2026暑期", date(2026, 7, 1), date(2026, 9, 1), "start", "有重叠"),  # ends on its first day
    ("2026全年", date(2026, 8, 1), date(2027, 2, 1), "start", "有重叠"),  # contains it
])
def test_a_bad_term_names_its_field_and_writes_nothing(library: Library, name: str, start: date, end: date,
                                                       field: str, words: str) -> None:
    add_term(library, *AUTUMN, actor="t")
    before = _counts(library)
    with pytest.raises(CalendarInvalid) as refused:
        add_term(library, name, start, end, actor="t")
    assert field in refused.value.errors and words in refused.value.errors[field]
    assert _counts(library) == before


def test_several_bad_fields_are_reported_together(library: Library) -> None:
    with pytest.raises(CalendarInvalid) as refused:
        add_term(library, "", date(2027, 7, 9), date(2027, 2, 22), actor="t")
    assert set(refused.value.errors) == {"name", "end"}


def test_terms_add_edit_delete_are_audited_and_listed_in_order(library: Library) -> None:
    spring = add_term(library, "2027春季学期", date(2027, 2, 22), date(2027, 7, 9), actor="张老师")
    autumn = add_term(library, *AUTUMN, actor="张老师")
    assert [t.name for t in list_terms(library)] == ["2026秋季学期", "2027春季学期"]
    # Moving a term onto itself is not an overlap; onto the other one is.
    edited = edit_term(library, autumn.id, end=date(2027, 1, 29), actor="张老师")
    assert edited.end == date(2027, 1, 29) and edited.start == AUTUMN[1]
    with pytest.raises(CalendarInvalid) as refused:
        edit_term(library, autumn.id, end=date(2027, 3, 1), actor="张老师")
    assert "2027春季学期" in refused.value.errors["start"]
    with pytest.raises(CalendarInvalid) as renamed:
        edit_term(library, autumn.id, name="2027春季学期", actor="张老师")
    assert "name" in renamed.value.errors
    assert delete_term(library, spring.id, actor="张老师").name == "2027春季学期"
    with pytest.raises(CalendarInvalid) as gone:
        delete_term(library, spring.id, actor="张老师")
    assert "找不到" in gone.value.errors["term"]
    with library.read_uow() as uow:
        actions = uow.session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "张老师")
                                      .order_by(AuditEntry.id)).all()
    assert actions == ["calendar_term_add", "calendar_term_add", "calendar_term_edit", "calendar_term_delete"]


def test_current_term_says_why_there_is_none(library: Library) -> None:
    none_yet = current_term(library)
    assert none_yet.term is None and "还没有录入学期" in none_yet.message
    add_term(library, "2026春季学期", date(2026, 2, 23), date(2026, 7, 10), actor="t")
    past = current_term(library)
    assert past.term is None and "已于 2026-07-10 结束" in past.message and "请添加新学期" in past.message
    add_term(library, "2027春季学期", date(2027, 2, 22), date(2027, 7, 9), actor="t")
    vacation = current_term(library)
    assert vacation.term is None and vacation.next_term is not None
    assert "假期" in vacation.message and "2027-02-22" in vacation.message
    add_term(library, *AUTUMN, actor="t")
    now = current_term(library)
    assert now.term is not None and now.term.name == "2026秋季学期" and now.message == ""


@pytest.mark.parametrize(("call", "field", "words"), [
    (lambda lib: close_days(lib, date(2026, 12, 3), date(2026, 12, 1), actor="t"), "last", "不能早于"),
    (lambda lib: close_days(lib, date(2026, 9, 1), date(2027, 1, 22), actor="t"), "last", "最多关闭 120 天"),
    (lambda lib: close_days(lib, date(2026, 12, 1), reason="因" * 61, actor="t"), "reason", "太长"),
    (lambda lib: open_day(lib, date(2026, 11, 25), actor="t"), "day", "本来就开馆"),  # a Wednesday
    (lambda lib: open_day(lib, date(2027, 2, 6), actor="t"), "day", "不在任何学期内"),  # winter vacation
    (lambda lib: clear_day(lib, date(2026, 12, 1), actor="t"), "day", "没有单独设置过"),
    (lambda lib: set_closed_weekdays(lib, set(range(7)), actor="t"), "weekdays", "至少留一天"),
    (lambda lib: month_view(lib, 2026, 13), "month", "月份不对"),
])
def test_bad_day_input_names_its_field_and_writes_nothing(lib: Library, call, field: str, words: str) -> None:
    before = _counts(lib)
    with pytest.raises(CalendarInvalid) as refused:
        call(lib)
    assert words in refused.value.errors[field]
    assert _counts(lib) == before


@pytest.mark.parametrize(("text", "parsed"), [
    ("2026-10-01", date(2026, 10, 1)), ("2026/10/1", date(2026, 10, 1)), ("2026.10.1", date(2026, 10, 1)),
    ("2026年10月1日", date(2026, 10, 1)), ("20261001", date(2026, 10, 1)), (" 2026-1-5 ", date(2026, 1, 5)),
])
def test_dates_are_read_as_people_write_them(text: str, parsed: date) -> None:
    assert parse_day(text) == parsed


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "明天", "", "10-01", "2026-10-01x"])
def test_an_unreadable_date_names_the_field(text: str) -> None:
    with pytest.raises(CalendarInvalid) as refused:
        parse_day(text, "start")
    assert "不是有效的日期" in refused.value.errors["start"]


def test_ranges_and_months() -> None:
    assert parse_range("2026-10-01..2026-10-07") == (date(2026, 10, 1), date(2026, 10, 7))
    assert parse_range("2026-10-01至2026-10-07") == (date(2026, 10, 1), date(2026, 10, 7))
    assert parse_range("2026-10-01") == (date(2026, 10, 1), date(2026, 10, 1))
    assert parse_month("2026-12") == (2026, 12) and parse_month("2026年3月") == (2026, 3)
    with pytest.raises(CalendarInvalid):
        parse_month("2026-13")


def test_closed_open_and_cleared_days_change_the_calendar(lib: Library) -> None:
    close_days(lib, date(2026, 12, 24), date(2026, 12, 25), reason="期末考试", actor="t")
    open_day(lib, date(2026, 12, 5), actor="t")  # a Saturday: 调休
    calendar = lib.school_calendar()
    assert not calendar.is_open(date(2026, 12, 24)) and not calendar.is_open(date(2026, 12, 25))
    assert calendar.is_open(date(2026, 12, 5))
    # Closing a 调休 day overwrites it: the newest entry is what the librarian means.
    close_days(lib, date(2026, 12, 5), reason="停电", actor="t")
    assert not lib.school_calendar().is_open(date(2026, 12, 5))
    # Re-opening a closed weekday, then clearing it: back to the weekly rule.
    open_day(lib, date(2026, 12, 24), reason="考试改期", actor="t")
    assert lib.school_calendar().is_open(date(2026, 12, 24))
    clear_day(lib, date(2026, 12, 24), actor="t")
    assert lib.school_calendar().is_open(date(2026, 12, 24)) and date(2026, 12, 24) not in lib.school_calendar().exceptions


def test_closed_weekdays_replace_the_weekend_rule(lib: Library) -> None:
    assert lib.school_calendar().is_open(date(2026, 11, 25))  # Wednesday
    set_closed_weekdays(lib, {2, 5, 6}, actor="t")  # closed Wednesdays too
    calendar = lib.school_calendar()
    assert not calendar.is_open(date(2026, 11, 25)) and calendar.is_open(date(2026, 11, 26))
    assert calendar.due_date(date(2026, 11, 18), 7) == date(2026, 11, 26)  # a due Wednesday moves to Thursday
    set_closed_weekdays(lib, set(), actor="t")  # open every day of the week
    assert lib.school_calendar().is_open(date(2026, 11, 28))


def test_month_view_shows_why_and_where_due_dates_move(lib: Library) -> None:
    close_days(lib, date(2026, 10, 1), date(2026, 10, 7), reason="国庆节", actor="t")
    open_day(lib, date(2026, 10, 10), reason="国庆节调休上课", actor="t")
    view = month_view(lib, 2026, 10)
    by_day = {d.day.day: d for d in view.days}
    assert len(view.days) == 31 and view.status.term is not None
    assert (by_day[1].is_open, by_day[1].why, by_day[1].due_moves_to) == (False, "国庆节", date(2026, 10, 8))
    assert (by_day[10].is_open, by_day[10].why, by_day[10].due_moves_to) == (True, "国庆节调休上课", None)
    assert (by_day[11].why, by_day[11].due_moves_to) == ("周末", date(2026, 10, 12))
    assert by_day[12].why == "开馆" and by_day[12].term == "2026秋季学期"
    # 7 holiday days, 9 weekend days of which 2 fall in the holiday, the 10th a 调休 Saturday.
    assert view.open_days == 31 - 7 - (9 - 2) + 1
    january = month_view(lib, 2027, 1)
    last = {d.day.day: d for d in january.days}
    assert last[22].is_term_last_day and last[23].why == "假期（不在学期内）" and last[23].term is None
    # The last Friday before the term's end: a closed day there moves due dates back to the last open day.
    close_days(lib, date(2027, 1, 22), reason="期末", actor="t")
    assert {d.day.day: d for d in month_view(lib, 2027, 1).days}[22].due_moves_to == date(2027, 1, 21)
    november = month_view(lib, 2026, 11)
    assert [d.day for d in november.days if d.is_today] == [date(2026, 11, 18)]


def test_two_librarians_adding_overlapping_terms_at_once_get_one_term(library: Library, db_url: str,
                                                                        clock) -> None:
    import threading

    from core.models import Term as TermRow
    from core.school_calendar import begin_change

    other = Library.open(db_url, clock=clock, migrate=False)
    outcome: list[object] = []
    try:
        with library.uow() as uow:  # the first librarian is between her check and her commit
            begin_change(uow.session)
            uow.session.add(TermRow(name="2027春季学期", start_date=date(2027, 2, 22), end_date=date(2027, 7, 9)))
            uow.session.flush()

            def second() -> None:
                try:
                    outcome.append(add_term(other, "2027春季", date(2027, 3, 1), date(2027, 7, 2), actor="b"))
                except CalendarInvalid as refused:
                    outcome.append(refused)
            thread = threading.Thread(target=second)
            thread.start()
            thread.join(0.5)
            assert thread.is_alive()  # waits for the first transaction instead of checking a stale state
            uow.commit()
        thread.join(10)
    finally:
        other.close()
    assert len(outcome) == 1 and isinstance(outcome[0], CalendarInvalid)
    assert "2027春季学期" in outcome[0].errors["start"]
    assert [t.name for t in list_terms(library)] == ["2027春季学期"]
