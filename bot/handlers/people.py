"""Whose loans a user may see and act on: their own card, then each child, numbered together."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.handlers.base import Context
from bot.handlers.texts import CARD_INACTIVE, NOT_BOUND
from core import accounts, queries
from core.accounts import Person
from core.circulation.renew import quick_renew_reasons, titles_wanted_by_others
from core.errors import Reason
from core.queries import LoanView


@dataclass(frozen=True)
class OwnedLoan:
    """A loan with its holder and its position in the user's numbered list (1-based)."""

    position: int
    holder: Person
    loan: LoanView


def people(ctx: Context) -> list[Person]:
    """The readers this user speaks for: their own card first, then their children."""
    identity = ctx.identity
    if identity is None:
        return []
    own = [identity.reader] if identity.reader is not None else []
    return own + list(identity.children)


def not_bound_reply(ctx: Context) -> str:
    """Why there is nothing to show: never bound, or the bound card stopped working."""
    if accounts.has_inactive_binding(ctx.library, ctx.message.user_id):
        return CARD_INACTIVE
    return NOT_BOUND


def numbered_loans(ctx: Context) -> list[OwnedLoan]:
    """Every open loan the user may see, numbered across holders (the numbers 续借第2本 uses)."""
    result: list[OwnedLoan] = []
    for person in people(ctx):
        for loan in queries.open_loans(ctx.library, person.reader_id):
            result.append(OwnedLoan(len(result) + 1, person, loan))
    return result


def is_parent_view(ctx: Context) -> bool:
    """True when the list mixes holders or is about children: then each line names the child."""
    return ctx.identity is not None and bool(ctx.identity.children)


# The open-question kind that only remembers a numbered loan list the user acted on (the list an
# earlier "续借第1本" or answer used): it asks nothing, but "续借第2本" within its lifetime means
# the second book of that list, even after a renewal moved the books' order (docs/conversations.md).
# 我的借阅 does not store its list (that would be a write on the read-only fast path); instead a
# position with no list open is trusted only when none of the user's loans changed within the
# lifetime, since then every list shown within it had today's order (numbers_may_have_moved).
SHOWN_LOANS = "loans_shown"
_LOAN_LISTS = (SHOWN_LOANS, "renew")  # open questions whose options are loan ids as numbered


def remember_shown(ctx: Context, loan_ids: Sequence[int]) -> None:
    """Keep the numbered list (loan ids in the order shown) for the user's next positions."""
    ctx.ask(SHOWN_LOANS, tuple(loan_ids))


def shown_ids(ctx: Context) -> tuple[int, ...] | None:
    """Loan ids of the numbered list the user was last shown, if it is still open, else None."""
    pending = ctx.pending
    if pending is None or pending.kind not in _LOAN_LISTS or not pending.options:
        return None
    return pending.options


def as_shown(ids: Sequence[int], loans: list[OwnedLoan]) -> list[OwnedLoan | None]:
    """The shown list against today's open loans: one entry per number shown, None for a loan
    no longer open (returned meanwhile), so the other numbers keep meaning what the user read."""
    by_id = {o.loan.loan_id: o for o in loans}
    return [by_id.get(i) for i in ids]


class ShownLists:
    """The numbered loan list each user was last shown by 我的借阅, in this process's memory.

    No database write (我的借阅 is answered from memory on the event loop): a bounded LRU of
    user id → (when, loan ids in the order shown). Another server process does not see it; there a
    position falls back to numbers_may_have_moved, which asks when in doubt.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._lists: OrderedDict[str, tuple[datetime, tuple[int, ...]]] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()  # the event loop and the database threads both call it

    def remember(self, user_id: str, loan_ids: Sequence[int], at: datetime) -> None:
        """The list just shown to `user_id` (UTC time `at`)."""
        with self._lock:
            self._lists[user_id] = (at, tuple(loan_ids))
            self._lists.move_to_end(user_id)
            while len(self._lists) > self._capacity:
                self._lists.popitem(last=False)

    def recall(self, user_id: str, since: datetime) -> tuple[int, ...] | None:
        """The list shown to `user_id` at or after `since`, or None."""
        with self._lock:
            found = self._lists.get(user_id)
        return found[1] if found is not None and found[0] >= since else None


def last_shown(ctx: Context) -> tuple[int, ...] | None:
    """The list 我的借阅 showed this user within the question lifetime (this process), or None."""
    if ctx.shown is None:
        return None
    return ctx.shown.recall(ctx.message.user_id, ctx.library.now() - ctx.question_lifetime)


def numbers_may_have_moved(ctx: Context, loans: list[OwnedLoan]) -> bool:
    """True when a list shown to the user within the question lifetime may differ from today's
    order: one of their loans was lent, renewed, recalled, returned or lost since then."""
    since = ctx.library.now() - ctx.question_lifetime
    return queries.loans_changed_since(ctx.library, [p.reader_id for p in people(ctx)], since)


def renew_blockers(ctx: Context, loans: list[OwnedLoan], *, check_reservations: bool = True) -> dict[int, list[Reason]]:
    """loan id → why renew() would refuse it (empty: it may be renewed), so hints and menus offer
    only books that can be renewed. Without check_reservations only what memory holds is used
    (我的借阅 stays on the fast path); the renewal itself still says when someone is waiting."""
    policy = ctx.library.policy
    blockers = {o.loan.loan_id: quick_renew_reasons(policy, o.holder.reader_type, o.loan) for o in loans}
    for reader_id in {o.holder.reader_id for o in loans}:
        if queries.suspension(ctx.library, reader_id) is not None:  # no renewing while suspended
            for o in loans:
                if o.holder.reader_id == reader_id:
                    blockers[o.loan.loan_id].append(Reason.SUSPENDED)
    if check_reservations:
        for person in {o.holder.reader_id: o.holder for o in loans}.values():
            mine = [o for o in loans if o.holder.reader_id == person.reader_id]
            wanted = titles_wanted_by_others(ctx.library, person.reader_id, [o.loan.title_id for o in mine])
            for o in mine:
                if o.loan.title_id in wanted:
                    blockers[o.loan.loan_id].append(Reason.RESERVED_BY_OTHER)
    return blockers


def renewable(ctx: Context, reader_id: int, loan: LoanView) -> bool:
    """True when renew() would extend this loan of one of the user's people (as far as can be told)."""
    holder = next((p for p in people(ctx) if p.reader_id == reader_id), None)
    if holder is None:
        return False
    return not renew_blockers(ctx, [OwnedLoan(1, holder, loan)])[loan.loan_id]
