"""Catalogue bookkeeping shared by imports, the desk and the demo builder."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import CatalogueVersion


def bump_catalogue_version(session: Session) -> None:
    """Mark the catalogue changed so search indexes and the parser dictionary rebuild."""
    updated = session.execute(update(CatalogueVersion).where(CatalogueVersion.id == 1)
                              .values(version=CatalogueVersion.version + 1))
    if updated.rowcount == 0:
        session.add(CatalogueVersion(id=1, version=1))


def catalogue_version(session: Session) -> int:
    return session.scalar(select(CatalogueVersion.version).where(CatalogueVersion.id == 1)) or 0
