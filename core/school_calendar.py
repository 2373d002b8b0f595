"""Entering the school calendar (校历): terms, closed days, 调休 days, closed weekdays, a month view.

The write side of `core.calendar` (whose `SchoolCalendar` is the read side). Every command
validates first and then writes in one transaction, together with the calendar change counter
(`versions.CALENDAR`), so the running server's cached calendar, due dates, fines, holds, pushes
and the 开放时间 reply follow at once, and an audit row naming the actor.

Bad input raises `CalendarInvalid`, whose `errors` maps a field name to a short Chinese
message a front end shows next to that field (the CLI prints it after the field's name).
All dates are school dates (Asia/Shanghai); "today" comes from the library's injected clock.
Both front ends (`cli/calendar.py`, the console page) call these functions and nothing else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import versions
from core.calendar import CLOSED_WEEKDAYS_FACT, SchoolCalendar
from core.circulation.lookups import audit
from core.library import Library
from core.models import CalendarDay, CatalogueVersion, InstallFact, Term

MAX_TERM_DAYS = 250  # longer than any school term (about 20 weeks); a longer one is a typo in a year
MAX_CLOSED_RANGE_DAYS = 120  # a closed range longer than a summer vacation is a typo
MAX_NAME = 60  # the columns' length
WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


class CalendarInvalid(ValueError):
    """Input the calendar cannot take. `errors`: field name → Chinese message for that field.

    Field names are the services' parameter names (`name`, `start`, `end`, `day`, `last`,
    `reason`, `year`, `term`, `weekdays`), so a form can put each message next to its input.
    """

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


def _invalid(field: str, message: str) -> CalendarInvalid:
    return CalendarInvalid({field: message})


# ---------------------------------------------------------------- parsing, for both front ends

_DATE_FORMS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_day(text: str, field: str = "day") -> date:
    """A date typed by a person: 2026-10-01, 2026/10/1, 2026.10.1, 2026年10月1日 or 20261001."""
    cleaned = text.strip()
    for form in _DATE_FORMS:
        match = form.match(cleaned)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise _invalid(field, f"“{cleaned}”不是有效的日期，请写成 2026-10-01 这样的格式。")


def parse_range(text: str, field: str = "day") -> tuple[date, date]:
    """One day (`2026-10-01`) or a range (`2026-10-01..2026-10-07`, also `~` or `至`), both ends included."""
    parts = re.split(r"\.\.|~|～|至", text.strip(), maxsplit=1)
    first = parse_day(parts[0], field)
    last = parse_day(parts[1], field) if len(parts) == 2 else first
    return first, last


def parse_month(text: str, field: str = "month") -> tuple[int, int]:
    """`2026-12`, `2026/12` or `2026年12月` → (year, month)."""
    match = re.match(r"^(\d{4})[-/.年](\d{1,2})月?$", text.strip())
    if match and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    raise _invalid(field, f"“{text.strip()}”不是有效的月份，请写成 2026-12 这样的格式。")


# ---------------------------------------------------------------- terms

@dataclass(frozen=True)
class TermInfo:
    """A term as the front ends show it (dates are school dates, both ends included)."""

    id: int
    name: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class TermStatus:
    """The term today falls in, or None with `message` saying why and what to do next.

    `next_term` is the first term after today (vacation between terms), if any.
    """

    term: TermInfo | None
    next_term: TermInfo | None
    message: str


def _info(term: Term) -> TermInfo:
    return TermInfo(term.id, term.name, term.start_date, term.end_date)


def list_terms(library: Library) -> list[TermInfo]:
    """Every term, earliest first."""
    with library.read_uow() as uow:
        return [_info(t) for t in uow.session.scalars(select(Term).order_by(Term.start_date))]


def current_term(library: Library) -> TermStatus:
    """The term containing today, or why there is none (no terms yet, vacation, all terms past)."""
    today = library.today()
    terms = list_terms(library)
    for term in terms:
        if term.start <= today <= term.end:
            return TermStatus(term, None, "")
    upcoming = next((t for t in terms if t.start > today), None)
    if not terms:
        message = "还没有录入学期，请先添加本学期（名称、第一天、最后一天）。在此之前到期日不受学期限制，假期也按开馆计算。"
    elif upcoming is not None:
        message = f"今天不在学期内（假期）。下一个学期“{upcoming.name}”从 {upcoming.start.isoformat()} 开始。"
    else:
        last = terms[-1]
        message = f"最后一个学期“{last.name}”已于 {last.end.isoformat()} 结束，请添加新学期。"
    return TermStatus(None, upcoming, message)


def _validate_term(session: Session, name: str, start: date, end: date, *, own_id: int | None) -> str:
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "请填写学期名称，例如“2026秋季学期”。"
    elif len(name) > MAX_NAME:
        errors["name"] = f"学期名称太长了，最多 {MAX_NAME} 个字。"
    elif session.scalar(select(Term.id).where(Term.name == name, Term.id != (own_id or 0))) is not None:
        errors["name"] = f"已经有叫“{name}”的学期了，请换一个名称。"
    if end < start:
        errors["end"] = "最后一天不能早于第一天。"
    elif (end - start).days + 1 > MAX_TERM_DAYS:
        errors["end"] = f"这个学期有 {(end - start).days + 1} 天，太长了（最多 {MAX_TERM_DAYS} 天），请检查年份。"
    else:
        clash = session.scalars(select(Term).where(Term.start_date <= end, Term.end_date >= start,
                                                   Term.id != (own_id or 0)).order_by(Term.start_date)).first()
        if clash is not None:
            errors["start"] = (f"和学期“{clash.name}”（{clash.start_date.isoformat()} 至 "
                               f"{clash.end_date.isoformat()}）有重叠，请调整日期。")
    if errors:
        raise CalendarInvalid(errors)
    return name


def begin_change(session: Session) -> None:
    """Bump the calendar change counter first thing in a calendar write.

    Caches reload on it once the transaction commits, and taking its row first serializes calendar
    writers (a row lock on PostgreSQL, the write lock on SQLite), so two librarians cannot both
    pass the overlap check with overlapping terms.
    """
    bumped = session.execute(update(CatalogueVersion).where(CatalogueVersion.id == versions.CALENDAR)
                             .values(version=CatalogueVersion.version + 1)).rowcount
    if bumped:
        return
    try:  # first calendar change of this database; another writer may be creating the row too
        with session.begin_nested():
            session.add(CatalogueVersion(id=versions.CALENDAR, version=1))
    except IntegrityError:  # it did, and has committed: bump its row (now locked in turn)
        session.execute(update(CatalogueVersion).where(CatalogueVersion.id == versions.CALENDAR)
                        .values(version=CatalogueVersion.version + 1))


def record_change(library: Library, session: Session, action: str, actor: str, **detail: object) -> None:
    """Audit a calendar change (actor: the staff account or `cli`), in the caller's transaction."""
    audit(session, library.now(), action, actor, **detail)


