"""One import of a kind at a time on PostgreSQL, so two imports never both plan against the same catalogue."""
from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def _lock_key(kind: str) -> int:
    # a signed 64-bit key for pg_advisory_xact_lock, distinct from core.bind_limits' keys by its prefix
    digest = hashlib.blake2b(f"shuxiang-import:{kind}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def serialise_import(session: Session, kind: str) -> None:
    """Make the rest of this transaction the only `kind` import ("catalogue" or "readers") running.

    Call it first in the transaction, before loading what the database holds. PostgreSQL: a
    transaction-level advisory lock, released at commit or rollback; READ COMMITTED then lets the
    loads that follow see everything an earlier import committed (two imports of one book at once
    made two titles). SQLite: nothing to do, a write transaction begins with BEGIN IMMEDIATE
    (core/db.py) and is the only writer of the file until it ends.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(kind)})
