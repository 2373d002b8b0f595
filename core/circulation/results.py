"""Results: what happened (past-tense facts the bot and the scheduler turn into messages)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ReservationReady:
    """A copy is now held for a reader (到书通知)."""

    reservation_id: int
    reader_id: int
    title_id: int
    title: str
    barcode: str
    hold_until: date


@dataclass(frozen=True)
class ConditionRecord:
    """One note of a copy's existing damage: who wrote it (the audit actor) and when."""

    note: str
    actor: str
    at: datetime
    before_loan: bool  # written before the loan now ending began (at the latest as it was lent)


@dataclass(frozen=True)
class LoanCreated:
    loan_id: int
    reader_id: int
    reader_name: str
    title: str
    barcode: str
    due_date: date
    fulfilled_reservation_id: int | None = None
    condition_note: str = ""  # damage already recorded on the copy


@dataclass(frozen=True)
class LoanReturned:
    loan_id: int
    reader_id: int
    reader_name: str
    title: str
    barcode: str
    due_date: date
    overdue_days: int  # open days late
    fine_fen: int
    suspended_until: date | None = None  # overdue again after a renewal
    reservation_ready: ReservationReady | None = None
    condition_note: str = ""  # damage recorded before (at a checkout): not this reader's doing
    condition_records: tuple[ConditionRecord, ...] = ()  # who noted it and when (the audit log)


@dataclass(frozen=True)
class LoanRenewed:
    loan_id: int
    title: str
    old_due: date
    new_due: date
    renewals_left: int


@dataclass(frozen=True)
class LoanRecalled:
    loan_id: int
    reader_id: int
    title: str
    old_due: date
    new_due: date
    notified: int | None = None  # users the 催还通知 is for (0: nobody bound/reachable); None: no notice asked


@dataclass(frozen=True)
class ReservationPlaced:
    reservation_id: int
    title: str
    position: int  # 1 = first in the queue
    earliest_due: date | None  # when the first copy is due back


@dataclass(frozen=True)
class ReservationCancelled:
    reservation_id: int
    title: str
    passed_on: ReservationReady | None = None  # the held copy went to the next reader


@dataclass(frozen=True)
class ItemLost:
    loan_id: int | None
    reader_id: int | None
    title: str
    compensation_fen: int


@dataclass(frozen=True)
class ItemDamaged:
    reader_id: int | None
    title: str
    repair_fee_fen: int
    returned: LoanReturned | None = None
    condition_note: str = ""  # damage recorded on the copy before: check the new damage is not that
    condition_records: tuple[ConditionRecord, ...] = ()


@dataclass(frozen=True)
class ChargesSettled:
    """Charges a reader paid in one go: (charge id, kind, amount in fen) each, and their total in fen."""

    reader_id: int
    reader_name: str
    paid: tuple[tuple[int, str, int], ...]

    @property
    def total_fen(self) -> int:
        return sum(amount for _, _, amount in self.paid)


@dataclass(frozen=True)
class HoldsExpired:
    expired_reservation_ids: list[int] = field(default_factory=list)
    passed_on: list[ReservationReady] = field(default_factory=list)


@dataclass(frozen=True)
class CardReplaced:
    reader_id: int
    old_card_no: str
    new_card_no: str


@dataclass(frozen=True)
class ReaderCleared:
    reader_id: int
    name: str
    cancelled_reservations: int


@dataclass(frozen=True)
class ConditionNoted:
    barcode: str
    title: str
    condition_note: str  # the copy's whole note after this one was added


@dataclass(frozen=True)
class TheftCharged:
    charge_id: int
    reader_id: int
    reader_name: str
    title: str
    barcode: str
    price_fen: int
    multiple: int
    amount_fen: int


@dataclass(frozen=True)
class TheftPreview:
    """The theft charge about to be recorded, for the librarian to confirm."""

    reader_name: str
    title: str
    barcode: str
    price_fen: int
    multiple: int
    amount_fen: int


@dataclass(frozen=True)
class ReaderSuspended:
    reader_id: int
    name: str
    until: date  # INDEFINITE for "until the library lifts it"
    reason: str
    kept_later: bool = False  # a suspension already running to a later day kept that day


@dataclass(frozen=True)
class SuspensionLifted:
    reader_id: int
    name: str
    was_until: date | None
    reason: str