def add_term(library: Library, name: str, start: date, end: date, *, actor: str) -> TermInfo:
    """Add a term. Raises CalendarInvalid (name empty/taken/too long, end < start, too long, overlap)."""
    with library.uow() as uow:
        session = uow.session
        begin_change(session)
        name = _validate_term(session, name, start, end, own_id=None)
        term = Term(name=name, start_date=start, end_date=end)
        session.add(term)
        session.flush()
        record_change(library, session, "calendar_term_add", actor, term=name, start=start, end=end)
        info = _info(term)
        uow.commit()
        return info


def _term(session: Session, term_id: int) -> Term:
    term = session.get(Term, term_id, with_for_update=True)
    if term is None:
        raise _invalid("term", "找不到这个学期，可能已被删除。")
    return term


def find_term(library: Library, name: str) -> TermInfo:
    """The term called `name` (CLI and links use names). Raises CalendarInvalid(term)."""
    with library.read_uow() as uow:
        term = uow.session.scalar(select(Term).where(Term.name == name.strip()))
        if term is None:
            raise _invalid("term", f"找不到叫“{name.strip()}”的学期。")
        return _info(term)


def edit_term(library: Library, term_id: int, *, name: str | None = None, start: date | None = None,
              end: date | None = None, actor: str) -> TermInfo:
    """Change a term's name and/or dates (unchanged when None), with add_term's checks."""
    with library.uow() as uow:
        session = uow.session
        begin_change(session)
        term = _term(session, term_id)
        new_start, new_end = start or term.start_date, end or term.end_date
        new_name = _validate_term(session, term.name if name is None else name, new_start, new_end, own_id=term.id)
        term.name, term.start_date, term.end_date = new_name, new_start, new_end
        record_change(library, session, "calendar_term_edit", actor, term=new_name, start=new_start, end=new_end)
        session.flush()
        info = _info(term)
        uow.commit()
        return info


