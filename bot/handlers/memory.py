"""Which read-only answers still need the database, in one place (the bench prints this list).

Every other read-only intent is answered on the event loop from the read model (core/live) and the
in-memory search index; these raise WouldBlock there and run in a database thread instead.
"""
from __future__ import annotations

NEEDS_DATABASE: dict[str, str] = {
    "ranking": "loan counts are read from the database",
    "activities": "activities are read from the database",
    "history": "a reader's past loans are read from the database",
    "fines": "charges are read from the database",
}
