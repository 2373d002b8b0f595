"""Loading the rows a report needs in a few flat queries (200,000 loans load in about a second)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Date, String, func, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from core.clock import SCHOOL_TZ
from core.models import Item, ItemStatus, Loan, Reader, ReaderStatus, ReaderType, SchoolClass, Title
from core.reports.periods import Period


class LoanFact(NamedTuple):
    """One loan as the report counts it (a tuple: 200,000 of them are built per report)."""

    reader_id: int
    title_id: int
    loaned_on: date  # school day
    due_date: date
    returned_on: date | None
    lost: bool

    def overdue(self, as_of: date) -> bool:
        """Returned after its due day, lost, or still out after its due day."""
        if self.lost:
            return True
        if self.returned_on is not None:
            return self.returned_on > self.due_date
        return self.due_date < as_of


@dataclass(frozen=True)
class ReaderFact:
    reader_id: int
    card_no: str
    name: str
    reader_type: ReaderType
    class_id: int | None


@dataclass(frozen=True)
class ClassFact:
    class_id: int
    name: str
    grade: int


# The school day of a stored UTC instant, computed by the database: converting 400,000 instants in Python
# (aware datetimes, astimezone) was most of a 200,000-loan report's time. Asia/Shanghai has kept UTC+8 all
# year since 1991 (no daylight saving), so a fixed offset gives the same day as core.clock.school_today.
_OFFSET_HOURS = int(SCHOOL_TZ.utcoffset(datetime(2026, 1, 1)).total_seconds() // 3600)  # type: ignore[union-attr]


class school_day(FunctionElement[date]):  # noqa: N801 (an SQL function, named like one)
    """SQL: the school calendar day (a DATE) of a UTCDateTime column; NULL stays NULL."""

    type = Date()
    inherit_cache = True


@compiles(school_day, "sqlite")
def _school_day_sqlite(element: school_day, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '{_OFFSET_HOURS:+d} hours')"


@compiles(school_day)
def _school_day_default(element: school_day, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} + INTERVAL '{_OFFSET_HOURS} hours') AS DATE)"


def load_loans(session: Session, period: Period) -> list[LoanFact]:
    """Loans made in the period, whatever happened to them since; days are school days.

    Read as plain rows and without a join: a copy's title comes from a dict of the copies (tens of
    thousands, read once), and each day's text is parsed once per distinct day (a term has ~150), not
    three times per loan; SQLAlchemy's per-value Date parsing and the join were most of 200,000 loans'
    time. PostgreSQL's driver returns dates already; they pass through unchanged.
    """
    start, end = period.utc_bounds
    conn = session.connection()
    title_of = {item_id: title_id for item_id, title_id in conn.execute(select(Item.id, Item.title_id))}
    stmt = (select(Loan.reader_id, Loan.item_id, type_coerce(school_day(Loan.loaned_at), String),
                   type_coerce(Loan.due_date, String), type_coerce(school_day(Loan.returned_at), String),
                   Loan.lost_at.is_not(None))
            .where(Loan.loaned_at >= start, Loan.loaned_at < end))
    day = _Days()
    return [LoanFact(reader_id, title_of[item_id], day[loaned], day[due],
                     None if returned is None else day[returned], bool(lost))
            for reader_id, item_id, loaned, due, returned, lost in conn.execute(stmt).all()]


class _Days(dict[object, date]):
    """A day's text (SQLite) or date (PostgreSQL) → date, each distinct day parsed once."""

    def __missing__(self, value: object) -> date:
        found = self[value] = value if isinstance(value, date) else date.fromisoformat(str(value))
        return found


def load_readers(session: Session) -> dict[int, ReaderFact]:
    """Every reader who has not left (students on the roll today, teachers and staff)."""
    stmt = select(Reader.id, Reader.card_no, Reader.name, Reader.reader_type, Reader.class_id).where(
        Reader.status != ReaderStatus.LEFT)
    return {row[0]: ReaderFact(*row) for row in session.execute(stmt)}


def load_reader_names(session: Session, reader_ids: set[int]) -> dict[int, ReaderFact]:
    """Readers who borrowed in the period but have left since: their loans count in the school's
    totals, but they are no longer on a class roll (class_id None)."""
    if not reader_ids:
        return {}
    stmt = select(Reader.id, Reader.card_no, Reader.name, Reader.reader_type).where(Reader.id.in_(reader_ids))
    return {row[0]: ReaderFact(*row, None) for row in session.execute(stmt)}


def load_classes(session: Session) -> dict[int, ClassFact]:
    return {row[0]: ClassFact(*row) for row in session.execute(
        select(SchoolClass.id, SchoolClass.name, SchoolClass.grade))}


def load_titles(session: Session, title_ids: list[int]) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    for chunk in range(0, len(title_ids), 500):
        ids = title_ids[chunk:chunk + 500]
        out.update({tid: (t, a) for tid, t, a in session.execute(
            select(Title.id, Title.title, Title.author).where(Title.id.in_(ids)))})
    return out


def count_holdings(session: Session) -> int:
    """Copies the library holds: everything but lost and withdrawn (剔除) copies."""
    return session.scalar(select(func.count()).select_from(Item).where(
        Item.status.not_in([ItemStatus.LOST, ItemStatus.WITHDRAWN]))) or 0
