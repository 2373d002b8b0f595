"""Named transaction locks: one transaction at a time past the same point, on SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(name: str) -> int:
    """A signed 64-bit key for pg_advisory_xact_lock, stable across processes (blake2b of `name`)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def transaction_lock(session: Session, name: str) -> None:
    """Hold the lock `name` until this transaction ends (commit or rollback).

    PostgreSQL: a transaction-level advisory lock; READ COMMITTED then shows every row committed by
    an earlier holder. SQLite: nothing to do, a write transaction begins with BEGIN IMMEDIATE
    (core/db.py) and is the only writer of the file until it ends.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
