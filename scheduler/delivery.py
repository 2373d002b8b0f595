"""The one delivery path for the outbox: late answers and pushes, one API call at a time, recorded per call.

Every row kind has its rules (`KindRules`): a late answer ("reply") goes out at once on the channel the
question came from; a push (notice) waits for quiet hours to end, is re-checked, honours 退订 and falls
back to the next channel. The guarantees are the same for both and live only here:

- a row is claimed into a batch ("leased", nothing sent yet), then each API call is preceded by its
  recorded intent (`begin`: "sending") and followed by its outcome (`settle`) before the next call, so a
  process killed at any point leaves at most the one call in flight *in doubt*;
- a claimed batch keeps its lease by a heartbeat; a clean stop (`stop()`) lets the call in flight
  finish and be recorded, then gives the untried rest back at once (`release_unsent`);
- calls on channels without a duplicate check (Official Account, group robots) are serialised, so at
  most one such call is ever in flight; WeCom channels (server-side duplicate check) run alongside;
- `takeover()` (a new leader) frees the claims its dead predecessor left on leader-only kinds at once.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from core.clock import Clock
from core.library import Library
from core.messaging import LEASE, Failure, Hold, Outbound, OutboundQueue
from core.notices.quiet import QuietHours
from core.notices.routing import UNROUTED
from core.settings import Settings
from scheduler.channels.base import Channel, Outcome, Push
from scheduler.push_rules import fall_back, screen

log = logging.getLogger("shuxiang.notices")


@dataclass(frozen=True)
class KindRules:
    """How rows of one `kind` are delivered."""

    kind: str
    quiet_hours: bool  # hold during quiet hours and on closed days
    screen: bool  # re-check the notice, honour 退订, skip rows no channel reaches
    fall_back: bool  # unreachable user: next channel (else: give up, the error kept)
    single_deliverer: bool  # only the scheduler leader sends these: a new leader may reclaim their claims
    lease: timedelta = LEASE  # a claim not renewed (heartbeat every third) for this long is free again
    batch: int | None = None  # rows claimed per round (None: [notices] batch_size)


# Late answers: every process delivers them, so nobody may take a live process's claim; a short lease
# (renewed by the heartbeat while the process works) frees a dead one's within seconds instead.
REPLY = KindRules("reply", quiet_hours=False, screen=False, fall_back=False, single_deliverer=False,
                  lease=timedelta(seconds=6), batch=20)
PUSH = KindRules("push", quiet_hours=True, screen=True, fall_back=True, single_deliverer=True)


@dataclass
class Report:
    """What one delivery round did (counts of rows)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0  # no longer true (returned, renewed, picked up)
    skipped: int = 0  # 退订 or no channel
    rerouted: int = 0
    held: int = 0  # quiet hours, pacing
    released: int = 0  # claimed but given back untried (a clean stop)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, other: Report) -> None:
        for name in ("sent", "retried", "failed", "dropped", "skipped", "rerouted", "held", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def moved(self) -> int:
        """Rows that reached a new state (zero: nothing left to do now)."""
        return self.sent + self.retried + self.failed + self.dropped + self.skipped + self.rerouted


class Delivery:
    """Delivers outbox rows of the given kinds through `channels` (name → Channel); see the module doc.

    `run_once()` does one round per kind; `stop()` asks a running round to end after the call in
    flight. One instance per loop: the server's late-answer pump (REPLY, every process) and the
    scheduler leader's notice loop (PUSH).
    """

    def __init__(self, library: Library, settings: Settings, channels: dict[str, Channel], clock: Clock, *,
                 rules: tuple[KindRules, ...] = (PUSH,)) -> None:
        self.library = library
        self.settings = settings
        self.channels = channels
        self.clock = clock
        self.rules = rules
        self.queue = OutboundQueue(library.session_factory, clock)
        n = settings.notices
        self.quiet = QuietHours.parse(n.quiet_start, n.quiet_end)
        self._stopping = False

    # -- stop and takeover -------------------------------------------------------------------------

    def stop(self) -> None:
        """Claim nothing more; a running round finishes its call in flight and gives the rest back."""
        self._stopping = True

    def resume(self) -> None:
        """Undo `stop()` (a last flush after the loop ended)."""
        self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def takeover(self) -> int:
        """This process just became the leader: free every claim on leader-only kinds (its holder is gone)."""
        kinds = [r.kind for r in self.rules if r.single_deliverer]
        if not kinds:
            return 0
        freed = await asyncio.to_thread(self.queue.reclaim, kinds)
        if freed:
            log.warning("took over %d claimed rows from a previous leader", freed)
        return freed

    # -- rounds ----------------------------------------------------------------------------------------

    async def run_once(self, limit: int | None = None) -> Report:
        """One round per kind: claim due rows, deliver them one call at a time; returns what happened."""
        report = Report()
        for rules in self.rules:
            if self._stopping:
                break
            await self._round(rules, limit or rules.batch or self.settings.notices.batch_size, report)
        return report

    async def drain(self, *, max_rounds: int = 1000) -> Report:
        """Rounds until nothing is due now or a stop is asked (tests, `jobs run --deliver`, the loops)."""
        total = Report()
        for _ in range(max_rounds):
            report = await self.run_once()
            total.add(report)
            if report.moved == 0 or self._stopping:
                break
        return total

    def _allowed_now(self) -> timedelta | None:
        """None when pushes may go now, else how long until they may."""
        with self.library.uow() as uow:
            calendar = self.library.calendar(uow.session)
        now = self.clock()
        at = self.quiet.next_allowed(now, calendar)
        return None if at == now else at - now

    async def _round(self, rules: KindRules, limit: int, report: Report) -> None:
        if rules.quiet_hours and await asyncio.to_thread(self._allowed_now) is not None:
            return  # quiet hours / closed day: the rows stay due and go at the next allowed time
        names = sorted(self.channels) + ([UNROUTED] if rules.screen else [])
        rows = await asyncio.to_thread(self.queue.claim_due, names, limit, kinds=[rules.kind], lease=rules.lease)
        if not rows:
            return
        claimed = [r.id for r in rows]
        begun: set[int] = set()  # rows a call carried (or is carrying): never given back untried
        heartbeat = asyncio.create_task(self._heartbeat(claimed, rules.lease))
        try:
            if rules.screen:
                rows, dropped, skipped = await asyncio.to_thread(screen, self.library, self.queue, rows)
                report.dropped += dropped
                report.skipped += skipped
            by_channel: dict[str, list[Outbound]] = defaultdict(list)
            for row in rows:
                by_channel[row.channel].append(row)
            serial = _serial_lock()  # one call at a time on channels without a duplicate check, per process
            # Every channel's task ends before the untried rows are given back (no call may start after).
            results = await asyncio.gather(*(self._deliver(rules, self.channels[name], batch, report, begun, serial)
                                             for name, batch in by_channel.items()), return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            untried = [i for i in claimed if i not in begun]
            if untried:  # screened rows are closed already; release touches only claimed ones
                report.released += await asyncio.to_thread(self.queue.release_unsent, untried)

    async def _heartbeat(self, ids: list[int], lease: timedelta) -> None:
        """Keep the batch's lease while this process works on it (a dead process's lease runs out)."""
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            try:
                await asyncio.to_thread(self.queue.renew, ids, lease)
            except Exception:  # a missed beat only shortens the lease; the next one may work
                log.exception("lease renewal failed")

    async def _deliver(self, rules: KindRules, channel: Channel, rows: list[Outbound], report: Report,
                       begun: set[int], serial: asyncio.Lock) -> None:
        by_id = {r.id: r for r in rows}
        for row in rows:
            if row.in_doubt and not channel.dedupes:
                # Its last claimer died mid-call on a channel without a duplicate check: resend (a
                # repeated reminder beats a lost one), and say so.
                log.warning("resending in-doubt row id=%s on %s", row.id, channel.name)
        for call in channel.calls([Push(r.id, r.user_id, r.text, r.title) for r in rows]):
            if self._stopping:
                return
            async with contextlib.nullcontext() if channel.dedupes else serial:
                if self._stopping:
                    return
                ids = [p.id for p in call]
                # The intent ("sending") matters where a repeat would reach the user; with WeCom's duplicate
                # check a repeat is dropped, so the write is saved (the row stays "leased" during the call).
                if not channel.dedupes:
                    await asyncio.to_thread(self.queue.begin, ids, rules.lease)
                begun.update(ids)
                outcomes = await self._send(channel, call)
                await asyncio.to_thread(self._settle, rules, channel, [(by_id[p.id], o) for p, o in
                                                                      zip(call, outcomes, strict=True)], report)

    async def _send(self, channel: Channel, pushes: list[Push]) -> list[Outcome]:
        try:
            return await channel.send(pushes)
        except Exception as exc:  # a channel bug must not stop the loop or lose the rows
            log.exception("channel %s crashed", channel.name)
            return [Outcome(False, repr(exc)[:200], retry=True) for _ in pushes]

    def _settle(self, rules: KindRules, channel: Channel, outcomes: list[tuple[Outbound, Outcome]],
                report: Report) -> None:
        """Record one call's outcomes (one transaction), then move unreachable pushes to their next channel."""
        sent: list[int] = []
        failed: list[Failure] = []
        held: list[Hold] = []
        unreachable: list[tuple[Outbound, str]] = []
        for row, outcome in outcomes:
            if outcome.ok:
                sent.append(row.id)
                continue
            if outcome.hold:
                held.append(Hold(row.id, self.clock() + (outcome.delay or timedelta(minutes=1)), outcome.error))
                report.held += 1
            elif outcome.unreachable and rules.fall_back:
                unreachable.append((row, outcome.error))
                report.rerouted += 1
            else:
                retry = outcome.retry and not outcome.unreachable
                failed.append(Failure(row.id, outcome.error, retry=retry, delay=outcome.delay))
                if retry:
                    report.retried += 1
                else:
                    report.failed += 1
            key = outcome.error.split(":")[0]
            report.errors[key] = report.errors.get(key, 0) + 1
        self.queue.settle(sent=sent, failed=failed, held=held, begun=not channel.dedupes)
        report.sent += len(sent)
        for row, error in unreachable:
            fall_back(self.library, self.queue, self.settings, set(self.channels), self.clock, row, error)


_SERIAL: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def _serial_lock() -> asyncio.Lock:
    """The process's one lock for calls without a duplicate check, shared by the late-answer pump and the
    notice loop: a kill leaves at most one such call in doubt, whichever loop made it."""
    loop = asyncio.get_running_loop()
    lock = _SERIAL.get(loop)
    if lock is None:
        for old in [k for k in _SERIAL if k.is_closed()]:
            del _SERIAL[old]
        lock = _SERIAL[loop] = asyncio.Lock()
    return lock


NoticeDelivery = Delivery
"""The notices' delivery (PUSH rows): the name the jobs, the CLI and the benchmarks use."""
