"""A calendar change takes effect at once for due dates, fines and holds, in a server already running.

`server` is a second Library on the same database, as the running `shuxiang serve` is while the
librarian types `shuxiang calendar ...`: it has the calendar cached (read model and version cache)
before the change and must not keep a stale one. SQLite files and PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from core import queries
from core.circulation import CheckinItem, CheckoutItem, PlaceReservation, checkin, checkout, place_reservation
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from core.school_calendar import close_days, open_day, set_closed_weekdays
from tests.factories import add_reader, add_term, add_title

WEDNESDAY = date(2026, 11, 18)  # DEFAULT_NOW's school day


@pytest.fixture
def server(db_url: str, clock: FixedClock, library: Library) -> Iterator[Library]:
    """The running server's Library (its own engine, caches and change watcher)."""
    add_term(library)
    running = Library.open(db_url, clock=clock, migrate=False)
    running.school_calendar()  # warm: the calendar is cached before the librarian's change
    yield running
    running.close()


def test_a_closed_day_moves_a_new_loans_due_date(library: Library, server: Library) -> None:
    _, card = add_reader(library, "张老师", ReaderType.TEACHER)
    _, copies = add_title(library, "草房子", copies=2)
    before = checkout(server, CheckoutItem(card, copies[0]))
    assert before.due_date == date(2026, 11, 25)  # teacher: 7 days, a Wednesday
    close_days(library, date(2026, 11, 25), reason="运动会", actor="cli")
    after = checkout(server, CheckoutItem(card, copies[1]))
    assert after.due_date == date(2026, 11, 26)
    assert server.school_calendar().is_open(date(2026, 11, 25)) is False
    # A 调休 Saturday after a closed Friday: a due date on the Friday moves to the Saturday, not Monday.
    close_days(library, date(2026, 11, 27), reason="教研活动", actor="cli")
    open_day(library, date(2026, 11, 28), actor="cli")
    assert server.school_calendar().next_open_day(date(2026, 11, 27)) == date(2026, 11, 28)


def test_closing_days_lowers_an_overdue_loans_fine(library: Library, server: Library, clock: FixedClock) -> None:
    reader_id, card = add_reader(library, "张老师", ReaderType.TEACHER)
    _, copies = add_title(library, "三体", copies=1, price_fen=5000)
    clock.set(datetime(2026, 11, 3, 2, tzinfo=UTC))  # Tuesday: due Tuesday 11-10
    assert checkout(library, CheckoutItem(card, copies[0])).due_date == date(2026, 11, 10)
    clock.set(datetime(2026, 11, 18, 2, tzinfo=UTC))
    [loan] = queries.open_loans(server, reader_id)
    assert (loan.overdue_days, loan.fine_fen) == (6, 300)  # 11,12,13,16,17,18 at 0.50元
    close_days(library, date(2026, 11, 12), date(2026, 11, 13), reason="运动会", actor="cli")
    [loan] = queries.open_loans(server, reader_id)
    assert (loan.overdue_days, loan.fine_fen) == (4, 200)
    set_closed_weekdays(library, {0, 5, 6}, actor="cli")  # closed on Mondays too: 11-16 is free
    returned = checkin(server, CheckinItem(copies[0]))
    assert (returned.overdue_days, returned.fine_fen) == (3, 150)


def test_a_closed_day_moves_a_holds_expiry(library: Library, server: Library) -> None:
    _, holder = add_reader(library, "李老师", ReaderType.TEACHER)
    waiting_id, _ = add_reader(library, "王老师", ReaderType.TEACHER)
    first_title, first = add_title(library, "狼王梦", copies=1)
    second_title, second = add_title(library, "城南旧事", copies=1)
    for title_id, copies in ((first_title, first), (second_title, second)):
        checkout(server, CheckoutItem(holder, copies[0]))
        place_reservation(server, PlaceReservation(waiting_id, title_id))
    ready = checkin(server, CheckinItem(first[0])).reservation_ready
    assert ready is not None and ready.hold_until == date(2026, 11, 23)  # Thu, Fri, Mon
    close_days(library, date(2026, 11, 19), reason="停电检修", actor="cli")
    ready = checkin(server, CheckinItem(second[0])).reservation_ready
    assert ready is not None and ready.hold_until == date(2026, 11, 24)  # Fri, Mon, Tue


def _raw_close(library: Library, day: date) -> None:
    """A change made without the services (a librarian's SQL, another tool)."""
    with library.engine.begin() as connection:
        connection.execute(text("INSERT INTO calendar_days (day, is_open, reason) VALUES (:d, :o, '停水')"),
                           {"d": day, "o": False})



def test_raw_sql_changes_are_seen_at_once(library: Library, server: Library) -> None:
    # Migration 0011's triggers: a librarian's SQL, an import or another tool count like the services.
    assert server.school_calendar().is_open(date(2026, 11, 24))
    _raw_close(library, date(2026, 11, 24))
    assert server.school_calendar().is_open(date(2026, 11, 24)) is False
    with server.read_uow() as uow:  # the version-checked cache used inside transactions too
        assert server.calendar(uow.session).is_open(date(2026, 11, 24)) is False
    with library.engine.begin() as connection:
        connection.execute(text("DELETE FROM calendar_days"))
    assert server.school_calendar().is_open(date(2026, 11, 24))
    with library.engine.begin() as connection:  # a term moved by hand: 11-24 is now vacation
        connection.execute(text("UPDATE terms SET end_date = :d"), {"d": date(2026, 11, 20)})
    assert server.school_calendar().is_open(date(2026, 11, 24)) is False
    with library.engine.begin() as connection:  # closed weekdays set by hand
        connection.execute(text("INSERT INTO install_facts (key, value) VALUES ('calendar.closed_weekdays', '2,5,6')"))
    assert server.school_calendar().is_open(date(2026, 11, 18)) is False
