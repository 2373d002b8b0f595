"""Delivers queued outbound messages through the channel senders, with retries and backoff."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from bot.messages import IncomingMessage, Reply
from bot.pushes import CONSOLE
from bot.senders import Sender, SendError
from core.messaging import OutboundQueue

log = logging.getLogger("shuxiang.delivery")


class DeliveryPump:
    """Claims due rows for the channels it has senders for and sends them; poke() to send at once."""

    def __init__(self, queue: OutboundQueue, senders: Mapping[str, Sender], *, interval: float = 5.0) -> None:
        self._queue = queue
        self._senders = dict(senders)
        self._interval = interval
        self._wake = asyncio.Event()

    @property
    def channels(self) -> list[str]:
        return sorted(self._senders)

    def poke(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Send everything due now; returns how many were delivered."""
        if not self._senders:
            return 0
        sent = 0
        for message in await asyncio.to_thread(self._queue.claim_due, self.channels):
            try:
                await self._senders[message.channel].send_text(message.user_id, message.text)
            except SendError as exc:
                log.warning("delivery failed id=%s channel=%s: %s", message.id, message.channel, exc)
                await asyncio.to_thread(self._queue.mark_failed, message.id, str(exc), retry=exc.retry)
                continue
            except Exception as exc:  # a sender bug must not stop the pump
                log.exception("delivery crashed id=%s", message.id)
                await asyncio.to_thread(self._queue.mark_failed, message.id, repr(exc), retry=True)
                continue
            await asyncio.to_thread(self._queue.mark_sent, message.id)
            sent += 1
        return sent

    async def run(self) -> None:
        """Loop until cancelled: on every poke, and every `interval` seconds for retries."""
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self._interval)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("delivery round failed")


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
