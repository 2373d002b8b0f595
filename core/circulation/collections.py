"""集体借阅 / 班级图书角 / 图书漂流: a class borrows a set of copies for the term.

A class borrows through its *class borrower*: a Reader of type CLASS whose class_id is the class,
named "<班级>班级图书角", with the card number `class_card_no(class_id)` ("C" + the class id in four
digits, e.g. C0007). It is created on first use. Its class teacher (SchoolClass.class_teacher_id)
answers for it: the notices go to them, their 我的借阅 shows it. Its rule is the policy's
`class_collection_*` options (core/policy.py): its own limit, due on the term's last open day, no
renewals, no fines by default.

Lending and returning are per barcode, each its own transaction through `checkout`/`checkin` (the
same rules, audit entries and reservation queue as any loan): one refused copy never stops the
others. A move (漂流) closes each open loan of the first class and opens one for the second in a
single transaction, keeping the due date and any recall; the history then says which class held
the copy when, and each class counts the copies it held in its term figures.

Locks are taken in the order a return takes them (the copy, then its loan, then the borrower), so a
move racing a return waits instead of deadlocking; should the database still pick one as the victim
(a deadlock or serialization failure), that transaction is retried a few times. A copy that stays
busy is reported as such in its batch (`BarcodeOutcome.failed`), never dropped with the rest.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from core.circulation.checkin import checkin
from core.circulation.checkout import checkout
from core.circulation.commands import CheckinItem, CheckoutItem
from core.circulation.lookups import account_reasons, audit, normalise_barcode
from core.circulation.results import LoanCreated, LoanReturned
from core.errors import Reason, Refused
from core.imports.values import parse_class
from core.library import Library
from core.models import Item, ItemType, Loan, Reader, ReaderType, SchoolClass, Title

T = TypeVar("T")

CARD_PREFIX = "C"
NAME_SUFFIX = "班级图书角"


def class_card_no(class_id: int) -> str:
    """The class borrower's card number: "C" + the class id in four digits (C0007)."""
    return f"{CARD_PREFIX}{class_id:04d}"


class UnknownClass(LookupError):
    """A class name the school does not have (or cannot be read)."""

    def __init__(self, asked: str) -> None:
        super().__init__(asked)
        self.asked = asked


class SameClass(ValueError):
    """A move from a class to itself."""


class CollectionBusy(RuntimeError):
    """Another desk kept the same copies locked through every retry: nothing was changed, try again."""


BUSY = "busy"  # BarcodeOutcome.failed: the copy was being handled elsewhere, nothing changed for it
_RETRYABLE = {"40P01", "40001"}  # PostgreSQL deadlock_detected, serialization_failure
ATTEMPTS = 4


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in _RETRYABLE


def _retrying(run: Callable[[], T]) -> T:
    """Run one transaction; when the database picked it as a deadlock/serialization victim, run it again."""
    for attempt in range(ATTEMPTS):
        try:
            return run()
        except DBAPIError as exc:
            if not _retryable(exc):
                raise
            if attempt == ATTEMPTS - 1:
                raise CollectionBusy() from exc
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class ClassBorrower:
    reader_id: int
    card_no: str
    class_id: int
    class_name: str
    teacher_id: int | None  # the class teacher's reader id, who answers for the collection


@dataclass(frozen=True)
class BarcodeOutcome:
    """One scanned barcode: lent/returned (`done`), refused with the typed reasons, `failed` (BUSY:
    another desk held it through every retry; nothing changed for this copy), or a `duplicate` scan of
    a copy already in this batch (ignored, but reported)."""

    barcode: str
    done: LoanCreated | LoanReturned | None = None
    refused: Refused | None = None
    failed: str | None = None
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.done is not None


