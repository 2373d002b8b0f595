"""The front desk's scanner loop: a card sets the current reader, a barcode is lent or returned."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select

from core.circulation import (
    CheckinItem,
    CheckoutItem,
    RecallLoan,
    RenewLoan,
    checkin,
    checkout,
    recall,
    renew,
)
from core.circulation.lookups import normalise_barcode, normalise_card, reader_by_card
from core.circulation.results import CardReplaced, LoanCreated, LoanRecalled, LoanRenewed, LoanReturned
from core.errors import Reason, Refused
from core.imports.values import parse_class
from core.library import Library
from core.models import (
    AuditEntry,
    Charge,
    ChargeStatus,
    Item,
    ItemType,
    Loan,
    Reader,
    ReaderStatus,
    ReaderType,
    Reservation,
    ReservationStatus,
    RetiredCard,
    SchoolClass,
    Title,
)
from core.notices.recall import queue_recall_notice
from core.school_calendar import TermStatus, current_term
from core.settings import Settings


@dataclass(frozen=True)
class OpenLoan:
    """A copy the reader has out: due day, overdue (past its due day), recalled, renewals used."""

    barcode: str
    title: str
    due_date: date
    overdue: bool
    item_type: str = ""
    recalled: bool = False
    renewals: int = 0


@dataclass(frozen=True)
class HoldWaiting:
    """A copy on the 预约架 for this reader, kept through `hold_until`."""

    barcode: str
    title: str
    hold_until: date | None


@dataclass(frozen=True)
class MayBorrow:
    """How many more copies of one item type the reader may take now (the policy's limit minus loans)."""

    item_type: str
    left: int
    limit: int


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
    reader_type: str = ""
    holds: list[HoldWaiting] = field(default_factory=list)
    may_borrow: list[MayBorrow] = field(default_factory=list)

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
    """The reader's open loans, unpaid charges, holds on the 预约架 and what they may still borrow.

    Raises Refused(READER_NOT_FOUND/CARD_LOST) for an unknown or retired card. One read transaction.
    """
    with library.read_uow() as uow:
        s = uow.session
        reader = reader_by_card(s, card_no)
        today = library.today()
        loans = [OpenLoan(barcode, title, due, due < today, item_type.value, recalled is not None, renewals)
                 for barcode, title, due, item_type, recalled, renewals in s.execute(
            select(Item.barcode, Title.title, Loan.due_date, Item.item_type, Loan.recalled_at, Loan.renewal_count)
            .join(Item, Item.id == Loan.item_id).join(Title, Title.id == Item.title_id)
            .where(Loan.reader_id == reader.id, Loan.is_open.is_(True)).order_by(Loan.due_date))]
        charges = [OpenCharge(c.id, c.kind.value, c.amount_fen, c.note) for c in s.scalars(
            select(Charge).where(Charge.reader_id == reader.id, Charge.status == ChargeStatus.OPEN)
            .order_by(Charge.id))]
        holds = [HoldWaiting(barcode, title, until) for barcode, title, until in s.execute(
            select(Item.barcode, Title.title, Reservation.hold_until).join(Item, Item.id == Reservation.item_id)
            .join(Title, Title.id == Reservation.title_id)
            .where(Reservation.reader_id == reader.id, Reservation.status == ReservationStatus.READY)
            .order_by(Reservation.hold_until))]
        may_borrow = []
        for item_type in ItemType:
            rule = library.policy.rule(reader.reader_type, item_type)
            if rule.loanable:
                out = sum(1 for loan in loans if loan.item_type == item_type.value)
                may_borrow.append(MayBorrow(item_type.value, max(0, rule.max_items - out), rule.max_items))
        class_name = reader.school_class.name if reader.school_class else ""
        return ReaderSummary(reader.id, reader.card_no, reader.name, class_name, reader.status,
                             reader.suspended_until, loans, charges, reader.reader_type.value, holds, may_borrow)


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


def recall_and_notify(library: Library, settings: Settings, barcode: str, *, actor: str = "desk") -> LoanRecalled:
    """催还 a lent copy and queue the reader's notice in the same transaction (quiet hours respected).

    The result's `notified` says how many users the notice is for (0: nobody to tell: say so).

    Raises Refused(ITEM_NOT_FOUND/NOT_ON_LOAN) like `core.circulation.recall`.
    """
    reached: list[int] = []
    done = recall(library, RecallLoan(barcode, actor=actor),
                  then=lambda session, done: reached.append(queue_recall_notice(library, settings, session, done)))
    return replace(done, notified=sum(reached))


@dataclass(frozen=True)
class DeskAnswer:
    """What the desk shows after one action: its result or refusal, the selected reader, the term.

    `done` is the service's result (LoanCreated, LoanReturned, ReaderSummary, ...); `refused` the
    refusal instead; `reader` the reader still selected (refreshed after the action), or None with
    `reader_refused` when their card stopped working; `term` says whether a current term exists.
    """

    done: object | None
    refused: Refused | None
    reader: ReaderSummary | None
    reader_refused: Refused | None
    term: TermStatus


def at_desk(library: Library, card_no: str | None, action: Callable[[], object] | None = None) -> DeskAnswer:
    """Run one desk action (or none: just look), then read the selected reader and the term afresh.

    The action runs in its own transaction (the service's); a refusal is returned, not raised.
    """
    done: object | None = None
    refused = None
    if action is not None:
        try:
            done = action()
        except Refused as exc:
            refused = exc
    if isinstance(done, ReaderSummary):
        card_no = done.card_no
    elif isinstance(done, CardReplaced):
        card_no = done.new_card_no
    reader, reader_refused = None, None
    if card_no:
        try:
            reader = reader_summary(library, card_no)
        except Refused as exc:
            reader_refused = exc
    return DeskAnswer(done, refused, reader, reader_refused, current_term(library))


def desk_scan(library: Library, card_no: str | None, code: str, *, actor: str = "desk") -> DeskAnswer:
    """One scan at the console's desk: a card selects, a lent copy returns, a copy on the shelf is lent."""
    state = DeskState(card_no or None)
    return at_desk(library, card_no, lambda: scan(library, state, code, actor=actor))
