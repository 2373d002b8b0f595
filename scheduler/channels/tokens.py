"""access_token shared by every process through the database: one refresher at a time, never a loop."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.messaging import SharedToken

EARLY = timedelta(minutes=5)  # refresh before WeChat's expiry
REFRESH_LEASE = timedelta(seconds=15)  # another process's refresh is trusted this long
WAIT_STEP = 0.1

Fetch = Callable[[], Awaitable[tuple[str, int]]]


class TokenError(Exception):
    """The token endpoint refused (bad secret) or could not be reached."""


class SharedTokens:
    """Tokens per name (e.g. "wecom:<corp>:<agent>") in `shared_tokens`; an asyncio lock per name in-process."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = session_factory
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}

    def _read(self, name: str) -> SharedToken | None:
        with self._factory() as session:
            return session.get(SharedToken, name)

    def _try_claim_refresh(self, name: str, now: datetime, stale: str | None) -> bool:
        """Become the refresher, unless someone is, or someone just stored a token that is not `stale`."""
        engine = self._factory.kw["bind"]
        table = SharedToken.__table__
        with engine.begin() as conn:
            ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(ins(table).values(name=name, token="", expires_at=None, refreshing_until=None)
                         .on_conflict_do_nothing())
            done = conn.execute(update(table).where(
                table.c.name == name,
                or_(table.c.refreshing_until.is_(None), table.c.refreshing_until < now),
                or_(table.c.token == "", table.c.token == (stale or ""), table.c.expires_at.is_(None),
                    table.c.expires_at <= now))
                .values(refreshing_until=now + REFRESH_LEASE))
            return done.rowcount == 1

    def _store(self, name: str, token: str, expires_at: datetime | None) -> None:
        with self._factory() as session:
            session.execute(update(SharedToken).where(SharedToken.name == name)
                            .values(token=token, expires_at=expires_at, refreshing_until=None))
            session.commit()

    async def get(self, name: str, fetch: Fetch, *, stale: str | None = None) -> str:
        """A valid token; `stale` = the token the API just refused (refresh unless someone already did)."""
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            for _ in range(int(REFRESH_LEASE.total_seconds() / WAIT_STEP) + 1):
                now = self._clock()
                row = await asyncio.to_thread(self._read, name)
                if (row is not None and row.token and row.token != stale and row.expires_at is not None
                        and row.expires_at > now):
                    return row.token
                if await asyncio.to_thread(self._try_claim_refresh, name, now, stale):
                    try:
                        token, expires_in = await fetch()
                    except BaseException:
                        await asyncio.to_thread(self._store, name, "", None)
                        raise
                    life = max(timedelta(seconds=60), timedelta(seconds=expires_in) - EARLY)
                    await asyncio.to_thread(self._store, name, token, now + life)
                    return token
                await asyncio.sleep(WAIT_STEP)  # another process is refreshing: read its token
            raise TokenError(f"{name}: token refresh did not finish")
