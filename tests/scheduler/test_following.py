"""取消关注 through delivery (fake WeChat API): held, never sent or rerouted, nobody told; 关注 again: sent."""
from __future__ import annotations

from datetime import timedelta

import aiohttp
from sqlalchemy import select

from core.clock import FixedClock
from core.library import Library
from core.messaging import OutboundMessage, OutboundQueue
from core.notices import following
from core.notices.following import HELD
from scheduler.channels.build import build_channels
from scheduler.channels.tokens import SharedTokens
from scheduler.delivery import NoticeDelivery
from scheduler.jobs import Deps, run_due_reminders
from scheduler.push_rules import fall_back, screen
from tests.scheduler.conftest import TODAY, School, add_loan, at, push_settings
from tests.scheduler.fake_weixin import FakeWeixin

Fake = tuple[FakeWeixin, str]


def _deps(library: Library, fake: Fake, clock: FixedClock, http: aiohttp.ClientSession, staff: str) -> Deps:
    settings = push_settings(fake[1], staff_channels=staff)
    channels = build_channels(settings, http, SharedTokens(library.session_factory, clock), clock)
    return Deps(library, settings, clock, channels, NoticeDelivery(library, settings, channels, clock))


def _rows(library: Library) -> list[OutboundMessage]:
    with library.session_factory() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


async def test_an_unfollowed_users_push_is_held_then_sent_after_following_again(
        library: Library, school: School, fake: Fake, clock: FixedClock, http: aiohttp.ClientSession) -> None:
    api, _ = fake
    deps = _deps(library, fake, clock, http, "wechat_cs")
    clock.set(at(TODAY))
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    assert following.unfollowed(library, "t-zhang", "wechat") == 1
    assert following.unfollowed(library, "t-zhang", "wechat") == 0  # a retried event changes nothing more
    report = await deps.delivery.drain()  # type: ignore[union-attr]
    assert report.sent == 0 and api.delivered == []  # not sent, and the librarian is not told
    assert [(r.channel, r.status, r.last_error) for r in _rows(library)] == [("wechat_cs", "pending", HELD)]

    assert following.refollowed(library, "t-zhang", "wechat") == (1, 0)
    await deps.delivery.drain()  # type: ignore[union-attr]
    assert [d.user for d in api.delivered] == ["t-zhang"] and "草房子" in api.delivered[0].text


async def test_another_channel_that_still_reaches_the_user_keeps_working(
        library: Library, school: School, fake: Fake, clock: FixedClock, http: aiohttp.ClientSession) -> None:
    api, _ = fake
    deps = _deps(library, fake, clock, http, "wechat_cs wecom_app")
    clock.set(at(TODAY))
    following.unfollowed(library, "t-zhang", "wechat")
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    await deps.delivery.drain()  # type: ignore[union-attr]
    assert [(d.api, d.user) for d in api.delivered] == [("wecom_app", "t-zhang")]


async def test_a_push_claimed_before_the_unfollow_is_held_by_the_screen_and_by_the_fallback(
        library: Library, school: School, fake: Fake, clock: FixedClock, http: aiohttp.ClientSession) -> None:
    deps = _deps(library, fake, clock, http, "wechat_cs")
    clock.set(at(TODAY))
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    add_loan(library, school.head, "三体", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    queue = OutboundQueue(library.session_factory, clock)
    claimed = queue.claim_due(["wechat_cs"], 10, kinds=["push"])
    assert len(claimed) == 2
    following.unfollowed(library, "t-zhang", "wechat")  # while the rows are claimed: not held by the event
    kept, dropped, skipped = screen(library, queue, claimed)
    assert [r.user_id for r in kept] == ["t-li"] and (dropped, skipped) == (0, 0)
    held = [r for r in _rows(library) if r.user_id == "t-zhang"]
    assert [(r.status, r.next_attempt_at, r.last_error) for r in held] == [("pending", None, HELD)]

    # A call already under way when the user left gets 43004: held too, no reroute, no note to the librarian.
    following.unfollowed(library, "t-li", "wechat")
    before = len(_rows(library))
    fall_back(library, queue, deps.settings, set(deps.channels), clock, kept[0], "43004 require subscribe")
    rows = _rows(library)
    assert len(rows) == before  # no "推送无法送达" note queued
    assert [(r.channel, r.status, r.last_error) for r in rows if r.user_id == "t-li"] == [
        ("wechat_cs", "pending", HELD)]


def test_a_wecom_unsubscribe_marks_only_the_wecom_app(library: Library, school: School) -> None:
    from core.messaging import Unreachable

    following.unfollowed(library, "t-zhang", "wecom")
    with library.session_factory() as session:
        marks = {(m.channel, m.reason) for m in session.scalars(select(Unreachable))}
    assert marks == {("wecom_app", following.UNFOLLOWED)}
    assert following.refollowed(library, "t-zhang", "wecom") == (0, 0)
    with library.session_factory() as session:
        assert session.scalars(select(Unreachable)).all() == []
