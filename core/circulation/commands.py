"""Commands: what someone asks the library to do (imperative names)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CheckoutItem:
    card_no: str
    barcode: str
    actor: str = "desk"


@dataclass(frozen=True)
class CheckinItem:
    barcode: str
    actor: str = "desk"


@dataclass(frozen=True)
class RenewLoan:
    reader_id: int
    loan_id: int
    actor: str = "reader"


@dataclass(frozen=True)
class RecallLoan:
    barcode: str
    open_days: int = 3  # the new deadline, counted in open days from today
    actor: str = "desk"


@dataclass(frozen=True)
class PlaceReservation:
    reader_id: int
    title_id: int
    actor: str = "reader"


@dataclass(frozen=True)
class CancelReservation:
    reader_id: int
    reservation_id: int
    actor: str = "reader"


@dataclass(frozen=True)
class MarkItemLost:
    barcode: str
    actor: str = "desk"


@dataclass(frozen=True)
class MarkItemDamaged:
    barcode: str
    repair_fee_fen: int
    note: str = ""
    actor: str = "desk"


@dataclass(frozen=True)
class FinishRepair:
    barcode: str
    actor: str = "desk"


@dataclass(frozen=True)
class SettleCharge:
    charge_id: int
    waive: bool = False  # False: paid; True: waived by the librarian
    note: str = ""
    actor: str = "desk"


@dataclass(frozen=True)
class SettleReaderCharges:
    """缴费 by card: the reader paid these open charges (the ids the librarian was shown), all at once."""

    card_no: str
    charge_ids: tuple[int, ...]
    actor: str = "desk"


@dataclass(frozen=True)
class ReportCardLost:
    card_no: str
    actor: str = "reader"


@dataclass(frozen=True)
class ReplaceCard:
    old_card_no: str
    new_card_no: str
    actor: str = "desk"


@dataclass(frozen=True)
class ClearReader:
    """离校/调离清算: close the account once everything is returned and paid."""

    card_no: str
    actor: str = "desk"


@dataclass(frozen=True)
class ExpireHolds:
    actor: str = "scheduler"


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date
