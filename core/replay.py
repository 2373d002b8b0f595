"""Replay guard for signed callbacks: a timestamp window and nonces accepted once, kept in the database.

A callback signature (WeChat's `signature`, `msg_signature`) proves who made a URL, not when it was
used: anyone who saw one signed URL could send it again. `NonceStore` refuses a timestamp outside
`window` of our clock and a (channel, nonce) pair seen before. Because a nonce row outlives the
window in which its timestamp could be accepted, a replay is refused whichever way it comes: inside
the window by its nonce, outside by its timestamp. Rows live in `callback_nonces`, so every server
process sharing the database sees them. Knows nothing of WeChat: channels and nonces are opaque strings.

On a SQLite file the table lives in a small file of its own beside the database (`<name>.nonces.db`).
SQLite locks a whole file for a write: with the nonces in the school's file, a long write there (an
import, a desk batch) would hold every incoming message at its nonce, queries answered from memory
included. Every process on the machine opens the same side file, so a replay is still refused by
all of them. PostgreSQL locks rows, so there the table in the main database serves.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.db import make_engine
from core.models import CallbackNonce

MAX_NONCE = 64  # the column's width; WeChat's nonces are about 10 digits
Offer = tuple[str, str, datetime, str | None]  # channel, nonce, the callback's timestamp, its signature
PURGE_MARGIN = timedelta(minutes=5)  # rows stay this long past the window: a clock stepped back cannot revive a nonce


class NonceStore:
    """Timestamp window plus once-only nonces per channel.

    `window` is how far (either way) a callback's timestamp may be from the injected clock.
    """

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, window: timedelta) -> None:
        if window <= timedelta(0):
            raise ValueError("the callback window must be positive")
        main: Engine = session_factory.kw["bind"]
        self._engine = _side_engine(main) or main
        self.shares_database = self._engine is main  # False: its writes never lock the school's file
        table = CallbackNonce.__table__
        insert_ignore = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        self._insert = insert_ignore(table).on_conflict_do_nothing().returning(table.c.channel, table.c.nonce)
        self._clock = clock
        self.window = window

    @property
    def engine(self) -> Engine:
        """Where the nonces are kept: the side file's engine on SQLite, the main one otherwise."""
        return self._engine

    def close(self) -> None:
        """Close the side file's connections (nothing to do when the main database holds the nonces)."""
        if not self.shares_database:
            self._engine.dispose()

    def in_window(self, timestamp: datetime) -> bool:
        """True when `timestamp` (aware) is within the window around now, ends included."""
        return abs(self._clock() - timestamp) <= self.window

    def accept(self, channel: str, nonce: str, timestamp: datetime, signature: str | None = None) -> bool:
        """True the first time (channel, nonce) — and (channel, signature), when given — is offered with a
        timestamp in the window; False otherwise."""
        return (channel, nonce) in self.accept_many([(channel, nonce, timestamp, signature)])

    def accept_many(self, offers: Sequence[Offer], *, window_checked: bool = False) -> set[tuple[str, str]]:
        """The (channel, nonce) pairs accepted among `offers`, in one INSERT … ON CONFLICT DO NOTHING.

        An offer is (channel, nonce, timestamp, signature or None). It is accepted when neither its
        nonce nor its signature was seen on that channel: a used URL cut into other timestamp and
        nonce strings signs the same concatenation, so it keeps its signature. Offers outside the
        window, with an empty or over-long nonce, or repeated within `offers` (the first copy counts)
        are not accepted. Safe across processes: the primary key and the unique signature decide.
        `window_checked`: the caller checked the window when the request arrived; a write delayed by a
        locked database must not turn a new nonce into a "replay" by checking it again later.
        """
        rows: dict[tuple[str, str], dict[str, object]] = {}
        for channel, nonce, timestamp, signature in offers:
            if nonce and len(nonce) <= MAX_NONCE and (window_checked or self.in_window(timestamp)):
                rows.setdefault((channel, nonce), {"channel": channel, "nonce": nonce,
                                                   "timestamp": timestamp.astimezone(UTC),
                                                   "signature": signature[:MAX_NONCE] if signature else None})
        if not rows:
            return set()
        with self._engine.begin() as conn:
            # executemany of one statement built once: SQLAlchemy compiles it once and sends the rows
            # as "insertmanyvalues" batches. A multi-VALUES statement would be compiled again for each
            # batch size, and that compile was most of the CPU a message's nonce cost (bench/http.py).
            done = conn.execute(self._insert, list(rows.values()))
            return {(c, n) for c, n in done}

    def purge(self) -> int:
        """Forget nonces whose timestamp can never be in the window again (plus a margin); returns how many."""
        table = CallbackNonce.__table__
        with self._engine.begin() as conn:
            done = conn.execute(delete(table).where(table.c.timestamp < self._clock() - self.window - PURGE_MARGIN))
            return done.rowcount


def side_file(database: str) -> Path:
    """Where a SQLite database's nonces live: `school.db` → `school.nonces.db`, in the same folder."""
    path = Path(database)
    return path.with_name(f"{path.stem}.nonces.db")


def _side_engine(main: Engine) -> Engine | None:
    """An engine on the side file for a SQLite file database (table created if missing); None otherwise."""
    url = main.url
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    engine = make_engine(f"sqlite:///{side_file(database)}", echo=bool(main.echo))
    table = CallbackNonce.__table__
    with engine.begin() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns(table.name)} if inspect(conn).has_table(table.name) else None
        if columns is not None and columns != {c.name for c in table.columns}:
            # A side file from an older shape holds only short-lived replay state: start it afresh.
            table.drop(conn)
        table.create(conn, checkfirst=True)
    return engine
