"""The console channel: pushes stored per user in the database and shown in the simulator's inbox."""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from core.messaging import OutboundQueue

CONSOLE = "console"


@dataclass(frozen=True)
class Push:
    """One message a user received outside a reply (a notice or a late answer)."""

    id: int
    kind: str  # "push" (notices) or "reply" (an answer that missed the deadline)
    title: str
    text: str
    sent_at: str  # ISO 8601, UTC


class ConsoleChannel:
    """A delivery channel for the demo: `send_text` records the push; `inbox` reads them back."""

    channel = CONSOLE

    def __init__(self, queue: OutboundQueue) -> None:
        self._queue = queue

    def record(self, user_id: str, text: str, *, title: str = "", key: str | None = None,
               kind: str = "push") -> bool:
        """Store a delivered push (sync, for jobs); a repeated key is stored once. True if new."""
        return self._queue.enqueue(key=key or f"console:{uuid.uuid4().hex}", channel=CONSOLE, user_id=user_id,
                                   text=text, title=title, kind=kind, sent=True)

    async def send_text(self, user_id: str, text: str, *, title: str = "", key: str | None = None) -> None:
        """Deliver a push to a demo user (the Sender interface, plus an optional title and key)."""
        await asyncio.to_thread(self.record, user_id, text, title=title, key=key)

    def inbox(self, user_id: str, *, after: int = 0, limit: int = 50) -> list[Push]:
        """The user's pushes, oldest first, newer than id `after`."""
        rows = self._queue.history(CONSOLE, user_id, limit=limit)
        # Notices wait in the outbox (quiet hours, closed days) until the scheduler delivers them.
        return [Push(r.id, r.kind, r.title, r.text, r.sent_at.isoformat())
                for r in rows if r.id > after and r.sent_at is not None]
