"""The class borrowing rota (core/rota): date rules, parsing, set/replace/remove, skipped turns."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.calendar import SchoolCalendar, TermSpan
from core.circulation.checkout import checkout
from core.circulation.commands import CheckoutItem
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from core.rota import (
    RotaInvalid,
    Turn,
    class_rota,
    make_turn,
    next_turn,
    remove_turns,
    replace_turns,
    set_turn,
    skipped_turns,
    turn_status,
)
from core.rota.schedule import parse_every, parse_weekday, parse_window
from tests.factories import add_closed_days, add_reader, add_title

TERM = TermSpan("2026秋季学期", date(2026, 9, 1), date(2027, 1, 22))
CAL = SchoolCalendar([TERM], {date(2026, 11, 25): False})  # a closed Wednesday
WED = date(2026, 11, 18)  # DEFAULT_NOW's day, a Wednesday


@pytest.mark.parametrize(("typed", "weekday"), [
    ("周三", 2), ("星期三", 2), ("礼拜三", 2), ("三", 2), ("3", 2), ("Wed", 2), ("周日", 6), ("星期天", 6),
    ("周一", 0), ("每周五", 4), ("ｗｅｄ", 2),
])
def test_weekdays_are_read_as_people_write_them(typed: str, weekday: int) -> None:
    assert parse_weekday(typed) == weekday


@pytest.mark.parametrize(("typed", "window"), [
    ("12:10-12:50", ("12:10", "12:50")), ("12：10~12：50", ("12:10", "12:50")), ("8:05至8:40", ("08:05", "08:40")),
    ("１２:１０－１２:５０", ("12:10", "12:50")), ("14.30-15.10", ("14:30", "15:10")),
])
def test_time_windows_are_read_as_people_write_them(typed: str, window: tuple[str, str]) -> None:
    assert parse_window(typed) == window


@pytest.mark.parametrize(("typed", "field"), [
    ("周八", "weekday"), ("12:50-12:10", "window"), ("中午", "window"), ("25:00-26:00", "window"),
])
def test_bad_input_names_its_field(typed: str, field: str) -> None:
    with pytest.raises(RotaInvalid) as info:
        (parse_weekday if field == "weekday" else parse_window)(typed)
    assert field in info.value.errors


@pytest.mark.parametrize(("typed", "weeks"), [("1", 1), ("2", 2), ("隔周", 2), ("每周", 1), ("3周", 3)])
def test_every_weeks(typed: str, weeks: int) -> None:
    assert parse_every(typed) == weeks


@pytest.mark.parametrize(("turn", "day", "expected"), [
    # every week on Wednesday: today is a turn day
    (Turn(2, "12:10", "12:50"), WED, date(2026, 11, 18)),
    # Thursday: the next day
    (Turn(3, "12:10", "12:50"), WED, date(2026, 11, 19)),
    # next Wednesday is closed: the turn is skipped, not moved
    (Turn(2, "12:10", "12:50"), date(2026, 11, 19), date(2026, 12, 2)),
    # every other week from the week of 11-16: 11-18 is a turn, 12-02 the next
    (Turn(2, "12:10", "12:50", 2, date(2026, 11, 16)), WED, WED),
    (Turn(2, "12:10", "12:50", 2, date(2026, 11, 16)), date(2026, 11, 19), date(2026, 12, 2)),
    # every other week from the week of 11-23 (its Wednesday is closed): 12-09
    (Turn(2, "12:10", "12:50", 2, date(2026, 11, 23)), WED, date(2026, 12, 9)),
    # no turns before the first week
    (Turn(0, "08:00", "08:40", 1, date(2026, 12, 7)), WED, date(2026, 12, 7)),
    # vacation: the next turn is in the next term, but no term is known after it, so the calendar is closed
    (Turn(2, "12:10", "12:50"), date(2027, 1, 21), None),
])
def test_next_turn_is_the_first_open_turn_day(turn: Turn, day: date, expected: date | None) -> None:
    found = next_turn([turn], CAL, day)
    assert (found[0] if found else None) == expected


def test_set_show_replace_and_remove_a_class_turns(lib: Library) -> None:
    add_reader(lib, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    turn = make_turn("周三", "12:10-12:50", every="2", place="阅览室", today=lib.today())
    assert turn.first_week is None  # settled when saved
    result = set_turn(lib, "三年级二班", turn, actor="test")  # the class as people write it
    turn = Turn(2, "12:10", "12:50", 2, date(2026, 8, 31), "阅览室")  # 隔周 from the term's first week
    assert result.class_name == "三年级2班" and result.turns == (turn,)
    again = set_turn(lib, "3(2)班", make_turn("三", "13:00-13:40", today=lib.today()), actor="test")
    assert [t.starts for t in again.turns] == ["13:00"]  # the same weekday is replaced
    replace_turns(lib, "三年级2班", [make_turn("周一", "8:00-8:40", today=lib.today()),
                                   make_turn("周四", "8:00-8:40", today=lib.today())], actor="test")
    assert [t.weekday for t in class_rota(lib, "三年级2班")[0].turns] == [0, 3]
    assert remove_turns(lib, "三年级2班", 0, actor="test") == 1
    assert remove_turns(lib, "三年级2班", actor="test") == 1
    assert class_rota(lib)[0].turns == ()
    with pytest.raises(RotaInvalid) as info:
        set_turn(lib, "九年级9班", turn, actor="test")
    assert "九年级9班" in info.value.errors["class"]


def test_turn_status_today_and_next(lib: Library) -> None:
    add_reader(lib, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    rota = set_turn(lib, "三年级2班", make_turn("周三", "12:10-12:50", today=lib.today()), actor="test")
    status = turn_status(lib, rota.class_id)
    assert status.today is not None and status.next_day == WED
    add_closed_days(lib, date(2026, 11, 25))
    later = turn_status(lib, rota.class_id, day=date(2026, 11, 19))
    assert later.today is None and later.next_day == date(2026, 12, 2)


def test_skipped_turns_are_turn_days_without_a_loan_by_the_class(lib: Library, clock: FixedClock) -> None:
    student, card = add_reader(lib, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    add_reader(lib, "李小红", ReaderType.STUDENT, class_name="三年级1班")
    set_turn(lib, "三年级2班", Turn(2, "12:10", "12:50", 1, date(2026, 11, 2)), actor="test")
    set_turn(lib, "三年级1班", Turn(1, "12:10", "12:50", 1, date(2026, 11, 2)), actor="test")
    add_closed_days(lib, date(2026, 11, 4))  # a closed Wednesday is no skipped turn
    _, barcodes = add_title(lib, copies=1)
    clock.set(datetime(2026, 11, 11, 4, 30, tzinfo=UTC))  # Wednesday 11-11 12:30 school time
    checkout(lib, CheckoutItem(card, barcodes[0], actor="test"))
    clock.set(datetime(2026, 11, 18, 5, 0, tzinfo=UTC))  # 11-18 13:00: today's turn is over
    rows = [(r.day, r.class_name) for r in skipped_turns(lib, start=date(2026, 11, 2), end=date(2026, 11, 18))]
    assert rows == [(date(2026, 11, 18), "三年级2班"), (date(2026, 11, 17), "三年级1班"),
                    (date(2026, 11, 10), "三年级1班"), (date(2026, 11, 3), "三年级1班")]
    clock.set(datetime(2026, 11, 18, 4, 0, tzinfo=UTC))  # 12:00: today's turn has not ended yet
    assert (date(2026, 11, 18), "三年级2班") not in [(r.day, r.class_name) for r in
                                                 skipped_turns(lib, start=date(2026, 11, 2), end=date(2026, 11, 18))]
    assert student


def test_odd_and_even_weeks_count_from_the_term_first_week(lib: Library) -> None:
    calendar = lib.school_calendar()  # the term starts Tuesday 2026-09-01: its first week is 08-31
    odd = make_turn("周三", "12:10-12:50", every="单周", today=lib.today(), calendar=calendar)
    even = make_turn("周三", "13:00-13:40", every="双周", today=lib.today(), calendar=calendar)
    assert (odd.every_weeks, odd.first_week) == (2, date(2026, 8, 31))
    assert (even.every_weeks, even.first_week) == (2, date(2026, 9, 7))
    later = make_turn("周三", "12:10-12:50", every="单周", start=date(2026, 11, 18), today=lib.today(), calendar=calendar)
    assert later.first_week == date(2026, 11, 23)  # the first odd week from 11-18's week on (week 13)
    add_reader(lib, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    replace_turns(lib, "三年级2班", [odd, even], actor="test")  # both on Wednesday: they never meet
    assert [t.first_week for t in class_rota(lib, "三年级2班")[0].turns] == [date(2026, 8, 31), date(2026, 9, 7)]
    with pytest.raises(RotaInvalid) as info:
        make_turn("周三", "12:10-12:50", every="单周", today=lib.today(), calendar=SchoolCalendar([], {}))
    assert "学期" in info.value.errors["every"]


def test_saving_again_keeps_the_week_a_turn_comes(lib: Library, clock: FixedClock) -> None:
    add_reader(lib, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    set_turn(lib, "三年级2班", make_turn("周三", "12:10-12:50", every="隔周", today=lib.today()), actor="test")
    first = class_rota(lib, "三年级2班")[0].turns
    clock.set(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))  # a week later, saved again with another time
    set_turn(lib, "三年级2班", make_turn("周三", "12:20-12:50", every="隔周", today=lib.today()), actor="test")
    again = class_rota(lib, "三年级2班")[0].turns
    assert [t.first_week for t in again] == [t.first_week for t in first] == [date(2026, 8, 31)]
    weekly = set_turn(lib, "三年级2班", make_turn("周五", "8:00-8:40", today=lib.today()), actor="test")
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    replace_turns(lib, "三年级2班", [make_turn("周三", "12:20-12:50", every=2, today=lib.today()),
                                   make_turn("周五", "8:00-8:40", today=lib.today())], actor="test")
    assert class_rota(lib, "三年级2班")[0].turns == weekly.turns


def test_overlapping_turns_of_one_class_are_refused(lib: Library) -> None:
    add_reader(lib, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    with pytest.raises(RotaInvalid) as info:
        replace_turns(lib, "三年级2班", [make_turn("周三", "12:10-12:50", today=lib.today()),
                                       make_turn("周三", "12:30-13:00", today=lib.today())], actor="test")
    assert "12:10-12:50 和 12:30-13:00" in info.value.errors["class"]
    replace_turns(lib, "三年级2班", [make_turn("周三", "12:10-12:50", today=lib.today()),
                                   make_turn("周三", "12:50-13:30", today=lib.today())], actor="test")


@pytest.mark.parametrize("place", ["图书\n室", "图书室\u202e", "a\u200bb", "一" * 21])
def test_a_place_is_one_short_line(place: str) -> None:
    with pytest.raises(RotaInvalid) as info:
        make_turn("周三", "12:10-12:50", place=place, today=WED)
    assert "地点" in info.value.errors["place"]
