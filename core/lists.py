"""The lists a librarian prints (console /admin/lists): typed rows from one read-only transaction each.

Each function takes the Library and returns frozen dataclasses; dates are school dates (Asia/Shanghai)
from the library's injected clock. "Days late" is `core.circulation.fines.days_late`, the
count the bot's 我的借阅, the 催书 pushes and the fine at return all use: open days after the due day
through today, so a book is on the overdue list exactly when the bot tells its reader it is late.
Nothing here knows about HTML or xlsx.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from sqlalchemy import exists, select

from core.circulation.fines import days_late
from core.clock import SCHOOL_TZ, school_datetime
from core.imports.values import parse_class
from core.library import Library
from core.models import (
    AuditEntry,
    Charge,
    ChargeKind,
    ChargeStatus,
    Item,
    ItemStatus,
    Loan,
    Reader,
    ReaderStatus,
    ReaderType,
    Reservation,
    ReservationStatus,
    SchoolClass,
    Title,
)

ACADEMIC_OFFICE_ACTION = "report_academic_office"  # written by core.circulation.checkin.close_loan


_CLASS_NUMBER = re.compile(r"(\d+)班$")


@lru_cache(maxsize=4096)
def class_sort_key(name: str) -> tuple[int, int, int, str]:
    """How every list orders classes: by grade, then class number, as a school prints them.

    '一年级2班' < '一年级10班' < '二年级1班' < '七年级1班' (初一 is grade 7); a name that is no grade
    and class (a graduates' class, a club) comes after them by its text; no class ('') comes last.
    """
    if not name:
        return (2, 0, 0, "")
    parsed = parse_class(name)
    number = _CLASS_NUMBER.search(parsed[0]) if parsed is not None else None
    if parsed is None or number is None:
        return (1, 0, 0, name)
    return (0, parsed[1], int(number.group(1)), name)


# Surnames read differently from the character's everyday reading (曾 is Zēng as a surname, not céng).
# pypinyin (0.55) has no surname mode, so the first character, or a compound surname, is looked up here.
SURNAME_PINYIN = {
    "尉迟": ("yu4", "chi2"), "万俟": ("mo4", "qi2"),
    "曾": ("zeng1",), "单": ("shan4",), "解": ("xie4",), "仇": ("qiu2",), "朴": ("piao2",), "查": ("zha1",),
    "区": ("ou1",), "乐": ("yue4",), "盖": ("ge3",), "缪": ("miao4",), "覃": ("qin2",), "种": ("chong2",),
    "翟": ("zhai2",), "召": ("shao4",), "员": ("yun4",), "任": ("ren2",), "华": ("hua4",), "纪": ("ji3",),
    "燕": ("yan1",), "卜": ("bu3",), "秘": ("bi4",), "薄": ("bo2",), "宁": ("ning4",), "阚": ("kan4",),
    "重": ("chong2",), "相": ("xiang4",), "都": ("du1",), "祭": ("zhai4",), "隗": ("wei3",), "繁": ("po2",),
    "冼": ("xian3",), "折": ("she2",), "句": ("gou1",), "过": ("guo1",),
}


@lru_cache(maxsize=65536)
def name_sort_key(name: str) -> tuple[tuple[str, ...], str]:
    """How every list orders people's names: by pinyin with tone (吴 wu2 < 于 yu2 < 周 zhou1), as class
    rosters are printed, the surname as a surname is read (曾 zeng1, 单 shan4: SURNAME_PINYIN); the
    characters themselves break ties between homophones."""
    for surname in (name[:2], name[:1]):
        if len(name) > len(surname) and surname in SURNAME_PINYIN:
            rest = lazy_pinyin(name[len(surname):], style=Style.TONE3, neutral_tone_with_five=True)
            return (*SURNAME_PINYIN[surname], *rest), name
    return tuple(lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)), name


class NoCurrentTerm(LookupError):
    """A list that needs the current term (who has not borrowed this term) asked outside every term."""


class NoSuchClass(LookupError):
    """A filter named a class the school does not have; `class_names` are the ones it has (for the form)."""

    def __init__(self, asked: str, class_names: list[str]) -> None:
        super().__init__(asked)
        self.class_names = class_names


class OverdueSort(enum.StrEnum):
    """Orders of the overdue list: most days late first, or class by class."""

    DAYS = "days"  # most days late first, then class, then name
    CLASS = "class"  # by class name, then most days late first


@dataclass(frozen=True)
class OverdueRow:
    """One open loan past its due day: 读者, 班级, 书名, 条形码, 应还日期, 逾期天数 (open days, ≥ 1)."""

    reader: str
    card_no: str
    class_name: str  # "" for readers without a class (teachers, staff)
    title: str
    barcode: str
    due_date: date
    days_late: int
    renewed: bool  # renewed at least once: returning it late puts the reader on the 教务处 list


@dataclass(frozen=True)
class ChargeRow:
    """An open (unpaid, unwaived) charge; `amount_fen` in fen."""

    reader: str
    card_no: str
    class_name: str
    kind: ChargeKind
    amount_fen: int
    note: str
    created_on: date


@dataclass(frozen=True)
class SuspendedRow:
    """A reader who may not borrow through `until` (a renewed book came back late, or the librarian's
    suspension with its reason; 9999-12-31 = until lifted)."""

    reader: str
    card_no: str
    class_name: str
    until: date
    reason: str = ""  # a manual suspension's reason; "" for the automatic one after a renewal


@dataclass(frozen=True)
class AcademicOfficeRow:
    """One 教务处 report: a renewed book returned late (audit action `report_academic_office`)."""

    reported_on: date
    reader: str
    card_no: str
    class_name: str
    title: str
    barcode: str
    days_late: int
    suspended_until: date | None


@dataclass(frozen=True)
class HoldRow:
    """A copy waiting on the 预约架 for a reader, to be picked up by `hold_until` (last open day)."""

    reader: str
    card_no: str
    class_name: str
    title: str
    barcode: str
    ready_on: date | None
    hold_until: date | None
    expired: bool  # hold_until already passed: take it off the shelf (the nightly job will too)


@dataclass(frozen=True)
class CopyRow:
    """A copy in repair or lost; `reader`/`since` come from its lost loan when there is one."""

    title: str
    barcode: str
    call_number: str
    location: str
    price_fen: int
    reader: str
    class_name: str
    since: date | None


@dataclass(frozen=True)
class NotBorrowedRow:
    """An active student of a class with no loan since the term's first day."""

    class_name: str
    reader: str
    card_no: str


@dataclass(frozen=True)
class NotBorrowed:
    """Who has not borrowed this term: the term's name and first day, and the students, class by class."""

    term: str
    since: date
    rows: list[NotBorrowedRow]


@dataclass(frozen=True)
class OverdueList:
    """The overdue list and what its filter form needs: every class name, the class shown (None: all)."""

    rows: list[OverdueRow]
    class_names: list[str]
    class_name: str | None


def overdue(library: Library, *, class_name: str | None = None, class_id: int | None = None, min_days: int = 1,
            sort: OverdueSort = OverdueSort.DAYS) -> OverdueList:
    """Open loans at least `min_days` open days late (never fewer than 1), whole school or one class.

    The class is given by name (a filter) or id (a class teacher's own); NoSuchClass for an unknown
    one. One query with joins (no lazy loads: 5,000 rows stay well under a second); days late are
    counted once per due date with the calendar of the same transaction.
    """
    today = library.today()
    stmt = (select(Reader.name, Reader.card_no, SchoolClass.name, Title.title, Item.barcode, Loan.due_date,
                   Loan.renewal_count)
            .join(Reader, Reader.id == Loan.reader_id).join(Item, Item.id == Loan.item_id)
            .join(Title, Title.id == Item.title_id).outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
            .where(Loan.is_open.is_(True), Loan.due_date < today))
    with library.read_uow() as uow:
        session = uow.session
        names = sorted(session.scalars(select(SchoolClass.name)), key=class_sort_key)
        shown = None
        if class_name is not None or class_id is not None:
            where = SchoolClass.name == class_name.strip() if class_name is not None else SchoolClass.id == class_id
            found = session.execute(select(SchoolClass.id, SchoolClass.name).where(where)).first()
            if found is None:
                raise NoSuchClass(class_name or str(class_id), names)
            stmt, shown = stmt.where(Reader.class_id == found[0]), found[1]
        calendar = library.calendar(session)
        late: dict[date, int] = {}
        rows = []
        for name, card, cls, title, barcode, due, renewals in session.execute(stmt):
            if due not in late:
                late[due] = days_late(library.policy, calendar, due, today)
            if late[due] >= max(1, min_days):
                rows.append(OverdueRow(name, card, cls or "", title, barcode, due, late[due], renewals > 0))
    if sort == OverdueSort.CLASS:
        rows.sort(key=lambda r: (class_sort_key(r.class_name), -r.days_late, name_sort_key(r.reader), r.barcode))
    else:
        rows.sort(key=lambda r: (-r.days_late, class_sort_key(r.class_name), name_sort_key(r.reader), r.barcode))
    return OverdueList(rows, names, shown)


def open_charges(library: Library) -> list[ChargeRow]:
    """Unpaid, unwaived charges, by class then reader then date (fines still accruing are not charges yet)."""
    stmt = (select(Reader.name, Reader.card_no, SchoolClass.name, Charge.kind, Charge.amount_fen, Charge.note,
                   Charge.created_at)
            .join(Reader, Reader.id == Charge.reader_id).outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
            .where(Charge.status == ChargeStatus.OPEN).order_by(Charge.created_at, Charge.id))
    with library.read_uow() as uow:
        rows = [ChargeRow(name, card, cls or "", ChargeKind(kind), amount, note, _school_day(at))
                for name, card, cls, kind, amount, note, at in uow.session.execute(stmt)]
    # Stable sort: within one reader the charges keep their date order from the query.
    return sorted(rows, key=lambda r: (class_sort_key(r.class_name), name_sort_key(r.reader), r.card_no))


def suspended(library: Library) -> list[SuspendedRow]:
    """Readers whose borrowing is suspended today or later (suspended_until ≥ today), soonest end first."""
    stmt = (select(Reader.name, Reader.card_no, SchoolClass.name, Reader.suspended_until, Reader.suspension_reason)
            .outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
            .where(Reader.suspended_until >= library.today())
            .order_by(Reader.card_no))
    with library.read_uow() as uow:
        rows = [SuspendedRow(name, card, cls or "", until, reason or "")
                for name, card, cls, until, reason in uow.session.execute(stmt)]
    return sorted(rows, key=lambda r: (r.until, class_sort_key(r.class_name), name_sort_key(r.reader)))


def academic_office(library: Library, *, since: date | None = None) -> list[AcademicOfficeRow]:
    """The 教务处 list: renewed books returned late, newest first, reported on or after `since` (school date).

    `since` defaults to the current term's first day (the term the office asks about); outside every
    term, every report ever made.
    """
    stmt = (select(AuditEntry.at, AuditEntry.detail, Reader.name, Reader.card_no, SchoolClass.name, Title.title,
                   Item.barcode)
            .join(Reader, Reader.id == AuditEntry.reader_id).outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
            .outerjoin(Item, Item.id == AuditEntry.item_id).outerjoin(Title, Title.id == Item.title_id)
            .where(AuditEntry.action == ACADEMIC_OFFICE_ACTION).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    with library.read_uow() as uow:
        if since is None:
            term = library.calendar(uow.session).term_of(library.today())
            since = term.start if term is not None else None
        if since is not None:
            stmt = stmt.where(AuditEntry.at >= school_datetime(since))
        rows = []
        for at, detail, name, card, cls, title, barcode in uow.session.execute(stmt):
            detail = detail or {}
            until = detail.get("suspended_until")
            rows.append(AcademicOfficeRow(_school_day(at), name, card, cls or "", title or "", barcode or "",
                                          _int(detail.get("days_late")),
                                          date.fromisoformat(until) if until and until != "None" else None))
        return rows


@dataclass(frozen=True)
class Suspensions:
    """The suspended readers and the 教务处 list, shown on one page."""

    suspended: list[SuspendedRow]
    academic_office: list[AcademicOfficeRow]


def suspensions(library: Library) -> Suspensions:
    """`suspended` and `academic_office` (this term) together, for the page that prints both."""
    return Suspensions(suspended(library), academic_office(library))


def holds_waiting(library: Library) -> list[HoldRow]:
    """Copies caught for a reservation (status ready) with their pick-up deadline, soonest deadline first."""
    today = library.today()
    stmt = (select(Reader.name, Reader.card_no, SchoolClass.name, Title.title, Item.barcode, Reservation.ready_at,
                   Reservation.hold_until)
            .join(Reader, Reader.id == Reservation.reader_id)
            .outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
            .join(Title, Title.id == Reservation.title_id).outerjoin(Item, Item.id == Reservation.item_id)
            .where(Reservation.status == ReservationStatus.READY)
            .order_by(Reservation.hold_until, Reservation.id))
    with library.read_uow() as uow:
        return [HoldRow(name, card, cls or "", title, barcode or "", _school_day(ready) if ready else None, until,
                        until is not None and until < today)
                for name, card, cls, title, barcode, ready, until in uow.session.execute(stmt)]


def copies_in_repair(library: Library) -> list[CopyRow]:
    """Copies with status in_repair, by call number then barcode (where they go back on the shelf)."""
    return _copies(library, ItemStatus.IN_REPAIR)


def lost_copies(library: Library) -> list[CopyRow]:
    """Copies with status lost, with the reader of the loan marked lost and the day, newest first."""
    rows = _copies(library, ItemStatus.LOST)
    return sorted(rows, key=lambda r: (r.since is None, -(r.since.toordinal() if r.since else 0), r.barcode))


def _copies(library: Library, status: ItemStatus) -> list[CopyRow]:
    items = (select(Item.id, Title.title, Item.barcode, Item.call_number, Item.location, Item.price_fen)
             .join(Title, Title.id == Item.title_id).where(Item.status == status)
             .order_by(Item.call_number, Item.barcode))
    # Each copy's lost loans, oldest first: the last one seen per copy is its latest.
    lost = (select(Loan.item_id, Reader.name, SchoolClass.name, Loan.lost_at)
            .join(Item, Item.id == Loan.item_id).join(Reader, Reader.id == Loan.reader_id)
            .outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
            .where(Item.status == status, Loan.lost_at.is_not(None)).order_by(Loan.lost_at, Loan.id))
    with library.read_uow() as uow:
        latest = {item_id: (name, cls or "", _school_day(at)) for item_id, name, cls, at in uow.session.execute(lost)}
        return [CopyRow(title, barcode, call, location, price, *latest.get(item_id, ("", "", None)))
                for item_id, title, barcode, call, location, price in uow.session.execute(items)]


def not_borrowed(library: Library, *, class_id: int | None = None) -> NotBorrowed:
    """Active students (of one class, or all) with no loan since the current term's first day, by class.

    Raises NoCurrentTerm when today is in no term (the question has no answer in a vacation).
    """
    today = library.today()
    with library.read_uow() as uow:
        term = library.calendar(uow.session).term_of(today)
        if term is None:
            raise NoCurrentTerm("no current term")
        borrowed = exists().where(Loan.reader_id == Reader.id, Loan.loaned_at >= school_datetime(term.start))
        stmt = (select(SchoolClass.name, Reader.name, Reader.card_no)
                .join(SchoolClass, SchoolClass.id == Reader.class_id)
                .where(Reader.reader_type == ReaderType.STUDENT, Reader.status == ReaderStatus.ACTIVE, ~borrowed)
                .order_by(Reader.card_no))
        if class_id is not None:
            stmt = stmt.where(Reader.class_id == class_id)
        rows = [NotBorrowedRow(*row) for row in uow.session.execute(stmt)]
    rows.sort(key=lambda r: (class_sort_key(r.class_name), name_sort_key(r.reader), r.card_no))
    return NotBorrowed(term.name, term.start, rows)


def _school_day(at: object) -> date:
    return at.astimezone(SCHOOL_TZ).date()  # type: ignore[attr-defined]


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0




@dataclass(frozen=True)
class ClassLists:
    """A class teacher's page: their class's overdue loans, and who has not borrowed this term (None: no term)."""

    class_name: str
    overdue: list[OverdueRow]
    not_borrowed: NotBorrowed | None


def class_lists(library: Library, *, class_id: int | None = None, class_name: str | None = None) -> ClassLists:
    """One class's overdue list (most days late first) and not-borrowed list; NoSuchClass for an unknown class."""
    late = overdue(library, class_id=class_id, class_name=class_name)
    assert late.class_name is not None
    with library.read_uow() as uow:
        shown = uow.session.scalar(select(SchoolClass.id).where(SchoolClass.name == late.class_name))
    try:
        idle: NotBorrowed | None = not_borrowed(library, class_id=shown)
    except NoCurrentTerm:
        idle = None
    return ClassLists(late.class_name, late.rows, idle)


def class_names(library: Library) -> list[str]:
    """Every class's name, by grade then class number (a librarian's choices on the class page)."""
    with library.read_uow() as uow:
        return sorted(uow.session.scalars(select(SchoolClass.name)), key=class_sort_key)


@dataclass(frozen=True)
class GradeOverdue:
    """One grade's share of the overdue list: readers with a late book and late copies; grade 0 = no class."""

    grade: int
    readers: int
    copies: int


@dataclass(frozen=True)
class OverdueSummary:
    """The whole school's overdue list in figures (for 全校逾期 by message), and its first rows.

    `readers` counts distinct cards, `copies` late copies; `by_grade` goes grade 1 upwards, readers
    without a class (teachers, staff) last as grade 0; `first` are the most days late (as `overdue()`).
    """

    readers: int
    copies: int
    by_grade: list[GradeOverdue]
    first: list[OverdueRow]


def overdue_summary(library: Library, *, first: int = 5) -> OverdueSummary:
    """The school's overdue loans (at least one open day late) counted by reader, copy and grade."""
    late = overdue(library)
    with library.read_uow() as uow:
        grades: dict[str, int] = {name: grade for name, grade in uow.session.execute(select(SchoolClass.name, SchoolClass.grade))}
    cards: dict[int, set[str]] = {}
    copies: dict[int, int] = {}
    for row in late.rows:
        grade = grades.get(row.class_name, 0) if row.class_name else 0
        cards.setdefault(grade, set()).add(row.card_no)
        copies[grade] = copies.get(grade, 0) + 1
    order = sorted(cards, key=lambda g: (g == 0, g))
    return OverdueSummary(len({r.card_no for r in late.rows}), len(late.rows),
                          [GradeOverdue(g, len(cards[g]), copies[g]) for g in order], late.rows[:first])