def delete_term(library: Library, term_id: int, *, actor: str) -> TermInfo:
    """Delete a term (its days become vacation). Closed and 调休 days are kept: they are dates."""
    with library.uow() as uow:
        session = uow.session
        begin_change(session)
        term = _term(session, term_id)
        info = _info(term)
        session.delete(term)
        record_change(library, session, "calendar_term_delete", actor, term=info.name)
        uow.commit()
        return info


# ---------------------------------------------------------------- closed days, 调休 days

def _reason(reason: str, default: str) -> str:
    reason = reason.strip() or default
    if len(reason) > MAX_NAME:
        raise _invalid("reason", f"原因太长了，最多 {MAX_NAME} 个字。")
    return reason


def close_days(library: Library, first: date, last: date | None = None, *, reason: str = "",
               actor: str) -> list[date]:
    """Close `first` through `last` (both included; one day when `last` is None), e.g. holidays, exams.

    A day already marked (closed or 调休) is overwritten: the newest entry is what the librarian means.
    Returns the days written. Raises CalendarInvalid (last < first, range too long, reason too long).
    """
    last = last or first
    if last < first:
        raise _invalid("last", "结束日期不能早于开始日期。")
    if (last - first).days + 1 > MAX_CLOSED_RANGE_DAYS:
        raise _invalid("last", f"一次最多关闭 {MAX_CLOSED_RANGE_DAYS} 天，请检查日期（假期不用录：学期以外本来就闭馆）。")
    reason = _reason(reason, "闭馆")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    with library.uow() as uow:
        session = uow.session
        begin_change(session)
        _upsert(session, days, is_open=False, reason=reason)
        record_change(library, session, "calendar_close", actor, first=first, last=last, reason=reason)
        uow.commit()
    return days


def open_day(library: Library, day: date, *, reason: str = "", actor: str) -> date:
    """Open `day` although the weekly rule closes it (调休 make-up school day), or undo a closed day.

    Raises CalendarInvalid(day) when the day is outside every term (it would stay closed: vacation)
    or is already an ordinary open day.
    """
    reason = _reason(reason, "调休上课")
    with library.uow() as uow:
        session = uow.session
        begin_change(session)
        # Loaded here, not through Library.calendar: its cache must never keep a state of this
        # transaction's counter that a rollback would undo.
        calendar = SchoolCalendar.load(session, weekend_closed=library.policy.weekend_closed)
        if calendar.terms and calendar.term_of(day) is None:
            raise _invalid("day", f"{day.isoformat()} 不在任何学期内（假期），不能开馆。请先添加或修改学期。")
        exception = calendar.exceptions.get(day)
        if exception is None and calendar.is_open(day):
            raise _invalid("day", f"{day.isoformat()}（{WEEKDAY_NAMES[day.weekday()]}）本来就开馆，不用调休。")
        if exception is True:
            raise _invalid("day", f"{day.isoformat()} 已经是开馆日（调休）了。")
        _upsert(session, [day], is_open=True, reason=reason)
        record_change(library, session, "calendar_open", actor, day=day, reason=reason)
        uow.commit()
    return day


def clear_day(library: Library, day: date, *, actor: str) -> None:
    """Remove a closed or 调休 entry: the day follows the weekly rule again. Raises CalendarInvalid(day)."""
    with library.uow() as uow:
        session = uow.session
        begin_change(session)
        removed = session.execute(delete(CalendarDay).where(CalendarDay.day == day)).rowcount
        if not removed:
            raise _invalid("day", f"{day.isoformat()} 没有单独设置过，不用删除。")
        record_change(library, session, "calendar_clear", actor, day=day)
        uow.commit()


def _upsert(session: Session, days: list[date], *, is_open: bool, reason: str) -> None:
    existing = {row.day: row for row in session.scalars(
        select(CalendarDay).where(CalendarDay.day.in_(days)).with_for_update())}
    for day in days:
        row = existing.get(day)
        if row is None:
            session.add(CalendarDay(day=day, is_open=is_open, reason=reason))
        else:
            row.is_open, row.reason = is_open, reason


