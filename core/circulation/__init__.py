"""Circulation services: each takes the Library and a command, returns a result or raises Refused."""
from core.circulation.cards import clear_reader, replace_card, report_card_lost
from core.circulation.checkin import checkin
from core.circulation.checkout import checkout
from core.circulation.commands import (
    CancelReservation,
    ChargeTheft,
    CheckinItem,
    CheckoutItem,
    ClearReader,
    ExpireHolds,
    FinishRepair,
    LiftSuspension,
    MarkItemDamaged,
    MarkItemLost,
    NoteCondition,
    PlaceReservation,
    RecallLoan,
    RenewLoan,
    ReplaceCard,
    ReportCardLost,
    SettleCharge,
    SettleReaderCharges,
    SuspendReader,
)
from core.circulation.condition import note_condition
from core.circulation.losses import (
    finish_repair,
    mark_damaged,
    mark_lost,
    settle_charge,
    settle_reader_charges,
)
from core.circulation.recall import recall
from core.circulation.renew import renew
from core.circulation.reservations import cancel_reservation, expire_holds, place_reservation
from core.circulation.suspension import INDEFINITE, SuspensionError, lift_suspension, suspend_reader
from core.circulation.theft import charge_theft, preview_theft

__all__ = [
    "CancelReservation", "CheckinItem", "CheckoutItem", "ClearReader", "ExpireHolds", "FinishRepair",
    "MarkItemDamaged", "MarkItemLost", "PlaceReservation", "RecallLoan", "RenewLoan", "ReplaceCard",
    "ReportCardLost", "SettleCharge", "SettleReaderCharges", "cancel_reservation", "checkin", "checkout", "clear_reader",
    "expire_holds", "finish_repair", "mark_damaged", "mark_lost", "place_reservation", "recall", "renew",
    "replace_card", "report_card_lost", "settle_charge", "settle_reader_charges",
    "ChargeTheft", "INDEFINITE", "LiftSuspension", "NoteCondition", "SuspendReader", "SuspensionError",
    "charge_theft", "lift_suspension", "note_condition", "preview_theft", "suspend_reader",
]
