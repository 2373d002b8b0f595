"""Delivery through the fake API: once only, re-checked, held in quiet hours, resumed after a crash."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.clock import FixedClock
from core.library import Library
from core.messaging import OutboundMessage, OutboundQueue, Unreachable
from core.models import Loan
from core.notices.preferences import resubscribe, unsubscribe
from core.notices.topics import ALL, DUE_SOON, NEW_BOOKS, OVERDUE
from scheduler.delivery import NoticeDelivery
from scheduler.jobs import Deps, run_due_reminders, run_overdue
from tests.scheduler.conftest import TODAY, School, add_loan, at, close_loan
from tests.scheduler.fake_weixin import FakeWeixin

Fake = tuple[FakeWeixin, str]


def rows(library: Library) -> list[OutboundMessage]:
    with library.session_factory() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


async def test_running_a_job_twice_sends_once(library: Library, school: School, deps: Deps, fake: Fake) -> None:
    api, _ = fake
    add_loan(library, school.student, "夏洛的网", TODAY + timedelta(days=2))
    for _ in range(2):
        await run_due_reminders(deps, at(TODAY))
        assert deps.delivery is not None
        await deps.delivery.drain()
    assert [d.user for d in api.delivered] == ["p-liu", "p-chen"] and len(api.payloads) == 1  # one call, same text
    assert {r.status for r in rows(library)} == {"sent"}
    assert api.payloads[0]["to_parent_userid"] == ["p-liu", "p-chen"] and api.payloads[0]["enable_duplicate_check"] == 1


async def test_no_overdue_notice_for_a_book_returned_before_delivery(library: Library, school: School,
                                                                     deps: Deps, fake: Fake) -> None:
    loan = add_loan(library, school.teacher, "狼王梦", TODAY - timedelta(days=1))
    await run_overdue(deps, at(TODAY))
    close_loan(library, loan)
    report = await deps.delivery.drain()  # type: ignore[union-attr]
    assert report.dropped == 1 and fake[0].delivered == []
    assert rows(library)[0].status == "dropped" and rows(library)[0].last_error == "已归还"


async def test_a_due_soon_notice_is_dropped_after_a_renewal_and_the_new_date_reminded_later(
        library: Library, school: School, deps: Deps, fake: Fake, clock: FixedClock) -> None:
    loan = add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=2))
    await run_due_reminders(deps, at(TODAY))
    with library.uow() as uow:
        uow.session.execute(update(Loan).where(Loan.id == loan).values(due_date=TODAY + timedelta(days=9)))
        uow.commit()
    assert (await deps.delivery.drain()).dropped == 1  # type: ignore[union-attr]
    later = TODAY + timedelta(days=7)
    clock.set(at(later))
    result = await run_due_reminders(deps, at(later))
    await deps.delivery.drain()  # type: ignore[union-attr]
    assert result.written == 1 and fake[0].texts_to("t-zhang") == [
        "您借的《草房子》将于11月27日（周五）到期，可回复“续借”延长一周。"]


async def test_unsubscribed_users_are_marked_and_not_sent(library: Library, school: School, deps: Deps,
                                                          fake: Fake) -> None:
    add_loan(library, school.student, "夏洛的网", TODAY + timedelta(days=2))
    assert unsubscribe(library, "p-chen", DUE_SOON)
    unsubscribe(library, "p-liu", ALL)  # 全部: still gets 催还, not 到期提醒
    await run_due_reminders(deps, at(TODAY))
    report = await deps.delivery.drain()  # type: ignore[union-attr]
    assert report.skipped == 2 and fake[0].delivered == []
    assert {r.last_error for r in rows(library)} == {"用户已退订"}
    assert not resubscribe(library, "p-chen", NEW_BOOKS)  # never stopped
    assert resubscribe(library, "p-chen", DUE_SOON)
    from core.notices.preferences import is_stopped, stopped_topics
    assert not is_stopped(stopped_topics(library, "p-liu"), OVERDUE)


async def test_quiet_hours_hold_messages_until_half_past_seven(library: Library, school: School, deps: Deps,
                                                               fake: Fake, clock: FixedClock) -> None:
    add_loan(library, school.teacher, "小王子", TODAY + timedelta(days=1))
    clock.set(at(TODAY, 20, 59))
    await run_due_reminders(deps, at(TODAY, 20, 59))
    clock.set(at(TODAY, 21, 0))
    assert (await deps.delivery.drain()).sent == 0  # type: ignore[union-attr]
    clock.set(at(TODAY + timedelta(days=1), 7, 29))
    assert (await deps.delivery.drain()).sent == 0  # type: ignore[union-attr]
    clock.set(at(TODAY + timedelta(days=1), 7, 30))
    assert (await deps.delivery.drain()).sent == 1  # type: ignore[union-attr]


async def test_token_expiry_mid_batch_refreshes_once_and_loses_nothing(library: Library, school: School,
                                                                       deps: Deps, fake: Fake) -> None:
    api, _ = fake
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    add_loan(library, school.head, "城南旧事", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    await deps.delivery.run_once(limit=1)  # type: ignore[union-attr]
    api.expire_tokens()
    await deps.delivery.drain()  # type: ignore[union-attr]
    assert sorted(d.user for d in api.delivered) == ["t-li", "t-zhang"]
    assert api.tokens_issued == 2


async def test_a_quota_error_backs_off_then_delivers(library: Library, school: School, deps: Deps, fake: Fake,
                                                     clock: FixedClock) -> None:
    api, _ = fake
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    api.fail_next = [45009]
    report = await deps.delivery.drain()  # type: ignore[union-attr]
    assert report.retried == 1 and api.delivered == []
    row = rows(library)[0]
    assert row.status == "pending" and row.next_attempt_at >= clock() + timedelta(minutes=9)  # type: ignore[operator]
    clock.advance(minutes=5)
    assert (await deps.delivery.drain()).sent == 0  # type: ignore[union-attr]
    clock.advance(minutes=6)
    assert (await deps.delivery.drain()).sent == 1  # type: ignore[union-attr]


async def test_a_refusing_user_is_marked_unreachable_and_reached_on_the_next_channel(
        library: Library, school: School, fake: Fake, clock: FixedClock, http) -> None:  # type: ignore[no-untyped-def]
    from scheduler.channels.build import build_channels
    from scheduler.channels.tokens import SharedTokens
    from tests.scheduler.conftest import push_settings

    api, base = fake
    settings = push_settings(base, staff_channels="wechat_template wecom_app")
    channels = build_channels(settings, http, SharedTokens(library.session_factory, clock), clock)
    deps = Deps(library, settings, clock, channels, NoticeDelivery(library, settings, channels, clock))
    api.refuse["t-zhang"] = 43004  # not following the Official Account
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    report = await deps.delivery.drain()  # type: ignore[union-attr]
    assert report.rerouted == 1
    assert [(d.api, d.user) for d in api.delivered if d.user == "t-zhang"] == [("wecom_app", "t-zhang")]
    with library.session_factory() as session:
        assert session.get(Unreachable, ("wechat_template", "t-zhang")) is not None
    librarian = [d.text for d in api.delivered if d.user == "t-lib"]
    assert librarian and "t-zhang" in librarian[0]  # the librarian is told
    await run_overdue(deps, at(TODAY + timedelta(days=2)))  # next time: straight to the channel that works
    assert rows(library)[-1].channel == "wecom_app"


async def test_an_invalid_parent_in_a_batch_falls_back_while_the_others_are_delivered(
        library: Library, school: School, deps: Deps, fake: Fake) -> None:
    api, _ = fake
    api.invalid_users.add("p-chen")
    add_loan(library, school.student, "夏洛的网", TODAY + timedelta(days=2))
    await run_due_reminders(deps, at(TODAY))
    await deps.delivery.drain()  # type: ignore[union-attr]
    assert ("wecom_school", "p-liu") in [(d.api, d.user) for d in api.delivered]
    assert ("template", "p-chen") in [(d.api, d.user) for d in api.delivered]


class Killed(BaseException):
    """The process dies (kill -9 stands in): nothing after this line runs."""


async def test_a_delivery_killed_between_send_and_mark_resumes_without_a_duplicate(
        library: Library, school: School, deps: Deps, fake: Fake, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    api, _ = fake
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    first = deps.delivery
    assert first is not None

    def die(**_: object) -> None:
        raise Killed

    monkeypatch.setattr(first.queue, "settle", die)
    with pytest.raises(Killed):
        await first.run_once()
    # WeCom drops a repeat itself, so no intent is written for its calls: the row is just claimed.
    assert [d.user for d in api.delivered] == ["t-zhang"] and rows(library)[0].status == "leased"
    restarted = NoticeDelivery(library, deps.settings, deps.channels, clock)
    assert (await restarted.drain()).sent == 0  # still leased: another process's claim is not touched
    assert await restarted.takeover() == 1  # the new leader: its holder is gone, at once
    assert (await restarted.drain()).sent == 1
    assert api.texts_to("t-zhang") == [api.delivered[0].text] and api.duplicates_suppressed == 1
    assert rows(library)[0].status == "sent" and rows(library)[0].attempts == 1


async def test_killed_mid_batch_without_a_duplicate_check_only_the_call_in_flight_is_in_doubt(
        library: Library, school: School, fake: Fake, clock: FixedClock, http,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    from core.messaging import NewMessage
    from scheduler.channels.build import build_channels
    from scheduler.channels.tokens import SharedTokens
    from tests.scheduler.conftest import push_settings

    api, base = fake
    settings = push_settings(base)
    channels = build_channels(settings, http, SharedTokens(library.session_factory, clock), clock)
    first = NoticeDelivery(library, settings, channels, clock)
    OutboundQueue(library.session_factory, clock).enqueue_many(
        [NewMessage(key=f"k{i}", channel="wechat_cs", user_id=f"u{i}", text=f"第{i}条") for i in range(5)])
    settle = first.queue.settle
    calls = 0

    def die_on_third(**kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Killed  # the third call went out; the process dies before recording it
        settle(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(first.queue, "settle", die_on_third)
    with pytest.raises(Killed):
        await first.run_once()
    # (Killed unwinds through the round's cleanup, which gives the untried rows back; a real kill -9 leaves
    # them "leased" for the takeover, as the kill test in test_delivery_kills.py shows.)
    assert [r.status for r in rows(library)] == ["sent", "sent", "sending", "pending", "pending"]
    restarted = NoticeDelivery(library, settings, channels, clock)
    assert await restarted.takeover() == 1
    assert (await restarted.drain()).sent == 3
    assert [d.user for d in api.delivered] == ["u0", "u1", "u2", "u2", "u3", "u4"]  # one repeat: the call in doubt
    assert [r.attempts for r in rows(library)] == [1, 1, 2, 1, 1]


async def test_a_dead_processes_claim_runs_out_after_the_lease_without_a_takeover(
        library: Library, school: School, deps: Deps, fake: Fake, clock: FixedClock) -> None:
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    queue = OutboundQueue(library.session_factory, clock)
    assert [r.status for r in queue.claim_due(["wecom_app"], kinds=["push"])] == ["leased"]  # then "dies"
    assert (await deps.delivery.drain()).sent == 0  # type: ignore[union-attr]
    clock.advance(seconds=16)  # LEASE is 15 s: nobody renewed it
    assert (await deps.delivery.drain()).sent == 1  # type: ignore[union-attr]
    assert rows(library)[0].attempts == 1  # the claim alone was not an attempt


async def test_a_server_dying_mid_batch_loses_nothing_and_sends_nothing_twice(
        library: Library, school: School, deps: Deps, fake: Fake, clock: FixedClock) -> None:
    api, _ = fake
    for title in ("草房子", "城南旧事", "小王子"):
        add_loan(library, school.teacher, title, TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    api.die_after = 1
    report = await deps.delivery.drain()  # type: ignore[union-attr]
    assert report.sent == 0 and report.retried == 3
    api.die_after = None
    clock.advance(seconds=10)
    assert (await deps.delivery.drain()).sent == 3  # type: ignore[union-attr]
    assert len(api.texts_to("t-zhang")) == 3 and len(set(api.texts_to("t-zhang"))) == 3


async def test_a_slow_server_times_out_and_is_retried(library: Library, school: School, deps: Deps, fake: Fake,
                                                      clock: FixedClock) -> None:
    api, _ = fake
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    await deps.delivery.run_once()  # type: ignore[union-attr]  # fetch the token first
    api.slow = 3.0  # the client gives up after 2 s
    report = await deps.delivery.drain()  # type: ignore[union-attr]
    assert report.retried == 0 or "network" in rows(library)[0].last_error
    api.slow = 0
    clock.advance(seconds=10)
    await deps.delivery.drain()  # type: ignore[union-attr]
    assert rows(library)[0].status == "sent" and len(api.texts_to("t-zhang")) == 1
    assert OutboundQueue(library.session_factory, clock).counts() == {"sent": 1}


async def test_a_user_who_writes_again_is_reachable_again(library: Library, school: School, fake: Fake,
                                                          clock: FixedClock, http) -> None:  # type: ignore[no-untyped-def]
    from core.notices.reachability import mark_reachable, refusals
    from scheduler.channels.build import build_channels
    from scheduler.channels.tokens import SharedTokens
    from tests.scheduler.conftest import push_settings

    api, base = fake
    settings = push_settings(base, staff_channels="wechat_cs wecom_app")
    channels = build_channels(settings, http, SharedTokens(library.session_factory, clock), clock)
    deps = Deps(library, settings, clock, channels, NoticeDelivery(library, settings, channels, clock))
    api.refuse["t-zhang"] = 45015  # outside the 48 h window
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    await deps.delivery.drain()  # type: ignore[union-attr]
    assert [(r.channel, r.user_id) for r in refusals(library)] == [("wechat_cs", "t-zhang")]
    assert mark_reachable(library, "t-zhang", "wechat_cs") == 1 and refusals(library) == []


async def test_a_clean_stop_records_the_call_in_flight_and_gives_the_rest_back_untried(
        library: Library, school: School, fake: Fake, clock: FixedClock, http) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from core.messaging import NewMessage
    from scheduler.channels.build import build_channels
    from scheduler.channels.tokens import SharedTokens
    from tests.scheduler.conftest import push_settings

    api, base = fake
    settings = push_settings(base)
    channels = build_channels(settings, http, SharedTokens(library.session_factory, clock), clock)
    delivery = NoticeDelivery(library, settings, channels, clock)
    queue = OutboundQueue(library.session_factory, clock)
    queue.enqueue_many([NewMessage(key=f"k{i}", channel="wechat_cs", user_id=f"u{i}", text=f"第{i}条")
                        for i in range(10)])
    api.slow = 0.3  # each customer-service call takes a while: stop arrives while one is in flight
    running = asyncio.create_task(delivery.drain())
    while not any(path.endswith("/custom/send") for path in api.calls):
        await asyncio.sleep(0.01)
    delivery.stop()
    report = await running
    assert report.sent == 1 and report.released == 9 and len(api.delivered) == 1  # the call in flight finished
    left = [r for r in rows(library) if r.status != "sent"]
    assert {(r.status, r.attempts) for r in left} == {("pending", 0)}  # untried: not counted, not in doubt
    assert all(r.next_attempt_at is not None and r.next_attempt_at <= clock() for r in left)  # due at once
    api.slow = 0
    delivery.resume()
    assert (await delivery.drain()).sent == 9
    assert sorted(d.user for d in api.delivered) == sorted(f"u{i}" for i in range(10))  # each exactly once
