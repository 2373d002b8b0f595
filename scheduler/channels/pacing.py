"""Pacing: a request rate per channel and sliding windows per recipient (WeCom silently drops the excess)."""
from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from datetime import datetime, timedelta

from core.clock import Clock


class RateLimiter:
    """At most `per_second` calls, spaced evenly (a tiny token bucket on the monotonic clock)."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            await asyncio.sleep(delay)


class Windows:
    """Per-recipient limits such as 30 a minute and 1000 an hour, on the injected clock."""

    def __init__(self, clock: Clock, limits: list[tuple[int, timedelta]]) -> None:
        self._clock = clock
        self._limits = [(n, span) for n, span in limits if n > 0]
        self._seen: dict[str, deque[datetime]] = defaultdict(deque)
        self._longest = max((span for _, span in self._limits), default=timedelta(0))

    def free_at(self, key: str) -> datetime | None:
        """None when `key` may receive one more now; else when it may."""
        now = self._clock()
        seen = self._seen[key]
        while seen and seen[0] <= now - self._longest:
            seen.popleft()
        for n, span in self._limits:
            recent = [t for t in seen if t > now - span]
            if len(recent) >= n:
                return recent[-n] + span
        return None

    def take(self, key: str) -> None:
        self._seen[key].append(self._clock())
