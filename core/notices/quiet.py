"""Quiet hours and closed days: the next instant a push may go out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from core.calendar import SchoolCalendar
from core.clock import SCHOOL_TZ, school_datetime

MAX_DAYS = 400


def _parse(value: str) -> time:
    hour, minute = value.split(":")
    return time(int(hour), int(minute))


@dataclass(frozen=True)
class QuietHours:
    """Pushes go out between `end` and `start` school time on open days (default 07:30–21:00)."""

    start: time = time(21, 0)
    end: time = time(7, 30)

    @classmethod
    def parse(cls, start: str, end: str) -> QuietHours:
        return cls(_parse(start), _parse(end))

    def next_allowed(self, now: datetime, calendar: SchoolCalendar) -> datetime:
        """`now` when a push may go now, else the start of the next allowed window."""
        day = now.astimezone(SCHOOL_TZ).date()
        for _ in range(MAX_DAYS):
            if calendar.is_open(day):
                opens = school_datetime(day, self.end.hour, self.end.minute)
                closes = school_datetime(day, self.start.hour, self.start.minute)
                if now < opens:
                    return opens
                if now < closes:
                    return now
            day += timedelta(days=1)
        return now  # a calendar without open days: do not hold forever

    def allows(self, now: datetime, calendar: SchoolCalendar) -> bool:
        return self.next_allowed(now, calendar) == now
