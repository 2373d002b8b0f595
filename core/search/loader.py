"""Database reads for search: the catalogue for building the index, live availability for hits."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Boolean, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from core.catalogue import catalogue_version
from core.models import Item, ItemStatus, ItemType, Loan, Title
from core.search.index import CatalogueRow
from core.search.results import ShelfSpot

GONE = (ItemStatus.LOST, ItemStatus.WITHDRAWN)
# The bare column, not "is_open = 1": SQLite uses the partial index uq_loans_open_item only when
# the query repeats its WHERE clause literally; otherwise it walks every past loan of a popular copy.
_LOAN_IS_OPEN = literal_column(f"{Loan.__tablename__}.is_open", Boolean)


def load_catalogue(session: Session) -> tuple[int, list[CatalogueRow]]:
    """The catalogue version, then every title with its copy and loan counts."""
    # Version first: rows read afterwards are at least that new, so a change is never missed.
    version = catalogue_version(session)
    copies = dict(session.execute(
        select(Item.title_id, func.count()).where(Item.status.not_in(GONE)).group_by(Item.title_id)
    ).all())
    loans = dict(session.execute(
        select(Item.title_id, func.count()).select_from(Loan).join(Item, Item.id == Loan.item_id)
        .group_by(Item.title_id)
    ).all())
    rows = [
        CatalogueRow(id=t.id, title=t.title, author=t.author or "", publisher=t.publisher or "",
                     isbn=t.isbn, summary=t.summary or "", min_grade=t.min_grade, max_grade=t.max_grade,
                     subjects=t.subjects or "", series=t.series or "",
                     copies=copies.get(t.id, 0), loans=loans.get(t.id, 0))
        for t in session.execute(select(
            Title.id, Title.title, Title.author, Title.publisher, Title.isbn, Title.summary,
            Title.min_grade, Title.max_grade, Title.subjects, Title.series))
    ]
    return version, rows


@dataclass(frozen=True, slots=True)
class Availability:
    """Copy counts, shelf spots and the earliest return of one title."""

    on_shelf: int = 0
    available_to_borrow: int = 0
    loanable_total: int = 0
    copies_total: int = 0
    spots: tuple[ShelfSpot, ...] = ()
    next_due: date | None = None

    @property
    def reference_only(self) -> bool:
        return self.copies_total > 0 and self.loanable_total == 0


# Built once: per search, constructing the statement cost as much as SQLite running it.
_AVAILABILITY = (
    select(Item.title_id, Item.status, Item.item_type, Item.call_number, Item.location, Loan.due_date)
    .outerjoin(Loan, (Loan.item_id == Item.id) & _LOAN_IS_OPEN)
    .where(Item.title_id.in_(bindparam("title_ids", expanding=True)))
)


def load_availability(session: Session, title_ids: list[int]) -> dict[int, Availability]:
    """Availability of a few titles in one query: every copy, with its open loan if any."""
    if not title_ids:
        return {}
    rows = session.execute(_AVAILABILITY, {"title_ids": title_ids}).all()
    per_title: dict[int, list[tuple[ItemStatus, ItemType, str, str, date | None]]] = {}
    for title_id, status, item_type, call_number, location, due in rows:
        per_title.setdefault(title_id, []).append((status, item_type, call_number, location, due))
    return {tid: _summarise(copies) for tid, copies in per_title.items()}


def _summarise(copies: list[tuple[ItemStatus, ItemType, str, str, date | None]]) -> Availability:
    on_shelf = borrowable = loanable = total = 0
    spots: Counter[tuple[str, str, bool]] = Counter()
    due_dates = []
    for status, item_type, call_number, location, due in copies:
        if due is not None:
            due_dates.append(due)
        if status in GONE:
            continue
        for_loan = item_type != ItemType.REFERENCE
        total += 1
        loanable += for_loan
        if status == ItemStatus.AVAILABLE:
            on_shelf += 1
            borrowable += for_loan
            spots[call_number, location, for_loan] += 1
    ordered = sorted(spots.items(), key=lambda s: (not s[0][2], -s[1], s[0][0], s[0][1]))
    return Availability(
        on_shelf=on_shelf, available_to_borrow=borrowable, loanable_total=loanable, copies_total=total,
        spots=tuple(ShelfSpot(call, loc, n, for_loan) for (call, loc, for_loan), n in ordered),
        next_due=min(due_dates, default=None))
