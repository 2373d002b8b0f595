"""Finding readers, items and loans inside a unit of work (locking rows that will change)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from core.errors import Reason, Refused
from core.models import (
    AuditEntry,
    Charge,
    ChargeStatus,
    Item,
    Loan,
    Reader,
    ReaderStatus,
    RetiredCard,
)


def normalise_card(card_no: str) -> str:
    return card_no.strip().upper()


def normalise_barcode(barcode: str) -> str:
    return barcode.strip().upper()


def reader_by_card(session: Session, card_no: str, *, lock: bool = False) -> Reader:
    """The reader holding this card; a retired (lost) card is refused as CARD_LOST."""
    card_no = normalise_card(card_no)
    stmt = select(Reader).where(Reader.card_no == card_no)
    if lock:
        stmt = stmt.with_for_update()
    reader = session.scalar(stmt)
    if reader is not None:
        return reader
    if session.get(RetiredCard, card_no) is not None:
        raise Refused(Reason.CARD_LOST, card_no=card_no)
    raise Refused(Reason.READER_NOT_FOUND, card_no=card_no)


def reader_by_id(session: Session, reader_id: int, *, lock: bool = False) -> Reader:
    stmt = select(Reader).where(Reader.id == reader_id)
    if lock:
        stmt = stmt.with_for_update()
    reader = session.scalar(stmt)
    if reader is None:
        raise Refused(Reason.READER_NOT_FOUND, reader_id=reader_id)
    return reader


def item_by_barcode(session: Session, barcode: str, *, lock: bool = True) -> Item:
    # The title comes in the same query: every caller names the book in its result.
    stmt = (select(Item).where(Item.barcode == normalise_barcode(barcode))
            .options(joinedload(Item.title, innerjoin=True)))
    if lock:
        stmt = stmt.with_for_update()
    item = session.scalar(stmt)
    if item is None:
        raise Refused(Reason.ITEM_NOT_FOUND, barcode=barcode)
    return item


def open_loan_of_item(session: Session, item_id: int, *, lock: bool = True) -> Loan | None:
    stmt = select(Loan).where(Loan.item_id == item_id, Loan.is_open.is_(True))
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def account_reasons(session: Session, reader: Reader, today: date) -> list[Reason]:
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
    session.add(AuditEntry(at=at, action=action, actor=actor, reader_id=reader_id, item_id=item_id,
                           loan_id=loan_id, detail={k: str(v) for k, v in detail.items()}))
