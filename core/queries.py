"""Read models for conversations: loans, history, children, class lists, charges, books, rankings.

Each query opens its own read-only unit of work and returns plain frozen dataclasses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from core import versions
from core.circulation.fines import days_late, overdue_fine_fen
from core.clock import SCHOOL_TZ, school_datetime
from core.library import Library
from core.lists import name_sort_key
from core.live import ANY, Tag
from core.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    Item,
    ItemStatus,
    ItemType,
    Loan,
    Reader,
    ReaderStatus,
    ReaderType,
    Renewal,
    Reservation,
    ReservationStatus,
    SchoolClass,
    Title,
)


@dataclass(frozen=True)
class LoanView:
    """One open loan as the reader sees it; `overdue_days` counts open days only."""

    loan_id: int
    title_id: int
    title: str
    barcode: str
    due_date: date
    overdue_days: int
    fine_fen: int  # accrued so far, capped at the price
    renewal_count: int
    recalled: bool
    item_type: ItemType = ItemType.GENERAL  # which loan rule applies (how many renewals)


@dataclass(frozen=True)
class _OpenLoan:
    """What the read model keeps of an open loan; overdue days and fines depend on today."""

    loan_id: int
    title_id: int
    title: str
    barcode: str
    due_date: date
    price_fen: int
    renewal_count: int
    recalled: bool
    item_type: ItemType


_OPEN_LOANS = (select(Loan.id, Item.title_id, Title.title, Item.barcode, Loan.due_date, Item.price_fen,
                      Loan.renewal_count, Loan.recalled_at.is_not(None), Item.item_type)
               .join(Item, Item.id == Loan.item_id).join(Title, Title.id == Item.title_id)
               .where(Loan.reader_id == bindparam("reader_id"), Loan.is_open.is_(True))
               .order_by(Loan.due_date, Loan.id))


def _load_open_loans(session: Session, reader_id: int) -> tuple[tuple[_OpenLoan, ...], list[Tag]]:
    loans = tuple(_OpenLoan(*row) for row in session.execute(_OPEN_LOANS, {"reader_id": reader_id}))
    # ("title", id) too: a copy's type (教参 or not: its renewal rules) is not in 0008's item feed
    return loans, [("reader", str(reader_id)), *{("title", str(loan.title_id)) for loan in loans}]


def open_loans(library: Library, reader_id: int) -> list[LoanView]:
    """A reader's open loans, soonest due first (positions 1, 2, ... refer to this order)."""
    loans = library.cached(("open_loans", reader_id), lambda session: _load_open_loans(session, reader_id))
    today = library.today()
    calendar = library.school_calendar() if loans else None
    views = []
    for loan in loans:
        assert calendar is not None
        days = days_late(library.policy, calendar, loan.due_date, today)
        views.append(LoanView(loan.loan_id, loan.title_id, loan.title, loan.barcode, loan.due_date, days,
                              overdue_fine_fen(library.policy, days, loan.price_fen),
                              loan.renewal_count, loan.recalled, loan.item_type))
    return views


@dataclass(frozen=True)
class SuspensionView:
    """A reader's current suspension: through `until` (core.circulation.INDEFINITE: until lifted), and why
    ("" for the automatic one after a renewed loan came back late)."""

    until: date
    reason: str


def _load_suspension(session: Session, reader_id: int) -> tuple[tuple[date | None, str], list[Tag]]:
    row = session.execute(select(Reader.suspended_until, Reader.suspension_reason)
                          .where(Reader.id == reader_id)).first()
    found = (row[0], row[1] or "") if row is not None else (None, "")
    return found, [("reader", str(reader_id))]


def suspension(library: Library, reader_id: int) -> SuspensionView | None:
    """The reader's suspension if it still runs today (from the read model, like their loans), else None."""
    until, reason = library.cached(("suspension", reader_id), lambda session: _load_suspension(session, reader_id))
    if until is None or until < library.today():
        return None
    return SuspensionView(until, reason)


