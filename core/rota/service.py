"""The class borrowing rota (借阅轮流表): set, replace and remove a class's turns; read them back;
"when is our class's next turn"; the turns a class skipped (a turn day without one loan by its students).

Every front end (CLI, console, bot, scheduler) calls these and nothing else. Writes validate first,
then change one transaction with an audit row; bad input raises `RotaInvalid` naming the field.
Dates are school dates from the library's clock; the calendar decides which turn days are open.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.calendar import SchoolCalendar
from core.circulation.lookups import audit
from core.clock import SCHOOL_TZ
from core.imports.values import parse_class
from core.library import Library
from core.lists import class_sort_key
from core.models import ClassRotaTurn, Loan, Reader, ReaderType, SchoolClass
from core.rota.schedule import (
    RotaInvalid,
    Turn,
    check_place,
    monday_of,
    next_turn,
    parse_every,
    parse_weekday,
    parse_window,
    turn_due_date,
    turns_on,
)


@dataclass(frozen=True)
class ClassRota:
    """One class and its turns (none when the class has no turn yet), turns by weekday then time."""

    class_id: int
    class_name: str
    grade: int
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class TurnStatus:
    """A class's rota seen from today: today's turn (if any) and the next one on or after today."""

    class_name: str
    turns: tuple[Turn, ...]
    today: Turn | None
    next_day: date | None
    next_turn: Turn | None


@dataclass(frozen=True)
class SkippedTurn:
    """A turn on an open day on which no student of the class borrowed anything."""

    class_name: str
    day: date
    turn: Turn


def _turn(row: ClassRotaTurn) -> Turn:
    return Turn(row.weekday, row.starts, row.ends, row.every_weeks or 1, row.first_week, row.place or "")


def turns_by_class(session: Session) -> dict[int, list[Turn]]:
    """class id → its turns (one query), each list by weekday then start time."""
    found: dict[int, list[Turn]] = defaultdict(list)
    for row in session.scalars(select(ClassRotaTurn).order_by(ClassRotaTurn.class_id, ClassRotaTurn.weekday,
                                                              ClassRotaTurn.starts)):
        found[row.class_id].append(_turn(row))
    return dict(found)


def class_turn_due(session: Session, calendar: SchoolCalendar, class_id: int, due: date) -> date:
    """`due` moved to the class's next turn on or after it (policy due_on_class_turn); unchanged without one."""
    rows = session.scalars(select(ClassRotaTurn).where(ClassRotaTurn.class_id == class_id)).all()
    return turn_due_date([_turn(r) for r in rows], calendar, due)


def student_turn_due(session: Session, calendar: SchoolCalendar, reader: Reader, due: date) -> date:
    """A checkout's due date under policy due_on_class_turn: a student's moves to their class's next
    turn on or after it; anyone else's (teachers, students without a class or a rota) stays."""
    if reader.reader_type != ReaderType.STUDENT or reader.class_id is None:
        return due
    return class_turn_due(session, calendar, reader.class_id, due)


def find_class(session: Session, raw: str) -> SchoolClass:
    """The class a person typed ('三年级二班', '3(2)班', '３年级２班'), or RotaInvalid naming the class."""
    text = raw.strip()
    parsed = parse_class(text)
    name = parsed[0] if parsed is not None else text
    found = session.scalar(select(SchoolClass).where(SchoolClass.name == name))
    if found is None:
        raise RotaInvalid({"class": f"没有找到班级“{text}”，请写成 三年级2班 这样，或先导入班级名单。"})
    return found


def class_rota(library: Library, class_name: str | None = None) -> list[ClassRota]:
    """Every class with its turns (classes without a turn too), by grade and class number; or one class."""
    with library.read_uow() as uow:
        session = uow.session
        turns = turns_by_class(session)
        if class_name is not None:
            classes = [find_class(session, class_name)]
        else:
            classes = list(session.scalars(select(SchoolClass)))
        rows = [ClassRota(c.id, c.name, c.grade, tuple(turns.get(c.id, []))) for c in classes]
    return sorted(rows, key=lambda r: class_sort_key(r.class_name))


def make_turn(weekday: str | int, window: str, *, every: str | int = 1, start: date | None = None,
              place: str = "", today: date) -> Turn:
    """A turn from typed values (every error at once, by field); `start` defaults to this week."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for field, parse, raw in (("weekday", parse_weekday, weekday), ("window", parse_window, window),
                              ("every", parse_every, every), ("place", check_place, place)):
        try:
            values[field] = parse(raw) if not (field == "weekday" and isinstance(raw, int)) else raw
        except RotaInvalid as invalid:
            errors.update(invalid.errors)
    if isinstance(values.get("weekday"), int) and not 0 <= int(values["weekday"]) <= 6:  # type: ignore[arg-type]
        errors["weekday"] = "星期要在周一到周日之间。"
    if errors:
        raise RotaInvalid(errors)
    starts, ends = values["window"]  # type: ignore[misc]
    return Turn(int(values["weekday"]), starts, ends, int(values["every"]),  # type: ignore[arg-type, call-overload]
                monday_of(start or today), str(values["place"]))


def _write_turns(session: Session, class_id: int, turns: list[Turn]) -> None:
    for t in turns:
        session.add(ClassRotaTurn(class_id=class_id, weekday=t.weekday, starts=t.starts, ends=t.ends,
                                  every_weeks=t.every_weeks, first_week=t.first_week, place=t.place))


def set_turn(library: Library, class_name: str, turn: Turn, *, actor: str) -> ClassRota:
    """Add a turn to a class, replacing the class's turn on the same weekday if it had one."""
    with library.uow() as uow:
        session = uow.session
        found = find_class(session, class_name)
        session.execute(delete(ClassRotaTurn).where(ClassRotaTurn.class_id == found.id,
                                                    ClassRotaTurn.weekday == turn.weekday))
        session.flush()
        _write_turns(session, found.id, [turn])
        audit(session, library.now(), "rota_set", actor, class_name=found.name, turn=turn.describe())
        session.flush()
        rows = turns_by_class(session).get(found.id, [])
        result = ClassRota(found.id, found.name, found.grade, tuple(rows))
        uow.commit()
        return result


