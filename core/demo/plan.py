"""In-memory records the builder plans with before anything touches the database."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.demo.books import BookSpec
from core.models import ChargeKind, ChargeStatus, ItemStatus, ItemType, ReaderType, ReservationStatus


@dataclass(eq=False)
class ItemRec:
    number: int  # position in the catalogue: barcode and insertion order
    book: BookSpec
    title_number: int
    status: ItemStatus = ItemStatus.AVAILABLE
    busy: list[tuple[date, date]] = field(default_factory=list)  # days the copy was out (or not yet bought)
    id: int | None = None
    condition_note: str = ""  # damage recorded on the copy before (缺页, 污损, 加记印章)

    @property
    def item_type(self) -> ItemType:
        return self.book.item_type

    def free_during(self, start: date, end: date) -> bool:
        return self.status == ItemStatus.AVAILABLE and all(end < s or start > e for s, e in self.busy)


@dataclass(eq=False)
class ReaderRec:
    card_no: str
    name: str
    reader_type: ReaderType
    grade: int | None = None
    class_name: str | None = None
    id: int | None = None


@dataclass(eq=False)
class ChargePlan:
    kind: ChargeKind
    amount_fen: int
    status: ChargeStatus
    created_day: date
    note: str = ""


@dataclass(eq=False)
class LoanPlan:
    item: ItemRec
    reader: ReaderRec
    loan_day: date
    due_date: date
    returned_day: date | None = None
    lost_day: date | None = None
    recalled_day: date | None = None
    renewals: list[tuple[date, date, date]] = field(default_factory=list)  # (renewed on, old due, new due)
    charges: list[ChargePlan] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.returned_day is None and self.lost_day is None


@dataclass(eq=False)
class ReservationPlan:
    title_number: int
    reader: ReaderRec
    created_day: date
    status: ReservationStatus = ReservationStatus.WAITING
    item: ItemRec | None = None
    ready_day: date | None = None
    hold_until: date | None = None


@dataclass(eq=False)
class TheftPlan:
    """偷窃: a charge of a multiple of the copy's price with no loan, and the reader's suspension for it."""

    reader: ReaderRec
    item: ItemRec
    charge: ChargePlan
    suspended_until: date
    suspension_reason: str
