"""Whose loans a user may see and act on: their own card, then each child, numbered together."""
from __future__ import annotations

from dataclasses import dataclass

from bot.handlers.base import Context
from bot.handlers.texts import CARD_INACTIVE, NOT_BOUND
from core import accounts, queries
from core.accounts import Person
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