@dataclass(frozen=True)
class ClassBatch:
    """A bulk lend or return: each barcode's outcome in the order scanned."""

    borrower: ClassBorrower | None
    outcomes: list[BarcodeOutcome] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def refused(self) -> int:
        """Copies not lent/returned (refused or busy); duplicate scans are not counted here."""
        return len(self.outcomes) - self.done - self.duplicates

    @property
    def duplicates(self) -> int:
        return sum(1 for o in self.outcomes if o.duplicate)


@dataclass(frozen=True)
class CollectionMoved:
    """漂流: the open loans of `source` closed and reopened for `target` (barcodes, in due-date order)."""

    source: ClassBorrower
    target: ClassBorrower
    barcodes: list[str]


@dataclass(frozen=True)
class CollectionLoan:
    title: str
    barcode: str
    due_date: date
    recalled: bool


@dataclass(frozen=True)
class ClassCollection:
    """What a class holds now (empty when it never borrowed)."""

    class_id: int
    class_name: str
    card_no: str | None
    loans: list[CollectionLoan]

    @property
    def due_date(self) -> date | None:
        return min((loan.due_date for loan in self.loans), default=None)


def _find_class(session: Session, name: str) -> SchoolClass:
    asked = name.strip()
    found = session.scalar(select(SchoolClass).where(SchoolClass.name == asked))
    if found is None and (parsed := parse_class(asked)) is not None:
        found = session.scalar(select(SchoolClass).where(SchoolClass.name == parsed[0]))
    if found is None:
        raise UnknownClass(asked)
    return found


def _borrower_of(session: Session, cls: SchoolClass) -> Reader | None:
    return session.scalar(select(Reader).where(Reader.reader_type == ReaderType.CLASS,
                                               Reader.class_id == cls.id).order_by(Reader.id).limit(1))


def _view(reader: Reader, cls: SchoolClass) -> ClassBorrower:
    return ClassBorrower(reader.id, reader.card_no, cls.id, cls.name, cls.class_teacher_id)


def class_borrower(library: Library, class_name: str, *, actor: str = "desk") -> ClassBorrower:
    """The class's borrower, created (with an audit entry) on first use. Raises UnknownClass."""
    for attempt in range(2):
        with library.uow() as uow:
            session = uow.session
            cls = _find_class(session, class_name)
            reader = _borrower_of(session, cls)
            if reader is not None:
                if reader.name != f"{cls.name}{NAME_SUFFIX}":  # the class was renamed (升年级): follow it
                    reader.name = f"{cls.name}{NAME_SUFFIX}"
                    uow.commit()
                return _view(reader, cls)
            card = class_card_no(cls.id)
            holder = session.scalar(select(Reader).where(Reader.card_no == card))
            if holder is not None:
                if holder.reader_type == ReaderType.CLASS and holder.class_id == cls.id:
                    return _view(holder, cls)  # another desk created it a moment ago: use theirs
                raise Refused(Reason.CARD_IN_USE, card_no=card)  # a person already holds that number
            reader = Reader(card_no=card, name=f"{cls.name}{NAME_SUFFIX}", reader_type=ReaderType.CLASS,
                            class_id=cls.id, created_at=library.now())
            session.add(reader)
            try:
                session.flush()
            except IntegrityError:
                if attempt:
                    raise
                continue  # another desk created it at the same moment: read theirs
            audit(session, library.now(), "class_borrower", actor, reader_id=reader.id, class_name=cls.name)
            view = _view(reader, cls)
            uow.commit()
            return view
    raise AssertionError("unreachable")


def _scanned(barcodes: Iterable[str]) -> list[tuple[str, bool]]:
    """Each barcode scanned (normalised, blanks skipped), True for a repeat of one earlier in the pile."""
    seen: set[str] = set()
    scans = []
    for code in (normalise_barcode(x) for x in barcodes):
        if code:
            scans.append((code, code in seen))
            seen.add(code)
    return scans