def loans_changed_since(library: Library, reader_ids: list[int], since: datetime) -> bool:
    """True when any of these readers' loans was lent, renewed, recalled, returned or lost at or
    after `since` (UTC): then positions read from a list before that may name other books now."""
    if not reader_ids:
        return False
    mine = Loan.reader_id.in_(reader_ids)
    moved = or_(Loan.loaned_at >= since, Loan.returned_at >= since, Loan.lost_at >= since,
                Loan.recalled_at >= since)
    renewed = select(Renewal.id).join(Loan, Loan.id == Renewal.loan_id).where(mine, Renewal.renewed_at >= since)
    with library.read_uow() as uow:
        if uow.session.scalar(select(Loan.id).where(mine, moved).limit(1)) is not None:
            return True
        return uow.session.scalar(renewed.limit(1)) is not None


@dataclass(frozen=True)
class History:
    this_term: int
    total: int
    recent: list[tuple[str, date]]  # (title, borrowed on), newest first
    by_month: list[tuple[int, int]] = field(default_factory=list)  # this term: (month, books), in order


def history(library: Library, reader_id: int, *, limit: int = 5) -> History:
    """Everything the reader borrowed: this term's count, the total and the latest titles."""
    today = library.today()
    with library.uow() as uow:
        session = uow.session
        term = library.calendar(session).current_or_next_term(today)
        loans = list(session.scalars(select(Loan).where(Loan.reader_id == reader_id)
                                     .order_by(Loan.loaned_at.desc(), Loan.id.desc())))
        in_term = 0
        months: dict[tuple[int, int], int] = {}
        for loan in loans:
            day = loan.loaned_at.astimezone(SCHOOL_TZ).date()
            if term is not None and term.start <= day <= term.end:
                in_term += 1
                months[day.year, day.month] = months.get((day.year, day.month), 0) + 1
        recent = [(loan.item.title.title, loan.loaned_at.astimezone(SCHOOL_TZ).date()) for loan in loans[:limit]]
        by_month = [(month, months[year, month]) for year, month in sorted(months)]
        return History(in_term, len(loans), recent, by_month)


@dataclass(frozen=True)
class OverdueRow:
    student: str
    title: str
    due_date: date
    overdue_days: int


def class_overdue(library: Library, class_id: int) -> list[OverdueRow]:
    """A class's overdue loans (for its class teacher only: the caller checks).

    Days late and order as in the class teacher's weekly push and the console's overdue list
    (`core.circulation.fines.days_late`): most days late first, then by name, then title.
    """
    today = library.today()

    def load(session: Session) -> tuple[list[OverdueRow], list[Tag]]:
        calendar = library.calendar(session)
        # Kept until a loan of anyone in the class, a reader moving in or out, a title's name or the
        # calendar changes (or the day does: today is in the key).
        members = list(session.scalars(select(Reader.id).where(Reader.class_id == class_id)))
        rows = session.execute(
            select(Reader.name, Title.title, Loan.due_date).join(Reader, Reader.id == Loan.reader_id)
            .join(Item, Item.id == Loan.item_id).join(Title, Title.id == Item.title_id)
            .where(Reader.class_id == class_id, Reader.reader_type != ReaderType.CLASS,  # 班级图书角: 我的借阅
                   Loan.is_open.is_(True), Loan.due_date < today))
        late = [OverdueRow(name, title, due, days_late(library.policy, calendar, due, today))
                for name, title, due in rows]
        late = [row for row in late if row.overdue_days >= 1]
        tags = [("class", str(class_id)), ("version", str(versions.CALENDAR)),
                *(("reader", str(rid)) for rid in members)]
        return sorted(late, key=lambda r: (-r.overdue_days, name_sort_key(r.student), r.title)), tags

    return list(library.cached(("class_overdue", class_id, today), load))


@dataclass(frozen=True)
class ChargeView:
    kind: ChargeKind
    amount_fen: int
    note: str


@dataclass(frozen=True)
class Charges:
    open_charges: list[ChargeView]
    accruing_fen: int  # fines still growing on overdue open loans, not yet charged

    @property
    def total_fen(self) -> int:
        return sum(c.amount_fen for c in self.open_charges) + self.accruing_fen


