"""Change counters that caches watch (one row each in the `catalogue_version` table)."""
from __future__ import annotations

from sqlalchemy import ScalarSelect, bindparam, select, update
from sqlalchemy.orm import Session

from core.models import CatalogueVersion

CATALOGUE = 1  # titles and items: search index, parser dictionary
CALENDAR = 2  # terms and calendar days: the cached SchoolCalendar


def bump(session: Session, counter: int) -> None:
    """Mark a change in the same transaction as the change itself.

    One upsert on PostgreSQL and SQLite: two first bumps at once (a fresh install's first two
    imports) no longer both insert the row, one failing on the primary key.
    """
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(CatalogueVersion).values(id=counter, version=1)
        session.execute(statement.on_conflict_do_update(
            index_elements=[CatalogueVersion.id], set_={"version": CatalogueVersion.version + 1}))
        return
    updated = session.execute(update(CatalogueVersion).where(CatalogueVersion.id == counter)
                              .values(version=CatalogueVersion.version + 1))
    if updated.rowcount == 0:
        session.add(CatalogueVersion(id=counter, version=1))


_CURRENT = select(CatalogueVersion.version).where(CatalogueVersion.id == bindparam("counter"))


def current(session: Session, counter: int) -> int:
    """The counter's value, as already read in this transaction when a query brought it along."""
    known = session.info.get(("version", counter))
    if known is not None:
        return known
    return session.scalar(_CURRENT, {"counter": counter}) or 0


def column(counter: int) -> ScalarSelect[int]:
    """The counter as a column to add to another query (saves a round trip on hot paths)."""
    return select(CatalogueVersion.version).where(CatalogueVersion.id == counter).scalar_subquery()


def remember(session: Session, counter: int, value: int | None) -> None:
    """Record a value read by another query, for current() in the same transaction."""
    session.info[("version", counter)] = value or 0
