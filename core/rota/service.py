"""The class borrowing rota (借阅轮流表): set, replace and remove a class's turns; read them back;
"when is our class's next turn"; the turns a class skipped (a turn day without one loan by its students).

Every front end (CLI, console, bot, scheduler) calls these and nothing else. Writes validate first,
then change one transaction with an audit row; bad input raises `RotaInvalid` naming the field.
Dates are school dates from the library's clock; the calendar decides which turn days are open.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
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
    WEEKDAY_NAMES,
    RotaInvalid,
    Turn,
    can_share_day,
    check_place,
    monday_of,
    next_turn,
    overlaps,
    parse_every,
    parse_parity,
    parse_weekday,
    parse_window,
    term_first_week,
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
              place: str = "", today: date, calendar: SchoolCalendar | None = None) -> Turn:
    """A turn from typed values (every error at once, by field).

    单周/双周 are the odd/even weeks counted from the term's first week (from `start`'s week on when
    given; `calendar` gives the term). Otherwise `start`'s week is the first; without `start` the
    first week is left unset (None) and `set_turn`/`replace_rota` settle it: the replaced turn's first
    week, else this week for a weekly turn and the term's first week for 隔周 and longer.
    """
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
    first: date | None = monday_of(start) if start is not None else None
    parity = parse_parity(every) if "every" in values else 0
    if parity:
        base = term_first_week(calendar, start or today) if calendar is not None else None
        if base is None:
            errors["every"] = "单周/双周要按学期的第一周来数，请先在校历里设置学期，或写 隔周 和起始日期。"
        else:
            first = base + timedelta(weeks=parity - 1)
            while start is not None and first < monday_of(start):
                first += timedelta(weeks=2)
    if errors:
        raise RotaInvalid(errors)
    starts, ends = values["window"]  # type: ignore[misc]
    return Turn(int(values["weekday"]), starts, ends, int(values["every"]),  # type: ignore[arg-type, call-overload]
                first, str(values["place"]))


def settle_turn(turn: Turn, existing: list[Turn], calendar: SchoolCalendar, today: date) -> Turn:
    """`turn` with its first week set: as given; else the replaced turn's (same weekday, the same
    start time first); else this week (weekly) or the term's first week (隔周 and longer)."""
    if turn.first_week is not None:
        return turn
    same_day = [t for t in existing if t.weekday == turn.weekday and t.first_week is not None]
    same_day.sort(key=lambda t: (t.starts != turn.starts, t.starts))
    if same_day:
        return replace(turn, first_week=same_day[0].first_week)
    if turn.every_weeks > 1:
        return replace(turn, first_week=term_first_week(calendar, today) or monday_of(today))
    return replace(turn, first_week=monday_of(today))


def overlap_problem(class_name: str, turns: list[Turn]) -> str | None:
    """The first two turns of one class that can meet on one day with overlapping times, named; or None."""
    for i, one in enumerate(turns):
        for other in turns[i + 1:]:
            if overlaps(one, other):
                return (f"{class_name}{WEEKDAY_NAMES[one.weekday]}的 {one.starts}-{one.ends} 和 "
                        f"{other.starts}-{other.ends} 时间重叠，请改开时间或只留一个。")
    return None


def _write_turns(session: Session, class_id: int, turns: list[Turn]) -> None:
    for t in turns:
        session.add(ClassRotaTurn(class_id=class_id, weekday=t.weekday, starts=t.starts, ends=t.ends,
                                  every_weeks=t.every_weeks, first_week=t.first_week, place=t.place))


def set_turn(library: Library, class_name: str, turn: Turn, *, actor: str) -> ClassRota:
    """Add a turn to a class, replacing the class's turn on the same weekday if it had one."""
    with library.uow() as uow:
        session = uow.session
        found = find_class(session, class_name)
        calendar = library.calendar(session)
        existing = session.scalars(select(ClassRotaTurn).where(ClassRotaTurn.class_id == found.id,
                                                               ClassRotaTurn.weekday == turn.weekday)).all()
        turn = settle_turn(turn, [_turn(r) for r in existing], calendar, library.today())
        for row in existing:  # replaced: the turns of that weekday that can meet the new one on a day
            if can_share_day(_turn(row), turn):
                session.delete(row)
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
        calendar, today = library.calendar(session), library.today()
        existing = turns_by_class(session)
        resolved = []
        for name, turns in timetable.items():
            found = find_class(session, name)
            turns = [settle_turn(t, existing.get(found.id, []), calendar, today) for t in turns]
            problem = overlap_problem(found.name, turns)
            if problem is not None:
                raise RotaInvalid({"class": problem})
            resolved.append((found, turns))
        for found, _ in resolved:
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
