"""The demo's fast clock: simulated time that runs `speed` times faster than the wall clock."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class FastClock:
    """Starts at `start` and advances `speed` simulated seconds per real second."""

    def __init__(self, start: datetime, speed: float = 60.0) -> None:
        if start.tzinfo is None:
            raise ValueError("FastClock needs an aware datetime")
        self._start = start.astimezone(UTC)
        self._real = time.monotonic()
        self.speed = speed

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._real) * self.speed)
