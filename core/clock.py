"""Injected clocks: rules never call datetime.now() themselves."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SCHOOL_TZ = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], datetime]
"""A clock returns the current time as an aware UTC datetime."""


def system_clock() -> datetime:
    return datetime.now(UTC)


class FixedClock:
    """A clock for tests and the demo's simulated time; move it with advance()/set()."""

    def __init__(self, now: datetime) -> None:
        self.set(now)

    def set(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = now.astimezone(UTC)

    def advance(self, **kwargs: float) -> None:
        self._now += timedelta(**kwargs)

    def __call__(self) -> datetime:
        return self._now


class OffsetClock:
    """System time shifted by a fixed offset (the demo's `--now`)."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def school_today(now: datetime, tz: ZoneInfo = SCHOOL_TZ) -> date:
    """The school's calendar day at an instant (a loan is due at 23:59 of a school day)."""
    return now.astimezone(tz).date()


def school_datetime(day: date, hour: int = 0, minute: int = 0, tz: ZoneInfo = SCHOOL_TZ) -> datetime:
    """An aware UTC datetime for a wall-clock time on a school day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)
