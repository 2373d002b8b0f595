"""The bot's 开放时间 reply follows a calendar change at once (real signed WeChat XML through POST /wechat)."""
from __future__ import annotations

from datetime import date

from core.clock import FixedClock
from core.library import Library
from core.school_calendar import close_days, open_day
from tests.handlers.conftest import Say


async def test_hours_reply_follows_a_closed_day_entered_while_the_server_runs(library: Library, say: Say,
                                                                             db_url: str, clock: FixedClock) -> None:
    before = await say("wx-a", "几点开门")
    assert "今天开放。" in before and "近期闭馆" not in before
    # The librarian, from another process (`shuxiang calendar closed add`), closes today and next Tuesday.
    cli = Library.open(db_url, clock=clock, migrate=False)
    try:
        close_days(cli, date(2026, 11, 18), date(2026, 11, 19), reason="运动会", actor="cli")
        close_days(cli, date(2026, 11, 24), reason="停电检修", actor="cli")
    finally:
        cli.close()
    after = await say("wx-a", "几点开门")
    assert "今天（周三）闭馆" in after and "11月20日" in after and "近期闭馆" in after and "11月24日" in after
    cli = Library.open(db_url, clock=clock, migrate=False)
    try:
        open_day(cli, date(2026, 11, 18), reason="运动会改期", actor="cli")
    finally:
        cli.close()
    assert "今天开放。" in await say("wx-a", "几点开门")
