"""Catalogue bookkeeping shared by imports, the desk and the demo builder."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core import versions


def bump_catalogue_version(session: Session) -> None:
    """Mark the catalogue changed so search indexes and the parser dictionary rebuild."""
    versions.bump(session, versions.CATALOGUE)


def catalogue_version(session: Session) -> int:
    return versions.current(session, versions.CATALOGUE)
