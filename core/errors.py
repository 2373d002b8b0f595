"""Domain errors. Refusals carry typed reasons; the bot turns them into Chinese."""
from __future__ import annotations

import enum
from typing import Any


class Reason(enum.StrEnum):
    """Why a circulation request was refused, in the order a reader can act on them."""

    # who: the reader's card and account
    READER_NOT_FOUND = "reader_not_found"
    CARD_LOST = "card_lost"
    READER_LEFT = "reader_left"
    SUSPENDED = "suspended"
    UNPAID_CHARGES = "unpaid_charges"
    HAS_OVERDUE = "has_overdue"
    # what: the item or title
    ITEM_NOT_FOUND = "item_not_found"
    TITLE_NOT_FOUND = "title_not_found"
    LOAN_NOT_FOUND = "loan_not_found"
    NOT_FOR_LOAN = "not_for_loan"
    ITEM_UNAVAILABLE = "item_unavailable"
    HELD_FOR_ANOTHER = "held_for_another"
    LIMIT_REACHED = "limit_reached"
    TOTAL_LIMIT_REACHED = "total_limit_reached"  # all item types together ([policy.max_items_total])
    NOT_ON_LOAN = "not_on_loan"
    NOT_ON_SHELF = "not_on_shelf"  # existing damage is noted on a copy in the library, not one a reader has
    # renewals
    OVERDUE = "overdue"
    RECALLED = "recalled"
    RESERVED_BY_OTHER = "reserved_by_other"
    RENEWALS_USED_UP = "renewals_used_up"
    TERM_END = "term_end"
    # reservations
    ALREADY_RESERVED = "already_reserved"
    ALREADY_BORROWED = "already_borrowed"
    COPY_AVAILABLE = "copy_available"
    RESERVATION_LIMIT = "reservation_limit"
    RESERVATION_NOT_FOUND = "reservation_not_found"
    # clearance, charges, cards
    HAS_OPEN_LOANS = "has_open_loans"
    CHARGE_NOT_FOUND = "charge_not_found"
    CHARGE_SETTLED = "charge_settled"
    CARD_IN_USE = "card_in_use"
    NO_PRICE = "no_price"  # a charge by the item's price (theft) for a copy with no price recorded
    PRICE_TOO_HIGH = "price_too_high"  # a theft charge's price above MAX_THEFT_PRICE_FEN: a typo, most likely


REASON_ORDER = {reason: index for index, reason in enumerate(Reason)}


class Refused(Exception):
    """A request the rules do not allow. `reasons` is sorted in the order the reader can act on."""

    def __init__(self, *reasons: Reason, **context: Any) -> None:
        self.reasons: tuple[Reason, ...] = tuple(sorted(set(reasons), key=REASON_ORDER.__getitem__))
        self.context = context
        super().__init__(", ".join(self.reasons))

    @property
    def reason(self) -> Reason:
        return self.reasons[0]
