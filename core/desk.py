"""The front desk's scanner loop: a card sets the current reader, a barcode is lent or returned."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from core.circulation import (
    CheckinItem,
    CheckoutItem,
    RenewLoan,
    checkin,
    checkout,
    renew,
)
from core.circulation.lookups import normalise_barcode, normalise_card, reader_by_card
from core.circulation.results import LoanCreated, LoanRenewed, LoanReturned
from core.errors import Reason, Refused
from core.imports.values import parse_class
from core.library import Library
from core.models import (
    AuditEntry,
    Charge,
    ChargeStatus,
    Item,
    Loan,
    Reader,
    ReaderStatus,
    ReaderType,
    RetiredCard,
    SchoolClass,
    Title,
)


@dataclass(frozen=True)
class OpenLoan:
    barcode: str
    title: str
    due_date: date
    overdue: bool


@dataclass(frozen=True)
class OpenCharge:
    charge_id: int
    kind: str
    amount_fen: int
    note: str


@dataclass(frozen=True)
class ReaderSummary:
    """Who is at the desk: what they have out and what they owe."""

    reader_id: int
    card_no: str
    name: str
    class_name: str
    status: ReaderStatus
    suspended_until: date | None
    loans: list[OpenLoan] = field(default_factory=list)
    charges: list[OpenCharge] = field(default_factory=list)

    @property
    def owed_fen(self) -> int:
        return sum(c.amount_fen for c in self.charges)


@dataclass(frozen=True)
class NeedReader:
    """An available copy was scanned with no reader selected: scan the card first."""

    barcode: str
    title: str


@dataclass(frozen=True)
class UnknownCode:
    code: str


ScanOutcome = ReaderSummary | LoanCreated | LoanReturned | NeedReader | UnknownCode


@dataclass
class DeskState:
    """The reader currently at the desk (their card was the last card scanned)."""

    card_no: str | None = None


def reader_summary(library: Library, card_no: str) -> ReaderSummary:
    """The reader's open loans and unpaid charges; Refused(READER_NOT_FOUND/CARD_LOST) otherwise."""
    with library.uow() as uow:
        s = uow.session
        reader = reader_by_card(s, card_no)
        today = library.today()
        loans = [OpenLoan(barcode, title, due, due < today) for barcode, title, due in s.execute(
            select(Item.barcode, Title.title, Loan.due_date).join(Item, Item.id == Loan.item_id)
            .join(Title, Title.id == Item.title_id)
            .where(Loan.reader_id == reader.id, Loan.is_open.is_(True)).order_by(Loan.due_date))]
        charges = [OpenCharge(c.id, c.kind.value, c.amount_fen, c.note) for c in s.scalars(
            select(Charge).where(Charge.reader_id == reader.id, Charge.status == ChargeStatus.OPEN)
            .order_by(Charge.id))]
        class_name = reader.school_class.name if reader.school_class else ""
        return ReaderSummary(reader.id, reader.card_no, reader.name, class_name, reader.status,
                             reader.suspended_until, loans, charges)


def scan(library: Library, state: DeskState, code: str, *, actor: str = "desk") -> ScanOutcome:
    """One scan: a lent copy is returned; an available copy goes to the current reader; a card selects them.

    Raises Refused with the circulation rules' reasons (limit reached, suspended, ...).
    """
    code = code.strip()
    with library.uow() as uow:
        s = uow.session
        item = s.scalar(select(Item).where(Item.barcode == normalise_barcode(code)))
        on_loan = item is not None and s.scalar(
            select(Loan.id).where(Loan.item_id == item.id, Loan.is_open.is_(True))) is not None
        is_card = s.scalar(select(Reader.id).where(Reader.card_no == normalise_card(code))) is not None
        retired = s.get(RetiredCard, normalise_card(code)) is not None
        title = item.title.title if item is not None else ""
        barcode = item.barcode if item is not None else ""
    if item is None:
        if is_card:
            summary = reader_summary(library, code)
            state.card_no = summary.card_no
            return summary
        if retired:
            raise Refused(Reason.CARD_LOST, card_no=code)
        return UnknownCode(code)
    if on_loan:
        return checkin(library, CheckinItem(code, actor=actor))
    if state.card_no is None:
        return NeedReader(barcode, title)
    return checkout(library, CheckoutItem(state.card_no, code, actor=actor))


def renew_by_barcode(library: Library, barcode: str, *, actor: str = "desk") -> LoanRenewed:
    """Renew the open loan of a copy at the desk (the same rules as a reader's own renewal)."""
    with library.uow() as uow:
        row = uow.session.execute(
            select(Loan.id, Loan.reader_id).join(Item, Item.id == Loan.item_id)
            .where(Item.barcode == normalise_barcode(barcode), Loan.is_open.is_(True))).first()
    if row is None:
        raise Refused(Reason.NOT_ON_LOAN, barcode=barcode)
    return renew(library, RenewLoan(row.reader_id, row.id, actor=actor))


class BadClassName(ValueError):
    """A class name we cannot read (e.g. 火星班)."""


def issue_card(library: Library, card_no: str, name: str, *, class_name: str | None = None,
               reader_type: ReaderType | None = None, actor: str = "desk") -> ReaderSummary:
    """办证: a new reader at the desk (a student when a class is given, else a teacher).

    Raises Refused(CARD_IN_USE) when the number is taken or was retired, BadClassName for an unreadable class.
    """
    card = normalise_card(card_no)
    parsed = parse_class(class_name) if class_name else None
    if class_name and parsed is None:
        raise BadClassName(class_name)
    with library.uow() as uow:
        s = uow.session
        taken = s.scalar(select(Reader.id).where(Reader.card_no == card)) is not None
        if taken or s.get(RetiredCard, card) is not None:
            raise Refused(Reason.CARD_IN_USE, card_no=card)
        class_id = None
        if parsed is not None:
            cls = s.scalar(select(SchoolClass).where(SchoolClass.name == parsed[0]))
            if cls is None:
                cls = SchoolClass(name=parsed[0], grade=parsed[1])
                s.add(cls)
                s.flush()
            class_id = cls.id
        kind = reader_type or (ReaderType.STUDENT if class_id else ReaderType.TEACHER)
        reader = Reader(card_no=card, name=name.strip()[:60], reader_type=kind, class_id=class_id,
                        created_at=library.now())
        s.add(reader)
        s.flush()
        s.add(AuditEntry(at=library.now(), action="issue_card", actor=actor[:60], reader_id=reader.id,
                         detail={"card_no": card}))
        uow.commit()
    return reader_summary(library, card)
