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


async def test_a_question_about_another_day_is_answered_for_that_day(library: Library, say: Say, db_url: str,
                                                                      clock: FixedClock) -> None:
    # Today is Wednesday 2026-11-18 (the test clock). Saturday is closed; Monday next is open.
    saturday = await say("wx-a", "图书馆星期六开不开门")
    assert saturday.startswith("11月21日（周六）闭馆。"), saturday
    weekend = await say("wx-a", "周末开吗")
    assert weekend.startswith("11月21日（周六）闭馆；11月22日（周日）闭馆。"), weekend
    cli = Library.open(db_url, clock=clock, migrate=False)
    try:
        close_days(cli, date(2026, 11, 19), reason="运动会", actor="cli")
    finally:
        cli.close()
    assert (await say("wx-a", "明天开门吗")).startswith("明天11月19日（周四）闭馆。")
    assert (await say("wx-a", "下周一开门吗")).startswith("11月23日（周一）开放。")


async def test_thanks_get_a_thank_you_not_the_menu(say: Say) -> None:
    reply = await say("wx-a", "好的谢谢你啊")
    assert reply.startswith("不客气") and "没太明白" not in reply


async def test_a_lost_book_is_not_answered_as_a_lost_card(say: Say) -> None:
    book = await say("wx-a", "书弄丢了要赔多少钱")
    assert "照价赔偿" in book and "挂失" not in book
    card = await say("wx-a", "借书证丢了怎么办")
    assert "挂失" in card


async def test_a_reader_without_the_card_number_is_told_where_it_comes_from(say: Say) -> None:
    reply = await say("wx-new", "我不知道什么卡号老师没给我")
    assert "家长绑定通知单" in reply and "绑定 S30201" in reply and "没太明白" not in reply, reply


async def test_a_book_said_to_be_returned_points_to_who_can_check(library: Library, say: Say) -> None:
    from core import accounts
    from core.circulation import CheckoutItem, checkout
    from core.models import ReaderType
    from tests.factories import add_reader, add_title

    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    _, barcodes = add_title(library, "夏洛的网", "怀特")
    checkout(library, CheckoutItem("T0001", barcodes[0]))
    disputed = await say("wx-t", "夏洛的网已经还了怎么还显示借着")
    assert "《夏洛的网》" in disputed and "请找图书室王老师核对" in disputed, disputed
    assert "核对" not in await say("wx-t", "我的借阅")