def lend_to_class(library: Library, class_name: str, barcodes: Iterable[str], *, actor: str = "desk") -> ClassBatch:
    """集体借阅: lend each copy to the class borrower; each barcode lends or is refused on its own, and a
    barcode scanned twice is reported as a duplicate at its second place (lent once)."""
    borrower = class_borrower(library, class_name, actor=actor)
    outcomes = [BarcodeOutcome(barcode, duplicate=True) if again else
                _one(barcode, lambda b=barcode: checkout(library, CheckoutItem(borrower.card_no, b, actor=actor)))
                for barcode, again in _scanned(barcodes)]
    return ClassBatch(borrower, outcomes)


def _one(barcode: str, run: Callable[[], LoanCreated | LoanReturned]) -> BarcodeOutcome:
    """One barcode's own transaction (retried on a deadlock): done, refused, or busy — never raised."""
    try:
        return BarcodeOutcome(barcode, done=_retrying(run))
    except Refused as refused:
        return BarcodeOutcome(barcode, refused=refused)
    except CollectionBusy:
        return BarcodeOutcome(barcode, failed=BUSY)


def return_from_class(library: Library, barcodes: Iterable[str] = (), *, class_name: str | None = None,
                      actor: str = "desk") -> ClassBatch:
    """归还 in bulk: the barcodes given, or with none every copy the class holds. A copy in hand is always
    taken back (even if it was not lent to a class): the outcome's LoanReturned names whose it was."""
    borrower = class_borrower(library, class_name, actor=actor) if class_name else None
    scans = _scanned(barcodes)
    if not scans and borrower is not None:
        with library.read_uow() as uow:
            scans = [(code, False) for code in uow.session.scalars(
                select(Item.barcode).join(Loan, Loan.item_id == Item.id)
                .where(Loan.reader_id == borrower.reader_id, Loan.is_open.is_(True)).order_by(Item.barcode))]
    outcomes = [BarcodeOutcome(barcode, duplicate=True) if again else
                _one(barcode, lambda b=barcode: checkin(library, CheckinItem(b, actor=actor)))
                for barcode, again in scans]
    return ClassBatch(borrower, outcomes)


_LOANS = Loan.__table__
_CLOSE = (update(_LOANS).where(_LOANS.c.id == bindparam("loan_id"), _LOANS.c.is_open.is_(True))
          .values(returned_at=bindparam("now"), is_open=False))


def move_collection(library: Library, from_class: str, to_class: str, *, actor: str = "desk") -> CollectionMoved:
    """漂流: every copy the first class holds goes to the second, in one transaction (all or none).

    Each open loan is closed (returned_at = now) and a new one opened for the second class with the
    same due date and recall; audit entries `class_move_out`/`class_move_in` link the two. Refused
    (with the target's name and limit) when the second class may not borrow or would pass its limit.
    Raises UnknownClass, SameClass, CollectionBusy (nothing moved).
    """
    source = class_borrower(library, from_class, actor=actor)
    target = class_borrower(library, to_class, actor=actor)
    if source.reader_id == target.reader_id:
        raise SameClass(source.class_name)
    return _retrying(lambda: _move(library, source, target, actor))