def replace_turns(library: Library, class_name: str, turns: list[Turn], *, actor: str) -> ClassRota:
    """Replace all of a class's turns (an empty list clears them): the console's per-class form."""
    return replace_rota(library, {class_name: turns}, actor=actor)[0]


def remove_turns(library: Library, class_name: str, weekday: int | None = None, *, actor: str) -> int:
    """Remove one weekday's turn of a class, or all its turns; returns how many were removed."""
    with library.uow() as uow:
        session = uow.session
        found = find_class(session, class_name)
        where = [ClassRotaTurn.class_id == found.id]
        if weekday is not None:
            where.append(ClassRotaTurn.weekday == weekday)
        removed = session.execute(delete(ClassRotaTurn).where(*where)).rowcount or 0
        audit(session, library.now(), "rota_remove", actor, class_name=found.name,
              weekday="all" if weekday is None else weekday, removed=removed)
        uow.commit()
        return removed


def replace_rota(library: Library, timetable: dict[str, list[Turn]], *, actor: str) -> list[ClassRota]:
    """Replace the turns of every class named in `timetable` in one transaction (a timetable import);
    classes it does not name keep theirs. Two turns of one class on one weekday and time are refused."""
    with library.uow() as uow:
        session = uow.session
        resolved = [(find_class(session, name), turns) for name, turns in timetable.items()]
        for found, turns in resolved:
            keys = [(t.weekday, t.starts) for t in turns]
            if len(keys) != len(set(keys)):
                raise RotaInvalid({"class": f"{found.name}同一天同一时间写了两次，请只留一行。"})
            session.execute(delete(ClassRotaTurn).where(ClassRotaTurn.class_id == found.id))
        session.flush()
        for found, turns in resolved:
            _write_turns(session, found.id, turns)
            audit(session, library.now(), "rota_replace", actor, class_name=found.name, turns=len(turns))
        session.flush()
        all_turns = turns_by_class(session)
        result = [ClassRota(f.id, f.name, f.grade, tuple(all_turns.get(f.id, []))) for f, _ in resolved]
        uow.commit()
    return sorted(result, key=lambda r: class_sort_key(r.class_name))


def turn_status(library: Library, class_id: int, *, day: date | None = None) -> TurnStatus:
    """A class's turn today (if it is one) and its next turn on or after `day` (today by default)."""
    day = day or library.today()
    with library.read_uow() as uow:
        session = uow.session
        school_class = session.get(SchoolClass, class_id)
        if school_class is None:
            raise RotaInvalid({"class": "没有找到这个班级。"})
        turns = turns_by_class(session).get(class_id, [])
        calendar = library.calendar(session)
        today = turns_on(turns, calendar, day)
        upcoming = next_turn(turns, calendar, day)
        name = school_class.name
    return TurnStatus(name, tuple(turns), today[0] if today else None,
                      upcoming[0] if upcoming else None, upcoming[1] if upcoming else None)


def _school_date(at: datetime) -> date:
    return at.astimezone(SCHOOL_TZ).date()


def skipped_turns(library: Library, *, start: date | None = None, end: date | None = None) -> list[SkippedTurn]:
    """Turns on open days in [start, end] when no student of the class borrowed a book, latest first.

    Defaults: the last four weeks through yesterday (today's turn may still be ahead). `end` is never
    after today; a turn today counts only once its window has ended.
    """
    today = library.today()
    end = min(end or today - timedelta(days=1), today)
    start = start or end - timedelta(days=27)
    if start > end:
        return []
    now_time = library.now().astimezone(SCHOOL_TZ).strftime("%H:%M")
    with library.read_uow() as uow:
        session = uow.session
        calendar = library.calendar(session)
        turns = turns_by_class(session)
        names = dict(session.execute(select(SchoolClass.id, SchoolClass.name)).all())
        since = datetime.combine(start - timedelta(days=1), datetime.min.time(), tzinfo=SCHOOL_TZ)
        until = datetime.combine(end + timedelta(days=2), datetime.min.time(), tzinfo=SCHOOL_TZ)
        borrowed: set[tuple[int, date]] = set()
        for class_id, loaned_at in session.execute(
                select(Reader.class_id, Loan.loaned_at).join(Reader, Reader.id == Loan.reader_id)
                .where(Reader.class_id.in_(list(turns)), Reader.reader_type == ReaderType.STUDENT,
                       Loan.loaned_at >= since, Loan.loaned_at < until)):
            borrowed.add((class_id, _school_date(loaned_at)))
    found: list[SkippedTurn] = []
    day = start
    while day <= end:
        for class_id, class_turns in turns.items():
            for turn in turns_on(class_turns, calendar, day):
                if day == today and turn.ends > now_time:
                    continue
                if (class_id, day) not in borrowed:
                    found.append(SkippedTurn(names[class_id], day, turn))
                    break  # one line per class and day
        day += timedelta(days=1)
    found.sort(key=lambda s: (-s.day.toordinal(), class_sort_key(s.class_name)))
    return found