# ---------------------------------------------------------------- closed weekdays

def set_closed_weekdays(library: Library, weekdays: set[int], *, actor: str) -> frozenset[int]:
    """The days of the week the library is closed (0 = Monday … 6 = Sunday), e.g. {5, 6}, or {2, 5, 6}.

    Stored as the install fact `calendar.closed_weekdays` (no schema change); until it is set the
    policy's `weekend_closed` decides. Raises CalendarInvalid(weekdays) for all seven days closed.
    """
    if any(not 0 <= d <= 6 for d in weekdays):
        raise _invalid("weekdays", "星期只能是 1（周一）到 7（周日）。")
    if len(weekdays) == 7:
        raise _invalid("weekdays", "不能每天都闭馆，至少留一天开馆。")
    value = ",".join(str(d) for d in sorted(weekdays))
    with library.uow() as uow:
        session = uow.session
        begin_change(session)
        fact = session.get(InstallFact, CLOSED_WEEKDAYS_FACT, with_for_update=True)
        if fact is None:
            session.add(InstallFact(key=CLOSED_WEEKDAYS_FACT, value=value))
        else:
            fact.value = value
        record_change(library, session, "calendar_weekdays", actor, closed=value)
        uow.commit()
    return frozenset(weekdays)


# ---------------------------------------------------------------- month view

@dataclass(frozen=True)
class DayView:
    """One day of the month view.

    `why`: a short Chinese reason (开馆, 周末, 假期, the holiday's name, 调休上课, …).
    `due_moves_to`: for a closed day in a term, the day a due date falling on it becomes
    (the next open day, or the term's last open day); None otherwise.
    """

    day: date
    is_open: bool
    why: str
    term: str | None
    is_today: bool
    is_term_first_day: bool
    is_term_last_day: bool
    due_moves_to: date | None


@dataclass(frozen=True)
class MonthView:
    """A month for the page or the terminal: its days in order, the terms touching it, today's term status."""

    year: int
    month: int
    days: list[DayView]
    terms: list[TermInfo]
    status: TermStatus

    @property
    def open_days(self) -> int:
        return sum(1 for d in self.days if d.is_open)


def _why(calendar: SchoolCalendar, day: date, reasons: dict[date, str]) -> str:
    if calendar.terms and calendar.term_of(day) is None:
        return "假期（不在学期内）"
    if day in calendar.exceptions:
        return reasons.get(day) or ("调休上课" if calendar.exceptions[day] else "闭馆")
    if day.weekday() in calendar.closed_weekdays:
        return "周末" if day.weekday() >= 5 else f"每周{WEEKDAY_NAMES[day.weekday()][1]}闭馆"
    return "开馆"


def _due_moves_to(calendar: SchoolCalendar, day: date, term_end: date) -> date:
    """Where a due date computed onto closed `day` goes (as SchoolCalendar.due_date moves it for a
    loan lent earlier in the term): the next open day, or the term's last open day at its end."""
    moved = calendar.next_open_day(day)
    if moved > term_end or not calendar.is_open(moved):  # no open day left in the term
        return calendar.previous_open_day(term_end)
    return moved


def month_view(library: Library, year: int, month: int) -> MonthView:
    """Every day of `year`-`month` with open/closed, why, and the due-date cut-offs. Raises CalendarInvalid(month)."""
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise _invalid("month", "月份不对，请写成 2026-12 这样的格式。")
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    today = library.today()
    with library.read_uow() as uow:
        session = uow.session
        calendar = library.calendar(session)
        reasons: dict[date, str] = dict(session.execute(select(CalendarDay.day, CalendarDay.reason)
                                       .where(CalendarDay.day.between(first, last))).all())
    days = []
    for n in range(last.day):
        day = first + timedelta(days=n)
        term = calendar.term_of(day)
        is_open = calendar.is_open(day)
        moves = _due_moves_to(calendar, day, term.end) if term is not None and not is_open else None
        days.append(DayView(day, is_open, _why(calendar, day, reasons), term.name if term else None,
                            day == today, term is not None and day == term.start,
                            term is not None and day == term.end, moves))
    terms = [t for t in list_terms(library) if t.start <= last and t.end >= first]
    return MonthView(year, month, days, terms, current_term(library))

