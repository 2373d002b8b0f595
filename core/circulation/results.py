"""Results: what happened (past-tense facts the bot and the scheduler turn into messages)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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
class LoanCreated:
    loan_id: int
    reader_id: int
    reader_name: str
    title: str
    barcode: str
    due_date: date
    fulfilled_reservation_id: int | None = None


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
