"""Review finding: a genuine callback admitted by the window is later called a replay when its
nonce write is delayed (a locked database), so the message never runs after the holding reply.

bot/replay.py checks the window when the request arrives (`check_window`) and offers the nonce;
core/replay.py `accept_many` checks the window AGAIN when the INSERT finally runs (after up to
WRITE_PATIENCE_SECONDS of retries) and leaves an offer that has drifted out of it unaccepted; the
guard then resolves its verdict False, exactly as for a used nonce. The dispatcher has already sent
"正在为你查询，结果稍后发给你～" and now drops the message ("late admission refused"): nothing follows.
A new nonce that was inside the window on arrival should stay admitted.
"""
from __future__ import annotations

from datetime import timedelta

from bot.replay import ReplayGuard
from core.clock import FixedClock
from core.library import Library
from core.replay import NonceStore

WINDOW = timedelta(seconds=300)


async def test_a_new_nonce_admitted_on_arrival_is_not_refused_because_its_write_was_late(
        library: Library, clock: FixedClock) -> None:
    guard = ReplayGuard(NonceStore(library.session_factory, clock, WINDOW))
    when = guard.check_window(str(int((clock() - WINDOW + timedelta(seconds=2)).timestamp())))  # in the window
    verdict = guard.offer("wechat", "1600000001", when)
    clock.advance(seconds=5)  # the write waited on a locked database (the guard retries for up to 120 s)
    await guard.stop()  # writes what is queued
    assert verdict.result() is True, "a new, in-window nonce was reported as a replay"
