"""One import of a kind at a time on PostgreSQL, so two imports never both plan against the same catalogue."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.locks import transaction_lock


def serialise_import(session: Session, kind: str) -> None:
    """Make the rest of this transaction the only `kind` import ("catalogue" or "readers") running.

    Call it first in the transaction, before loading what the database holds (two imports of one
    book at once made two titles on PostgreSQL); see core.locks.transaction_lock.
    """
    transaction_lock(session, f"shuxiang-import:{kind}")
