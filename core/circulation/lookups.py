"""Finding readers, items and loans inside a unit of work (locking rows that will change)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from core import versions
from core.errors import Reason, Refused
from core.models import (
    AuditEntry,
    Charge,
    ChargeStatus,
    Item,
    ItemStatus,
    Loan,
    Reader,
    ReaderStatus,
    RetiredCard,
    Title,
)


def normalise_card(card_no: str) -> str:
    return card_no.strip().upper()


def normalise_barcode(barcode: str) -> str:
    return barcode.strip().upper()


# Statements are built once: on the checkout/checkin hot path SQLAlchemy's statement
# construction cost more than SQLite executing them (bench/circulation.py).
_READER_BY_CARD = select(Reader).where(Reader.card_no == bindparam("card_no"))
_READER_BY_ID = select(Reader).where(Reader.id == bindparam("reader_id"))
# Every result names the book, and every service then asks for the calendar: its change counter
# rides along so the cached calendar is checked without another round trip.
_ITEM_BY_BARCODE = (select(Item, versions.column(versions.CALENDAR)).where(Item.barcode == bindparam("barcode"))
                    .options(joinedload(Item.title, innerjoin=True).load_only(Title.id, Title.title)))
# The borrower comes with the loan (and is locked with it): closing a loan always needs both.
_OPEN_LOAN_OF_ITEM = (select(Loan).where(Loan.item_id == bindparam("item_id"), Loan.is_open.is_(True))
                      .options(joinedload(Loan.reader, innerjoin=True)))
# Writes go to the Table, not the mapped class: Core statements skip the ORM's bulk machinery.
_AUDIT_INSERT = insert(AuditEntry.__table__)
_ITEMS = Item.__table__
_SET_ITEM_STATUS = update(_ITEMS).where(_ITEMS.c.id == bindparam("item_id")).values(status=bindparam("status"))


_LOCKED: dict[int, Select] = {}


def _locked(stmt: Select, lock: bool) -> Select:
    """The FOR UPDATE variant of a prebuilt statement, built once too (SQLite ignores it)."""
    if not lock:
        return stmt
    locked = _LOCKED.get(id(stmt))
    if locked is None:
        locked = _LOCKED[id(stmt)] = stmt.with_for_update()
    return locked


def reader_by_card(session: Session, card_no: str, *, lock: bool = False) -> Reader:
    """The reader holding this card; a retired (lost) card is refused as CARD_LOST."""
    card_no = normalise_card(card_no)
    reader = session.scalar(_locked(_READER_BY_CARD, lock), {"card_no": card_no})
    if reader is not None:
        return reader
    if (retired := session.get(RetiredCard, card_no)) is not None:
        # The number was replaced: name the new one, so nobody is sent to 补办 a card already replaced.
        replaced_by = session.scalar(select(Reader.card_no).where(Reader.id == retired.reader_id))
        raise Refused(Reason.CARD_LOST, card_no=card_no, replaced_by=replaced_by)
    raise Refused(Reason.READER_NOT_FOUND, card_no=card_no)


def reader_by_id(session: Session, reader_id: int, *, lock: bool = False) -> Reader:
    reader = session.scalar(_locked(_READER_BY_ID, lock), {"reader_id": reader_id})
    if reader is None:
        raise Refused(Reason.READER_NOT_FOUND, reader_id=reader_id)
    return reader


def item_by_barcode(session: Session, barcode: str, *, lock: bool = True) -> Item:
    row = session.execute(_locked(_ITEM_BY_BARCODE, lock), {"barcode": normalise_barcode(barcode)}).first()
    if row is None:
        raise Refused(Reason.ITEM_NOT_FOUND, barcode=barcode)
    item, calendar_version = row
    versions.remember(session, versions.CALENDAR, calendar_version)
    return item


def open_loan_of_item(session: Session, item_id: int, *, lock: bool = True) -> Loan | None:
    return session.scalar(_locked(_OPEN_LOAN_OF_ITEM, lock), {"item_id": item_id})


def account_reasons(reader: Reader, today: date) -> list[Reason]:
    """Reasons on the reader's account itself that stop borrowing, renewing and reserving."""
    reasons = []
    if reader.status == ReaderStatus.CARD_LOST:
        reasons.append(Reason.CARD_LOST)
    if reader.status == ReaderStatus.LEFT:
        reasons.append(Reason.READER_LEFT)
    if reader.suspended_until is not None and reader.suspended_until >= today:
        reasons.append(Reason.SUSPENDED)
    return reasons


def unpaid_fen(session: Session, reader_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(Charge.amount_fen), 0))
                          .where(Charge.reader_id == reader_id, Charge.status == ChargeStatus.OPEN)) or 0


def audit(session: Session, at: datetime, action: str, actor: str, *, reader_id: int | None = None,
          item_id: int | None = None, loan_id: int | None = None, **detail: Any) -> None:
    """Record a circulation action (written in the same transaction as the action)."""
    session.execute(_AUDIT_INSERT, {"at": at, "action": action, "actor": actor, "reader_id": reader_id,
                                    "item_id": item_id, "loan_id": loan_id,
                                    "detail": {k: str(v) for k, v in detail.items()}})


def set_item_status(session: Session, item: Item, status: ItemStatus) -> None:
    """Write an item's status with one UPDATE and keep the loaded object in step.

    Checkout and checkin are the hot path: plain statements skip the ORM's flush
    bookkeeping, which cost more than the SQL itself (bench/circulation.py).
    """
    session.execute(_SET_ITEM_STATUS, {"item_id": item.id, "status": status})
    set_committed_value(item, "status", status)