def _move(library: Library, source: ClassBorrower, target: ClassBorrower, actor: str) -> CollectionMoved:
    now, today = library.now(), library.today()
    rule = library.policy.rule(ReaderType.CLASS, ItemType.GENERAL)
    with library.uow() as uow:
        session = uow.session
        # A return locks the copy, then its loan and borrower: take the copies first, in id order, so
        # a return racing this move waits for it (or it for the return) instead of deadlocking.
        session.execute(select(Item.id).join(Loan, Loan.item_id == Item.id)
                        .where(Loan.reader_id == source.reader_id, Loan.is_open.is_(True))
                        .order_by(Item.id).with_for_update(of=Item)).all()
        # Then both borrowers in id order (two opposite moves at once cannot deadlock).
        readers = {r.id: r for r in session.scalars(
            select(Reader).where(Reader.id.in_([source.reader_id, target.reader_id]))
            .order_by(Reader.id).with_for_update())}
        loans = list(session.scalars(select(Loan).join(Item, Item.id == Loan.item_id)
                                     .where(Loan.reader_id == source.reader_id, Loan.is_open.is_(True))
                                     .order_by(Loan.due_date, Item.barcode).with_for_update(of=Loan)))
        held = session.scalar(select(func.count()).select_from(Loan).join(Item, Item.id == Loan.item_id).where(
            Loan.reader_id == target.reader_id, Loan.is_open.is_(True), Item.item_type == ItemType.GENERAL)) or 0
        reasons = account_reasons(readers[target.reader_id], today)
        if held + len(loans) > rule.max_items:
            reasons.append(Reason.LIMIT_REACHED)
        if reasons:
            raise Refused(*reasons, reader_name=readers[target.reader_id].name, reader_type=ReaderType.CLASS.value,
                          item_type=ItemType.GENERAL.value, max_items=rule.max_items, on_loan=held,
                          moving=len(loans), suspended_until=readers[target.reader_id].suspended_until)
        barcodes = []
        for loan in loans:
            session.execute(_CLOSE, {"loan_id": loan.id, "now": now})
            new_id = session.execute(insert(_LOANS).returning(_LOANS.c.id), {
                "item_id": loan.item_id, "reader_id": target.reader_id, "loaned_at": now,
                "due_date": loan.due_date, "renewal_count": 0, "recalled_at": loan.recalled_at,
                "is_open": True}).scalar_one()
            audit(session, now, "class_move_out", actor, reader_id=source.reader_id, item_id=loan.item_id,
                  loan_id=loan.id, to_class=target.class_name, new_loan_id=new_id)
            audit(session, now, "class_move_in", actor, reader_id=target.reader_id, item_id=loan.item_id,
                  loan_id=new_id, from_class=source.class_name, old_loan_id=loan.id, due_date=loan.due_date)
            barcodes.append(loan.item.barcode)
        uow.commit()
    return CollectionMoved(source, target, barcodes)


def class_collection(library: Library, class_id: int) -> ClassCollection:
    """The copies a class holds now, soonest due first (for its class teacher and the desk).

    From the read model (core/live) when the server keeps one: 我的借阅 of a class teacher shows it on
    every message. Forgotten on a reader moving in or out of the class (a class borrower made), any
    loan or renewal of the class's borrower card, a title of one of its copies renamed and the class
    renamed (migration 0017 names the class then; 0008 and 0016 the rest). Raises UnknownClass.
    The returned value is shared: callers read it and never change it.
    """
    def load(session: Session) -> tuple[ClassCollection, list[tuple[str, str]]]:
        cls = session.get(SchoolClass, class_id)
        if cls is None:
            raise UnknownClass(str(class_id))
        tags = [("class", str(cls.id))]
        if cls.class_teacher_id is not None:
            tags.append(("reader", str(cls.class_teacher_id)))
        reader = _borrower_of(session, cls)
        if reader is None:
            return ClassCollection(cls.id, cls.name, None, []), tags
        tags.append(("reader", str(reader.id)))
        rows = session.execute(
            select(Item.title_id, Item.barcode, Loan.due_date, Loan.recalled_at.is_not(None))
            .join(Item, Item.id == Loan.item_id)
            .where(Loan.reader_id == reader.id, Loan.is_open.is_(True)).order_by(Loan.due_date, Item.barcode)).all()
        titles = dict(session.execute(select(Title.id, Title.title).where(
            Title.id.in_({r[0] for r in rows}))).all()) if rows else {}
        return ClassCollection(cls.id, cls.name, reader.card_no,
                               [CollectionLoan(titles[t], b, d, bool(r)) for t, b, d, r in rows]), tags

    return library.cached(("class_collection", class_id), load)


def class_collection_by_name(library: Library, class_name: str) -> ClassCollection:
    """As `class_collection`, the class given by name (三年级2班, 3年级2班). Raises UnknownClass."""
    with library.read_uow() as uow:
        class_id = _find_class(uow.session, class_name).id
    return class_collection(library, class_id)
