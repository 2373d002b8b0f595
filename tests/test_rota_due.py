"""Policy due_on_class_turn: a student's due date falls on their class's next rota turn (table-driven)."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from core.circulation.checkout import checkout
from core.circulation.commands import CheckoutItem
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from core.rota import Turn, set_turn
from tests.factories import add_closed_days, add_reader, add_title

NOV_18 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday: 14 days → Wednesday 12-02
JAN_06 = datetime(2027, 1, 6, 2, 0, tzinfo=UTC)  # Wednesday: 14 days → 01-20, the term ends Friday 01-22

CASES = [
    # (option, reader, turn or None, closed days, now, expected due date)
    pytest.param(False, ReaderType.STUDENT, Turn(3, "12:10", "12:50"), (), NOV_18, date(2026, 12, 2), id="off"),
    pytest.param(True, ReaderType.STUDENT, Turn(3, "12:10", "12:50"), (), NOV_18, date(2026, 12, 3),
                 id="next-thursday-turn"),
    pytest.param(True, ReaderType.STUDENT, Turn(2, "12:10", "12:50"), (), NOV_18, date(2026, 12, 2),
                 id="turn-on-the-due-day-itself"),
    pytest.param(True, ReaderType.STUDENT, Turn(3, "12:10", "12:50"), (date(2026, 12, 3),), NOV_18,
                 date(2026, 12, 10), id="closed-turn-day-waits-for-the-next-turn"),
    pytest.param(True, ReaderType.STUDENT, Turn(3, "12:10", "12:50", 2, date(2026, 12, 7)), (), NOV_18,
                 date(2026, 12, 10), id="every-other-week"),
    pytest.param(True, ReaderType.STUDENT, Turn(3, "12:10", "12:50", 2, date(2026, 11, 30)), (), NOV_18,
                 date(2026, 12, 3), id="every-other-week-this-week"),
    pytest.param(True, ReaderType.STUDENT, None, (), NOV_18, date(2026, 12, 2), id="class-without-rota"),
    pytest.param(True, ReaderType.TEACHER, Turn(3, "12:10", "12:50"), (), NOV_18, date(2026, 11, 25),
                 id="teachers-keep-their-period"),
    pytest.param(True, ReaderType.STUDENT, Turn(4, "12:10", "12:50"), (), JAN_06, date(2027, 1, 22),
                 id="turn-on-the-terms-last-day"),
    pytest.param(True, ReaderType.STUDENT, Turn(0, "12:10", "12:50"), (), JAN_06, date(2027, 1, 20),
                 id="no-turn-before-the-term-ends-keeps-the-period"),
]


@pytest.mark.parametrize(("option", "reader_type", "turn", "closed", "now", "expected"), CASES)
def test_due_date_on_class_turn(lib: Library, clock: FixedClock, option: bool, reader_type: ReaderType,
                                turn: Turn | None, closed: tuple[date, ...], now: datetime, expected: date) -> None:
    lib.policy = replace(lib.policy, due_on_class_turn=option)
    clock.set(now)
    _, card = add_reader(lib, "王小明", reader_type, class_name="三年级2班")
    if turn is not None:
        set_turn(lib, "三年级2班", turn, actor="test")
    if closed:
        add_closed_days(lib, *closed)
    _, barcodes = add_title(lib)
    assert checkout(lib, CheckoutItem(card, barcodes[0])).due_date == expected