def charges(library: Library, reader_id: int) -> Charges:
    """Open charges plus the fine accruing on loans that are overdue now."""
    accruing = sum(loan.fine_fen for loan in open_loans(library, reader_id))
    with library.uow() as uow:
        rows = uow.session.scalars(select(Charge).where(Charge.reader_id == reader_id,
                                                        Charge.status == ChargeStatus.OPEN).order_by(Charge.id))
        return Charges([ChargeView(c.kind, c.amount_fen, c.note) for c in rows], accruing)


@dataclass(frozen=True)
class ReservationView:
    reservation_id: int
    title_id: int
    title: str
    status: ReservationStatus
    position: int  # in the title's queue (1 = next); 0 when ready
    hold_until: date | None


def reservations(library: Library, reader_id: int) -> list[ReservationView]:
    """The reader's waiting and ready reservations, oldest first."""
    with library.uow() as uow:
        session = uow.session
        rows = session.scalars(select(Reservation).where(
            Reservation.reader_id == reader_id,
            Reservation.status.in_([ReservationStatus.WAITING, ReservationStatus.READY])).order_by(Reservation.id))
        views = []
        for r in rows:
            position = 0
            if r.status == ReservationStatus.WAITING:
                position = 1 + (session.scalar(select(func.count()).select_from(Reservation).where(
                    Reservation.title_id == r.title_id, Reservation.status == ReservationStatus.WAITING,
                    Reservation.id < r.id)) or 0)
            views.append(ReservationView(r.id, r.title_id, r.title.title, r.status, position, r.hold_until))
        return views


@dataclass(frozen=True)
class BookView:
    """A title as 推荐/新书 show it to one asker: `on_shelf` counts only the copies they may borrow;
    `lendable` is False for a reading-room-only title (工具书): never offered as borrowable."""

    title_id: int
    title: str
    author: str
    summary: str
    min_grade: int | None
    max_grade: int | None
    on_shelf: int
    lendable: bool = True


RECOMMENDED_TYPES = (ItemType.GENERAL, ItemType.TEACHING_REFERENCE)  # 推荐 leaves periodicals and 工具书 out
_GONE = (ItemStatus.LOST, ItemStatus.WITHDRAWN)


def lendable_types(library: Library, reader_type: ReaderType) -> tuple[ItemType, ...]:
    """The item types `reader_type` may take home under the policy (never 工具书; 教参 for teachers only)."""
    return tuple(t for t in ItemType if library.policy.rule(reader_type, t).loanable)


def _has_copy(types: tuple[ItemType, ...]) -> ColumnElement[bool]:
    return exists().where(Item.title_id == Title.id, Item.item_type.in_(types), Item.status.not_in(_GONE))


def _load_books(session: Session, stmt: Select[tuple[Title]], limit: int,
                types: tuple[ItemType, ...]) -> list[tuple[BookView, datetime]]:
    """The first `limit` titles of `stmt` as BookViews, each with when it was catalogued."""
    titles = list(session.scalars(stmt.limit(limit)))
    ids = [t.id for t in titles]
    counts = dict(session.execute(
        select(Item.title_id, func.count()).where(Item.title_id.in_(ids), Item.item_type.in_(types),
                                                 Item.status == ItemStatus.AVAILABLE)
        .group_by(Item.title_id)).all()) if titles else {}
    lendable = set(session.scalars(
        select(Item.title_id).where(Item.title_id.in_(ids), Item.item_type.in_(types),
                                    Item.status.not_in(_GONE)).distinct())) if titles else set()
    return [(BookView(t.id, t.title, t.author, t.summary, t.min_grade, t.max_grade, counts.get(t.id, 0),
                      t.id in lendable), t.created_at) for t in titles]


# 新书 and 推荐 lists depend on every title and copy: forgotten after any change to one (migration 0016).
_ANY_TITLE: list[Tag] = [("title", ANY)]


def _grade_topic(stmt: Select[tuple[Title]], grade: int | None, topic: str | None) -> Select[tuple[Title]]:
    if grade is not None:
        stmt = stmt.where(or_(Title.min_grade.is_(None), Title.min_grade <= grade),
                          or_(Title.max_grade.is_(None), Title.max_grade >= grade))
    if topic:
        like = f"%{topic}%"
        stmt = stmt.where(or_(Title.subjects.like(like), Title.title.like(like), Title.summary.like(like)))
    return stmt


