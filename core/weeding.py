"""剔旧候选: which copies a librarian might weed — surplus copies of rarely lent titles, copies nobody
has borrowed for years, damaged copies. Pure reads; the weeding itself is core.inventory.weed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select

from core.clock import school_datetime
from core.library import Library
from core.models import Item, ItemStatus, Loan, Title

SHOWN = 300  # rows per list on a page: a librarian weeds in batches; the count says how many more


@dataclass(frozen=True)
class CandidateRules:
    """The thresholds, with the defaults the page starts from.

    A title is surplus when it has more than `copies` copies on the books and at most `loans` loans
    in the last `loan_years` years; a copy is idle when it was accessioned more than `idle_years`
    years ago and has not been lent for `idle_years` years.
    """

    copies: int = 3
    loans: int = 2
    loan_years: int = 3
    idle_years: int = 5


@dataclass(frozen=True)
class CandidateCopy:
    """One copy that could go: barcode, title, 索书号, location, status value, price in fen, why."""

    barcode: str
    title: str
    call_number: str
    location: str
    status: str
    price_fen: int
    why: str


@dataclass
class Candidates:
    """The three lists (each at most SHOWN long) and how many each has in all."""

    rules: CandidateRules
    surplus: list[CandidateCopy] = field(default_factory=list)
    idle: list[CandidateCopy] = field(default_factory=list)
    damaged: list[CandidateCopy] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


_HELD = (ItemStatus.AVAILABLE, ItemStatus.HELD, ItemStatus.ON_LOAN, ItemStatus.IN_REPAIR)  # on the books


def weeding_candidates(library: Library, rules: CandidateRules = CandidateRules()) -> Candidates:
    """The weeding candidates under `rules` (years counted back from today, school time).

    Surplus and idle lists offer only copies on the shelf (available): a copy on loan or on the hold
    shelf cannot be weeded now. The damaged list has copies in repair or with a condition note.
    """
    today = library.today()
    loans_since = school_datetime(_years_before(today, rules.loan_years))
    idle_since = school_datetime(_years_before(today, rules.idle_years))
    found = Candidates(rules)
    with library.read_uow() as uow:
        s = uow.session
        copies = (select(Item.title_id, func.count().label("n")).where(Item.status.in_(_HELD))
                  .group_by(Item.title_id).having(func.count() > rules.copies).subquery())
        lent = (select(Item.title_id, func.count(Loan.id).label("n")).join(Loan, Loan.item_id == Item.id)
                .where(Loan.loaned_at >= loans_since).group_by(Item.title_id).subquery())
        surplus = (select(Item.barcode, Title.title, Item.call_number, Item.location, Item.status, Item.price_fen,
                          copies.c.n, func.coalesce(lent.c.n, 0))
                   .join(Title, Title.id == Item.title_id).join(copies, copies.c.title_id == Item.title_id)
                   .outerjoin(lent, lent.c.title_id == Item.title_id)
                   .where(Item.status == ItemStatus.AVAILABLE, func.coalesce(lent.c.n, 0) <= rules.loans)
                   .order_by(Title.title, Item.barcode))
        for b, t, cn, loc, st, fen, n, loans in s.execute(surplus):
            found.surplus.append(CandidateCopy(b, t, cn, loc, st.value, fen,
                                               f"共{n}本，近{rules.loan_years}年借出{loans}次"))
        recent = select(Loan.item_id).where(Loan.loaned_at >= idle_since)
        idle = (select(Item.barcode, Title.title, Item.call_number, Item.location, Item.status, Item.price_fen)
                .join(Title, Title.id == Item.title_id)
                .where(Item.status == ItemStatus.AVAILABLE, Item.created_at < idle_since, Item.id.not_in(recent))
                .order_by(Item.location, Item.call_number, Item.barcode))
        why = f"{rules.idle_years}年没有借出过"
        found.idle = [CandidateCopy(b, t, cn, loc, st.value, fen, why) for b, t, cn, loc, st, fen in s.execute(idle)]
        damaged = (select(Item.barcode, Title.title, Item.call_number, Item.location, Item.status, Item.price_fen,
                          Item.condition_note)
                   .join(Title, Title.id == Item.title_id)
                   .where(or_(Item.status == ItemStatus.IN_REPAIR,
                              (Item.condition_note != "") & Item.status.in_(_HELD)))
                   .order_by(Item.status, Title.title, Item.barcode))
        for b, t, cn, loc, st, fen, note in s.execute(damaged):
            reason = "修补中" + (f"；{note}" if note else "") if st == ItemStatus.IN_REPAIR else note
            found.damaged.append(CandidateCopy(b, t, cn, loc, st.value, fen, reason))
    for name in ("surplus", "idle", "damaged"):
        rows = getattr(found, name)
        found.totals[name] = len(rows)
        setattr(found, name, rows[:SHOWN])
    return found
