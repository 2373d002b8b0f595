"""One title as the catalogue page shows it: its fields, every copy with its loan, the holds waiting."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Boolean, literal_column, select
from sqlalchemy.orm import Session

from core.library import Library
from core.models import (
    Item,
    ItemStatus,
    ItemType,
    Loan,
    Reader,
    Reservation,
    ReservationStatus,
    SchoolClass,
    Title,
)

_LOAN_IS_OPEN = literal_column(f"{Loan.__tablename__}.is_open", Boolean)  # uses uq_loans_open_item (see loader)


@dataclass(frozen=True)
class CopyLine:
    """One copy; `reader`/`reader_class`/`due` are set while it is lent (due: the school day it is due)."""

    id: int
    barcode: str
    call_number: str
    location: str
    item_type: ItemType
    status: ItemStatus
    price_fen: int
    source: str
    donor: str
    accession_number: str
    condition_note: str
    reader: str
    reader_class: str
    due: date | None


@dataclass(frozen=True)
class HoldLine:
    """A reservation in the title's queue: waiting (position) or ready with the copy held until a day."""

    position: int
    reader: str
    reader_class: str
    status: ReservationStatus
    hold_until: date | None
    held_barcode: str


@dataclass(frozen=True)
class TitleFields:
    """A title's bibliographic fields (grades 1..9 or None; subjects space-separated)."""

    isbn: str | None
    title: str
    author: str
    publisher: str
    year: int | None
    clc: str
    series: str
    summary: str
    min_grade: int | None
    max_grade: int | None
    subjects: str


@dataclass(frozen=True)
class TitleDetail:
    id: int
    fields: TitleFields
    copies: list[CopyLine]
    holds: list[HoldLine]


def fields_of(title: Title) -> TitleFields:
    """The editable fields of a Title row."""
    return TitleFields(title.isbn, title.title, title.author or "", title.publisher or "", title.year,
                       title.clc or "", title.series or "", title.summary or "", title.min_grade, title.max_grade,
                       title.subjects or "")


def _copies(session: Session, title_id: int) -> list[CopyLine]:
    rows = session.execute(
        select(Item, Loan.due_date, Reader.name, SchoolClass.name).select_from(Item)
        .outerjoin(Loan, (Loan.item_id == Item.id) & _LOAN_IS_OPEN)
        .outerjoin(Reader, Reader.id == Loan.reader_id)
        .outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
        .where(Item.title_id == title_id).order_by(Item.barcode))
    return [CopyLine(i.id, i.barcode, i.call_number or "", i.location or "", i.item_type, i.status, i.price_fen,
                     i.source or "", i.donor or "", i.accession_number or "", i.condition_note or "",
                     reader or "", cls or "", due)
            for i, due, reader, cls in rows]


def _holds(session: Session, title_id: int) -> list[HoldLine]:
    rows = session.execute(
        select(Reservation.status, Reservation.hold_until, Reader.name, SchoolClass.name, Item.barcode)
        .select_from(Reservation).join(Reader, Reader.id == Reservation.reader_id)
        .outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
        .outerjoin(Item, Item.id == Reservation.item_id)
        .where(Reservation.title_id == title_id,
               Reservation.status.in_((ReservationStatus.READY, ReservationStatus.WAITING)))
        .order_by(Reservation.id))
    ready = [r for r in rows]
    # Ready ones first (a copy is on the hold shelf), then the queue in order of reservation.
    ordered = [r for r in ready if r[0] == ReservationStatus.READY] + [r for r in ready
                                                                       if r[0] == ReservationStatus.WAITING]
    return [HoldLine(n, name, cls or "", status, until, barcode or "")
            for n, (status, until, name, cls, barcode) in enumerate(ordered, start=1)]


def title_detail(library: Library, title_id: int) -> TitleDetail | None:
    """The title with its copies (by barcode) and its holds; None when there is no such title."""
    with library.read_uow() as uow:
        title = uow.session.get(Title, title_id)
        if title is None:
            return None
        return TitleDetail(title.id, fields_of(title), _copies(uow.session, title_id), _holds(uow.session, title_id))


def copy_detail(library: Library, item_id: int) -> tuple[int, str, CopyLine] | None:
    """(title id, title, the copy) for an item id; None when there is no such copy."""
    with library.read_uow() as uow:
        item = uow.session.get(Item, item_id)
        if item is None:
            return None
        line = next(c for c in _copies(uow.session, item.title_id) if c.id == item_id)
        return item.title_id, item.title.title, line
