"""Catalogue bookkeeping shared by imports, the desk and the demo builder."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from core import versions

if TYPE_CHECKING:
    from core.library import Library


def bump_catalogue_version(session: Session) -> None:
    """Mark the catalogue changed so search indexes and the parser dictionary rebuild."""
    versions.bump(session, versions.CATALOGUE)


def catalogue_version(session: Session) -> int:
    return versions.current(session, versions.CATALOGUE)


def live_catalogue_version(library: Library) -> int:
    """The catalogue counter from the read model (core/live): no query until the change feed names it."""
    return library.cached(("catalogue version",), lambda session: (catalogue_version(session),
                                                                  [("version", str(versions.CATALOGUE))]))