def new_books(library: Library, *, days: int = 30, grade: int | None = None, topic: str | None = None,
              limit: int = 5, reader_type: ReaderType = ReaderType.STUDENT) -> list[BookView]:
    """Titles added in the last `days` days, newest first, as `reader_type` may use them.

    A title shows when it has a copy this reader may borrow, or a 工具书 copy (then `lendable` is
    False: the reply says it is for the reading room); a teachers' book (教参) is not listed to pupils
    and parents. `reader_type` is the asker's: a parent asks as their child (student).
    """
    types = lendable_types(library, reader_type)

    def load(session: Session) -> tuple[tuple[list[BookView], datetime | None], list[Tag]]:
        # Statements are built here, not per call: building one costs more than answering from memory.
        shown = or_(_has_copy(types), _has_copy((ItemType.REFERENCE,)))
        since = library.now() - timedelta(days=days)
        stmt = _grade_topic(select(Title).where(Title.created_at >= since, shown), grade, topic)
        books = _load_books(session, stmt.order_by(Title.created_at.desc(), Title.id.desc()), limit, types)
        # Kept until the oldest title shown is no longer new (or any title or copy changes).
        oldest = min((created for _, created in books), default=None)
        return ([b for b, _ in books], oldest + timedelta(days=days) if oldest else None), _ANY_TITLE

    def still_new(value: tuple[list[BookView], datetime | None]) -> bool:
        return value[1] is None or library.now() <= value[1]

    books, _ = library.cached(("new_books", days, grade, topic, limit, reader_type), load, valid=still_new)
    return list(books)


def recommend(library: Library, *, grade: int | None = None, topic: str | None = None,
              limit: int = 5, reader_type: ReaderType = ReaderType.STUDENT) -> list[BookView]:
    """Titles with an introduction that suit the grade/topic, with copies on the shelf first.

    Only titles with a lending copy `reader_type` may borrow (`RECOMMENDED_TYPES`): a dictionary
    (工具书) is never suggested, a teachers' book (教学参考书) only to teachers, whatever grades its
    record gives; copies on the shelf count only when this reader may borrow them.
    """
    types = tuple(t for t in lendable_types(library, reader_type) if t in RECOMMENDED_TYPES)

    def load(session: Session) -> tuple[list[BookView], list[Tag]]:
        on_shelf = (select(func.count()).select_from(Item)
                    .where(Item.title_id == Title.id, Item.item_type.in_(types), Item.status == ItemStatus.AVAILABLE)
                    .scalar_subquery())
        stmt = _grade_topic(select(Title).where(Title.summary != "", _has_copy(types)), grade, topic)
        return [b for b, _ in _load_books(session, stmt.order_by(on_shelf.desc(), Title.id), limit, types)], _ANY_TITLE

    return list(library.cached(("recommend", grade, topic, limit, reader_type), load))


@dataclass(frozen=True)
class Ranked:
    name: str
    count: int


# Rankings count every loan since the term began: kept until any loan, reader or title changes (the
# feed's ("reader", id) for loans, moves and class renames; ("title", id) for titles' names).
_ANY_LOAN: list[Tag] = [("reader", ANY), ("title", ANY)]


def top_titles(library: Library, *, since: date, limit: int = 5) -> list[Ranked]:
    """Most borrowed titles since a day."""
    start = school_datetime(since)

    def load(session: Session) -> tuple[list[Ranked], list[Tag]]:
        rows = session.execute(
            select(Title.title, func.count(Loan.id).label("n")).join(Item, Item.title_id == Title.id)
            .join(Loan, Loan.item_id == Item.id).where(Loan.loaned_at >= start)
            .group_by(Title.id, Title.title).order_by(func.count(Loan.id).desc(), Title.title).limit(limit)).all()
        return [Ranked(name, n) for name, n in rows], _ANY_LOAN

    return list(library.cached(("top_titles", since, limit), load))


