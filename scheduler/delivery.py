"""Deliver due notices from the outbox: re-check, honour 退订 and quiet hours, send, mark, fall back."""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import Clock
from core.library import Library
from core.logtags import tag
from core.messaging import DROPPED, SKIPPED, NewMessage, Outbound, OutboundQueue, Unreachable, Unsubscribed
from core.notices import texts
from core.notices.preferences import is_stopped
from core.notices.quiet import QuietHours
from core.notices.recheck import still_holds
from core.notices.recipients import Directory
from core.notices.routing import STAFF, UNROUTED, Router
from core.settings import Settings
from scheduler.channels.base import Channel, Outcome, Push

log = logging.getLogger("shuxiang.notices")


@dataclass
class Report:
    """What one delivery round did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0  # no longer true (returned, renewed, picked up)
    skipped: int = 0  # 退订 or no channel
    rerouted: int = 0
    held: int = 0  # quiet hours, pacing
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, other: Report) -> None:
        for name in ("sent", "retried", "failed", "dropped", "skipped", "rerouted", "held"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class NoticeDelivery:
    """One delivery loop per leader; the outbox leases make a second one harmless, only wasteful."""

    library: Library
    settings: Settings
    channels: dict[str, Channel]
    clock: Clock

    def __post_init__(self) -> None:
        self.queue = OutboundQueue(self.library.session_factory, self.clock)
        n = self.settings.notices
        self.quiet = QuietHours.parse(n.quiet_start, n.quiet_end)

    def _allowed_now(self) -> timedelta | None:
        """None when pushes may go now, else how long until they may."""
        with self.library.uow() as uow:
            calendar = self.library.calendar(uow.session)
        now = self.clock()
        at = self.quiet.next_allowed(now, calendar)
        return None if at == now else at - now

    async def run_once(self, limit: int | None = None) -> Report:
        """Claim a batch of due pushes and deliver them; returns what happened."""
        report = Report()
        if await asyncio.to_thread(self._allowed_now) is not None:
            return report  # quiet hours / closed day: the rows stay due and go at the next allowed time
        names = sorted(self.channels) + [UNROUTED]
        rows = await asyncio.to_thread(self.queue.claim_due, names, limit or self.settings.notices.batch_size,
                                       kinds=["push"])
        if not rows:
            return report
        sendable = await asyncio.to_thread(self._screen, rows, report)
        by_channel: dict[str, list[Outbound]] = defaultdict(list)
        for row in sendable:
            by_channel[row.channel].append(row)
        results = await asyncio.gather(*(self._send(name, batch) for name, batch in by_channel.items()))
        for outcomes in results:
            await asyncio.to_thread(self._record, outcomes, report)
        return report

    async def drain(self, *, max_rounds: int = 1000) -> Report:
        """Rounds until nothing is due now (tests, `jobs run --deliver`)."""
        total = Report()
        for _ in range(max_rounds):
            report = await self.run_once()
            total.add(report)
            if report.sent + report.retried + report.failed + report.dropped + report.skipped + report.rerouted == 0:
                break
        return total

    def _screen(self, rows: list[Outbound], report: Report) -> list[Outbound]:
        """Drop notices that no longer hold, skip stopped topics and unrouted rows; the rest go out."""
        keep: list[Outbound] = []
        users = {r.user_id for r in rows}
        with self.library.uow() as uow:
            stopped: dict[str, set[str]] = defaultdict(set)
            for user, topic in uow.session.execute(select(Unsubscribed.user_id, Unsubscribed.topic)
                                                   .where(Unsubscribed.user_id.in_(users))):
                stopped[user].add(topic)
            verdicts = [(row, still_holds(uow.session, row.ref)) for row in rows]
        for row, reason in verdicts:
            if reason is not None:
                self.queue.close(row.id, DROPPED, reason)
                report.dropped += 1
            elif row.topic and is_stopped(stopped[row.user_id], row.topic):
                self.queue.close(row.id, SKIPPED, "用户已退订")
                report.skipped += 1
            elif row.channel == UNROUTED:
                self.queue.close(row.id, SKIPPED, "没有可用的推送渠道")
                report.skipped += 1
            else:
                if row.in_doubt and not self.channels[row.channel].dedupes:
                    # Died mid-send last time on a channel without a duplicate check: resend (a repeated
                    # reminder beats a lost one), and say so in the log.
                    log.warning("resending in-doubt push id=%s on %s", row.id, row.channel)
                keep.append(row)
        return keep

    async def _send(self, name: str, rows: list[Outbound]) -> list[tuple[Outbound, Outcome]]:
        pushes = [Push(r.id, r.user_id, r.text, r.title) for r in rows]
        try:
            outcomes = await self.channels[name].send(pushes)
        except Exception as exc:  # a channel bug must not stop the loop or lose the rows
            log.exception("channel %s crashed", name)
            outcomes = [Outcome(False, repr(exc)[:200], retry=True) for _ in pushes]
        return list(zip(rows, outcomes, strict=True))

    def _record(self, outcomes: list[tuple[Outbound, Outcome]], report: Report) -> None:
        sent = [row.id for row, outcome in outcomes if outcome.ok]
        if len(sent) == 1:
            self.queue.mark_sent(sent[0])
        else:
            self.queue.mark_sent_many(sent)
        report.sent += len(sent)
        for row, outcome in outcomes:
            if outcome.ok:
                continue
            if outcome.hold:
                self.queue.release(row.id, self.clock() + (outcome.delay or timedelta(minutes=1)), outcome.error)
                report.held += 1
            elif outcome.unreachable:
                self._fall_back(row, outcome.error)
                report.rerouted += 1
            else:
                self.queue.mark_failed(row.id, outcome.error, retry=outcome.retry, delay=outcome.delay)
                if outcome.retry:
                    report.retried += 1
                else:
                    report.failed += 1
            key = outcome.error.split(":")[0]
            report.errors[key] = report.errors.get(key, 0) + 1

    def _fall_back(self, row: Outbound, reason: str) -> None:
        """Mark the user unreachable on this channel, move the row to the next one, tell the librarian."""
        now = self.clock()
        with self.library.uow() as uow:
            ins = pg_insert if uow.session.bind.dialect.name == "postgresql" else sqlite_insert  # type: ignore[union-attr]
            uow.session.execute(ins(Unreachable).values(channel=row.channel, user_id=row.user_id,
                                                        reason=reason[:120], since=now).on_conflict_do_nothing())
            router = Router.load(uow.session, self.settings, set(self.channels))
            librarians = Directory.load(uow.session).librarians
            uow.commit()
        nxt = router.channel_for(row.user_id, row.audience or STAFF, after=row.channel)
        if nxt == UNROUTED:
            self.queue.mark_failed(row.id, f"{row.channel} 无法送达：{reason}", retry=False)
        else:
            self.queue.reroute(row.id, nxt, f"{row.channel} 无法送达：{reason}")
        notes = [NewMessage(key=f"unreachable:{row.channel}:{row.user_id}:{lib}", user_id=lib, audience=STAFF,
                            channel=router.channel_for(lib, STAFF), text=texts.unreachable(row.user_id, row.channel,
                                                                                          reason),
                            title="推送无法送达", topic="librarian")
                 for lib in librarians if lib != row.user_id]
        self.queue.enqueue_many(notes, batch="unreachable")
        log.warning("user#%s unreachable on %s (%s): %s", tag(row.user_id), row.channel, reason, nxt)
