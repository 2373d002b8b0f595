"""Small builders for test data: real rows in the real database, no mocks."""
from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from core import versions
from core.errors import Reason, Refused
from core.library import Library
from core.models import (
    CalendarDay,
    Guardian,
    GuardianStudent,
    Item,
    ItemStatus,
    ItemType,
    Reader,
    ReaderType,
    SchoolClass,
    Term,
    Title,
)

_seq = itertools.count(1)

# The autumn term used by most tests: DEFAULT_NOW (2026-11-18, a Wednesday) is inside it.
TERM_START = date(2026, 9, 1)
TERM_END = date(2027, 1, 22)


def add_term(lib: Library, start: date = TERM_START, end: date = TERM_END, name: str = "2026秋季学期") -> None:
    with lib.uow() as uow:
        uow.session.add(Term(name=name, start_date=start, end_date=end))
        versions.bump(uow.session, versions.CALENDAR)
        uow.commit()


def add_closed_days(lib: Library, *days: date, reason: str = "节假日") -> None:
    _add_calendar_days(lib, days, is_open=False, reason=reason)


def add_open_days(lib: Library, *days: date, reason: str = "调休") -> None:
    _add_calendar_days(lib, days, is_open=True, reason=reason)


def _add_calendar_days(lib: Library, days: tuple[date, ...], *, is_open: bool, reason: str) -> None:
    with lib.uow() as uow:
        for day in days:
            uow.session.add(CalendarDay(day=day, is_open=is_open, reason=reason))
        versions.bump(uow.session, versions.CALENDAR)
        uow.commit()


def add_title(lib: Library, title: str = "草房子", author: str = "曹文轩", *, copies: int = 1,
              item_type: ItemType = ItemType.GENERAL, price_fen: int = 2500) -> tuple[int, list[str]]:
    """A title with `copies` available copies; returns (title id, barcodes). Bumps the catalogue counter,
    as every catalogue write in core does, so a running server's search index picks the title up."""
    n = next(_seq)
    with lib.uow() as uow:
        t = Title(title=title, author=author, created_at=lib.now())
        uow.session.add(t)
        uow.session.flush()
        barcodes = []
        for c in range(copies):
            barcode = f"B{n:05d}{c:02d}"
            uow.session.add(Item(barcode=barcode, title_id=t.id, item_type=item_type, price_fen=price_fen,
                                 call_number="I287.45/C1", location="二楼A架", status=ItemStatus.AVAILABLE,
                                 created_at=lib.now()))
            barcodes.append(barcode)
        versions.bump(uow.session, versions.CATALOGUE)
        uow.commit()
        return t.id, barcodes


def add_reader(lib: Library, name: str = "张老师", reader_type: ReaderType = ReaderType.TEACHER,
               card_no: str | None = None, class_name: str | None = None) -> tuple[int, str]:
    """Returns (reader id, card number)."""
    card_no = card_no or f"R{next(_seq):05d}"
    with lib.uow() as uow:
        class_id = None
        if class_name:
            from sqlalchemy import select

            cls = uow.session.scalar(select(SchoolClass).where(SchoolClass.name == class_name))
            if cls is None:
                cls = SchoolClass(name=class_name, grade=3)
                uow.session.add(cls)
                uow.session.flush()
            class_id = cls.id
        r = Reader(card_no=card_no, name=name, reader_type=reader_type, class_id=class_id, created_at=lib.now())
        uow.session.add(r)
        uow.commit()
        return r.id, card_no


def add_guardian(lib: Library, name: str, *student_ids: int) -> int:
    with lib.uow() as uow:
        g = Guardian(name=name, created_at=lib.now())
        uow.session.add(g)
        uow.session.flush()
        for sid in student_ids:
            uow.session.add(GuardianStudent(guardian_id=g.id, student_id=sid))
        uow.commit()
        return g.id


def weekday_after(day: date, weekday: int) -> date:
    """The first date after `day` that falls on `weekday` (0 = Monday)."""
    day += timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def refused(fn: Callable[..., Any], *args: Any) -> tuple[Reason, ...]:
    """The reasons a service call was refused with (fails the test if it was not refused)."""
    with pytest.raises(Refused) as info:
        fn(*args)
    return info.value.reasons
