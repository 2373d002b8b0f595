"""Late answers: queued as "reply" rows and sent by the shared delivery path (scheduler/delivery.py).

Every server process runs a pump for the reply rows it can claim (a late answer must not wait for the
scheduler leader, which may be another process); the claim's lease keeps two processes off one row.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.messages import IncomingMessage, Reply
from bot.pushes import CONSOLE
from core.messaging import OutboundQueue
from scheduler.delivery import Delivery

log = logging.getLogger("shuxiang.delivery")

STOP_TIMEOUT = 30.0  # seconds a clean stop waits for the call in flight (HTTP timeout 10 s, a token fetch)


class DeliveryPump:
    """Runs the reply delivery on every poke and every `interval` seconds; `close()` stops it cleanly.

    `delivery` None: nothing is sent (the terminal chat has no channels).
    """

    def __init__(self, delivery: Delivery | None, *, interval: float = 5.0) -> None:
        self._delivery = delivery
        self._interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def channels(self) -> list[str]:
        return sorted(self._delivery.channels) if self._delivery is not None else []

    def poke(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Send everything due now; returns how many were delivered."""
        if self._delivery is None or not self._delivery.channels:
            return 0
        return (await self._delivery.drain(max_rounds=50)).sent

    def start(self) -> None:
        """Start the loop task (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run())

    async def run(self) -> None:
        """Loop until closed: on every poke, and every `interval` seconds for retries."""
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            if self._closing:
                break
            try:
                await self.run_once()
            except Exception:
                log.exception("delivery round failed")

    async def close(self) -> None:
        """Clean stop: the call in flight finishes and is recorded, the rest of the batch is given back;
        then one last round sends the late answers written during the shutdown, call by call."""
        self._closing = True
        if self._delivery is not None:
            self._delivery.stop()
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), STOP_TIMEOUT)
            except TimeoutError:
                log.error("late-answer delivery did not stop within %s s: cancelled", STOP_TIMEOUT)
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        if self._delivery is not None:
            self._delivery.resume()
            try:
                await self.run_once()
            finally:
                self._delivery.stop()


class LateReplies:
    """Queues an answer that missed the deadline as a customer-service message on its channel."""

    def __init__(self, queue: OutboundQueue, pump: DeliveryPump) -> None:
        self._queue = queue
        self._pump = pump

    async def __call__(self, message: IncomingMessage, reply: Reply, key: str) -> None:
        """Write the late answer once per request key, then wake the pump (console: stored as sent)."""
        channel = message.channel if message.channel in ("wechat", "wecom") else CONSOLE
        await asyncio.to_thread(self._queue.enqueue, key=f"late:{key}", channel=channel, user_id=message.user_id,
                                text=reply.text, kind="reply", sent=channel == CONSOLE)
        if channel not in self._pump.channels and channel != CONSOLE:
            log.warning("no %s sender configured (AppSecret/Secret empty): late answer waits in the queue", channel)
        self._pump.poke()
