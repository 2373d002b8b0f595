"""Newcomer: the activity's recipients showed "12月01日 07:34" where every other page says "12月1日"."""
from __future__ import annotations

from datetime import UTC, datetime

from console.notices_outbox import when


def test_notice_times_are_written_like_every_other_date() -> None:
    assert when(datetime(2026, 11, 30, 23, 34, tzinfo=UTC)) == "12月1日 07:34"  # UTC+8: the school's morning
    assert when(datetime(2026, 12, 10, 2, 5, tzinfo=UTC)) == "12月10日 10:05"
    assert when(None) == ""