def _top_classes(session: Session, start: datetime, grade: int | None, limit: int | None) -> list[Ranked]:
    stmt = (select(SchoolClass.name, func.count(Loan.id)).join(Reader, Reader.class_id == SchoolClass.id)
            .join(Loan, and_(Loan.reader_id == Reader.id, Loan.loaned_at >= start))
            .where(Reader.reader_type != ReaderType.CLASS))  # 集体借阅 is not the students' borrowing
    if grade is not None:
        stmt = stmt.where(SchoolClass.grade == grade)
    rows = session.execute(stmt.group_by(SchoolClass.id, SchoolClass.name)
                           .order_by(func.count(Loan.id).desc(), SchoolClass.name).limit(limit)).all()
    return [Ranked(name, n) for name, n in rows]


def top_classes(library: Library, *, since: date, grade: int | None = None,
                limit: int | None = 5) -> list[Ranked]:
    """Classes whose students borrowed most since a day (counts only, never names)."""
    start = school_datetime(since)
    return list(library.cached(("top_classes", since, grade, limit),
                               lambda session: (_top_classes(session, start, grade, limit), _ANY_LOAN)))


def class_standing(library: Library, *, since: date, class_id: int) -> tuple[int, Ranked] | None:
    """A class's place among all classes by loans since a day (for its class teacher), or None if it has none."""
    start = school_datetime(since)

    def load(session: Session) -> tuple[tuple[int, Ranked] | None, list[Tag]]:
        name = session.scalar(select(SchoolClass.name).where(SchoolClass.id == class_id))
        for place, ranked in enumerate(_top_classes(session, start, None, None), 1):
            if ranked.name == name:
                return (place, ranked), _ANY_LOAN
        return None, _ANY_LOAN

    return library.cached(("class_standing", since, class_id), load)


def term_start(library: Library) -> date:
    """The first day of the current (or next) term, else 120 days ago."""
    today = library.today()
    term = library.school_calendar().current_or_next_term(today)  # from memory (core/live)
    return term.start if term is not None and term.start <= today else today - timedelta(days=120)


def reader_active(library: Library, reader_id: int) -> bool:
    """Whether a reader's card still works (not lost, not left)."""
    with library.uow() as uow:
        reader = uow.session.get(Reader, reader_id)
        return reader is not None and reader.status == ReaderStatus.ACTIVE


def catalogue_vocabulary(library: Library) -> tuple[list[str], list[str]]:
    """(titles, authors and series; the authors among them) for the parser's dictionary, in one query: the
    authors let it read "续借女巫 罗尔德达尔那本" as the title."""
    with library.uow() as uow:
        rows = uow.session.execute(select(Title.title, Title.author, Title.series)).all()
    terms: set[str] = set()
    for row in rows:
        terms.update(part for part in row if part)
    return sorted(terms), sorted({row.author for row in rows if row.author})


def reader_name(library: Library, reader_id: int) -> str:
    """A reader's name and card, for the librarian's desk replies."""
    with library.uow() as uow:
        reader = uow.session.get(Reader, reader_id)
        return f"{reader.name}（{reader.card_no}）" if reader is not None else "读者"


@dataclass(frozen=True)
class OpeningStatus:
    today: date
    open_today: bool
    next_open_day: date  # today when open
    closed_weekdays: list[date]  # holidays and other closures on weekdays in the next two weeks
    term_end: date | None


def is_open_on(library: Library, day: date) -> bool:
    """Whether the library opens on `day` (a school date): the school calendar's weekdays, holidays and
    make-up days (调休), from the read model."""
    return library.school_calendar().is_open(day)


def opening_status(library: Library, *, days_ahead: int = 14) -> OpeningStatus:
    """Is the library open today, when next, which weekdays soon are closed, when the term ends."""
    today = library.today()
    calendar = library.school_calendar()  # the read model's: 开放时间 answered from memory
    ahead = [today + timedelta(days=n) for n in range(1, days_ahead + 1)]
    closed = [d for d in ahead if d.weekday() < 5 and not calendar.is_open(d)]
    term = calendar.term_of(today) or calendar.current_or_next_term(today)
    return OpeningStatus(today, calendar.is_open(today), calendar.next_open_day(today), closed,
                         term.end if term else None)
