"""The jobs: plain async functions `run_xxx(deps, now)` that a test, the CLI or APScheduler can call."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.clock import Clock
from core.library import Library
from core.notices.compute import Computed, compute
from core.settings import Settings
from scheduler.channels.base import Channel
from scheduler.delivery import NoticeDelivery

log = logging.getLogger("shuxiang.jobs")


@dataclass
class Deps:
    """What a job needs; built once by the bootstrap, never pickled (jobs get only their name)."""

    library: Library
    settings: Settings
    clock: Clock
    channels: dict[str, Channel] = field(default_factory=dict)
    delivery: NoticeDelivery | None = None
    wake: Callable[[], None] = lambda: None  # poke the delivery loop after writing rows


async def _run(deps: Deps, job: str, now: datetime, *, dry_run: bool = False) -> Computed:
    configured = set(deps.channels) if deps.channels else None
    result = await asyncio.to_thread(compute, deps.library, deps.settings, job, now, configured=configured,
                                     dry_run=dry_run)
    # A round that wrote nothing is routine (the demo runs every job every 20 s): DEBUG, so the log
    # shows the rounds that did something and any error stands out.
    log.log(logging.INFO if result.written else logging.DEBUG, "job %s at %s: %d notices, %d new", job,
            now.isoformat(), result.found, result.written)
    if result.written:
        deps.wake()
    return result


async def run_due_reminders(deps: Deps, now: datetime, *, dry_run: bool = False) -> Computed:
    """到期提醒: loans due within the policy's due_soon_days."""
    return await _run(deps, "due-reminders", now, dry_run=dry_run)


async def run_overdue(deps: Deps, now: datetime, *, dry_run: bool = False) -> Computed:
    """催书: first overdue day, then every 7 days."""
    return await _run(deps, "overdue", now, dry_run=dry_run)


async def run_class_teacher_weekly(deps: Deps, now: datetime, *, dry_run: bool = False) -> Computed:
    """班主任周报 (and counts to class groups)."""
    return await _run(deps, "class-teacher-weekly", now, dry_run=dry_run)


async def run_reservation_ready(deps: Deps, now: datetime, *, dry_run: bool = False) -> Computed:
    """到书通知 with the hold deadline."""
    return await _run(deps, "reservation-ready", now, dry_run=dry_run)


async def run_new_books(deps: Deps, now: datetime, *, dry_run: bool = False) -> Computed:
    """新书推荐 weekly digest to teachers and class groups."""
    return await _run(deps, "new-books", now, dry_run=dry_run)


async def run_activities(deps: Deps, now: datetime, *, dry_run: bool = False) -> Computed:
    """活动通知 to parents and teachers of the chosen grades or classes."""
    return await _run(deps, "activities", now, dry_run=dry_run)


async def run_term_end(deps: Deps, now: datetime, *, dry_run: bool = False) -> Computed:
    """期末还书, from two weeks before the term's last day."""
    return await _run(deps, "term-end", now, dry_run=dry_run)


async def run_class_turns(deps: Deps, now: datetime, *, dry_run: bool = False) -> Computed:
    """借书日提醒: on a class's rota turn day, before the turn, to its class teacher and class group."""
    return await _run(deps, "class-turns", now, dry_run=dry_run)
async def run_class_summary(deps: Deps, now: datetime, *, dry_run: bool = False) -> Computed:
    """班级借阅周报: each class group gets counts, its class teacher also who has not borrowed this term."""
    return await _run(deps, "class-summary", now, dry_run=dry_run)


JOBS: dict[str, Callable[..., Awaitable[Computed]]] = {
    "due-reminders": run_due_reminders,
    "overdue": run_overdue,
    "class-teacher-weekly": run_class_teacher_weekly,
    "reservation-ready": run_reservation_ready,
    "new-books": run_new_books,
    "activities": run_activities,
    "term-end": run_term_end,
    "class-turns": run_class_turns,
    "class-summary": run_class_summary,
}

# cron (minute hour day month day-of-week), school time; [jobs] in the config overrides each.
DEFAULT_CRON: dict[str, str] = {
    "due-reminders": "0 16 * * *",  # after school: parents see it at home, two days ahead
    "overdue": "30 7 * * *",  # the morning of the first overdue day
    "class-teacher-weekly": "0 8 * * mon",
    "reservation-ready": "*/10 7-20 * * *",  # soon after the copy is put on the hold shelf
    "new-books": "0 9 * * fri",
    "activities": "*/30 7-20 * * *",  # picks up activities whose announce time has come
    "term-end": "0 10 * * *",  # daily; each reader is written once per term
    "class-turns": "*/20 7-13 * * *",  # turn days: once per class and day, before the turn begins
    "class-summary": "0 15 * * fri",  # after the week's last lessons; once per class per week
}
