"""Commands: what someone asks the library to do (imperative names)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CheckoutItem:
    card_no: str
    barcode: str
    actor: str = "desk"
    condition_note: str = ""  # damage already on the copy (缺页, 污损, 加记印章), recorded as it is lent


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


@dataclass(frozen=True)
class NoteCondition:
    """Record damage a copy already has (缺页, 污损, 加记印章), so no later reader is charged for it."""

    barcode: str
    note: str
    actor: str = "desk"


@dataclass(frozen=True)
class ChargeTheft:
    """偷窃: the reader pays `[policy] theft_multiple` times the copy's price (以书价的10倍).

    `price_fen` is asked for only when the copy has no price recorded.
    """

    card_no: str
    barcode: str
    note: str = ""
    price_fen: int | None = None
    actor: str = "desk"


@dataclass(frozen=True)
class SuspendReader:
    """取消其借书资格: no borrowing through `until` (None: until the library lifts it), for a reason."""

    card_no: str
    reason: str
    until: date | None = None
    actor: str = "desk"


@dataclass(frozen=True)
class LiftSuspension:
    """Give a suspended reader their borrowing back (a manual suspension or the automatic one)."""

    card_no: str
    actor: str = "desk"
