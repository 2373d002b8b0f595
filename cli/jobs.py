"""`shuxiang jobs run NAME [--now] [--dry-run] [--deliver]`, `shuxiang jobs list`, `shuxiang outbox list`."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from core.clock import SCHOOL_TZ, FixedClock, system_clock
from core.settings import SettingsError
from scheduler.jobs import DEFAULT_CRON, JOBS

if TYPE_CHECKING:
    from core.library import Library
    from core.notices.compute import Computed
    from core.settings import Settings
    from scheduler.delivery import Report

DB_HELP = "SQLAlchemy URL or SQLite file; overrides [database] url."


def _parse_now(value: str | None) -> datetime:
    if not value:
        return system_clock()
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 time: {value}") from None
    return (now.replace(tzinfo=SCHOOL_TZ) if now.tzinfo is None else now).astimezone(UTC)  # naive = school time


@click.group()
def jobs() -> None:
    """Scheduled notices (到期提醒, 催书, 班主任周报, 到书通知, 新书推荐, 活动通知, 期末还书)."""


@jobs.command("list")
def list_jobs() -> None:
    """Each job and its default time (cron, school time)."""
    for name, cron in DEFAULT_CRON.items():
        click.echo(f"{name:22} {cron:20} {(JOBS[name].__doc__ or '').strip()}")


@jobs.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@click.option("--now", "now_text", default=None, help="Run as if it were this time (ISO 8601; naive = school time).")
@click.option("--dry-run", is_flag=True, help="Print the notices; write nothing.")
@click.option("--deliver", is_flag=True, help="Also deliver what is due through the configured channels.")
@click.option("--db", "db", default=None, envvar="SHUXIANG_DATABASE_URL", help=DB_HELP)
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False), default=None,
              envvar="SHUXIANG_CONFIG", help="A config.toml.")
@click.option("--demo", is_flag=True, help="The demo database and console channel.")
def run(name: str, now_text: str | None, dry_run: bool, deliver: bool, db: str | None, config: str | None,
        demo: bool) -> None:
    """Run one job by hand: compute its notices into the outbox (idempotent: a rerun writes nothing new)."""
    from bot.bootstrap import build_settings, open_library

    now = _parse_now(now_text)
    try:
        settings = build_settings(config, demo=demo, db=db)
        library = open_library(settings, FixedClock(now))
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        result, report = asyncio.run(_run(library, settings, name, now, dry_run=dry_run, deliver=deliver))
    finally:
        library.close()
    if dry_run:
        for m in result.messages:
            click.echo(f"[{m.channel}] {m.user_id}: {m.text}")
    click.echo(f"{name}: {result.found} 条通知，新写入 {result.written} 条" + ("（试运行，未写入）" if dry_run else ""))
    if report is not None:
        click.echo(f"投递：成功 {report.sent}，重试 {report.retried}，失败 {report.failed}，"
                   f"作废 {report.dropped}，跳过 {report.skipped}，改道 {report.rerouted}，暂缓 {report.held}")


async def _run(library: Library, settings: Settings, name: str, now: datetime, *, dry_run: bool,
               deliver: bool) -> tuple[Computed, Report | None]:
    import aiohttp

    from scheduler.channels.build import build_channels
    from scheduler.channels.tokens import SharedTokens
    from scheduler.delivery import NoticeDelivery
    from scheduler.jobs import Deps
    from scheduler.lock import LeaderLock

    clock = FixedClock(now)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        channels = build_channels(settings, session, SharedTokens(library.session_factory, clock), clock)
        deps = Deps(library, settings, clock, channels)
        result = await JOBS[name](deps, now, dry_run=dry_run)
        report = None
        if deliver and not dry_run:
            # Only the leader delivers notices (a new leader takes over every claim it finds): a server
            # that leads now will send these rows itself.
            lock = LeaderLock(library.engine, clock)
            if await asyncio.to_thread(lock.acquire):
                try:
                    report = await NoticeDelivery(library, settings, channels, clock).drain()
                finally:
                    await asyncio.to_thread(lock.release)
            else:
                click.echo("调度进程正在运行，通知由它发送（本次只写入，不另外发送）。")
    return result, report


@jobs.command("add-activity")
@click.option("--title", required=True, help="e.g. 亲子共读周")
@click.option("--body", required=True, help="One or two sentences: what, where, what to bring.")
@click.option("--starts-on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD")
@click.option("--place", default="", help="Where, e.g. 图书室 (shown in the push beside the date).")
@click.option("--grade", "grades", multiple=True, type=click.IntRange(1, 9), help="Repeatable; none = all.")
@click.option("--class", "classes", multiple=True, help="Class name, repeatable, e.g. 三年级2班.")
@click.option("--audience", type=click.Choice(["parents", "teachers", "both"]), default="both", show_default=True)
@click.option("--db", "db", default=None, envvar="SHUXIANG_DATABASE_URL", help=DB_HELP)
@click.option("--demo", is_flag=True, help="The demo database.")
def add_activity_command(title: str, body: str, starts_on: datetime, place: str, grades: tuple[int, ...],
                         classes: tuple[str, ...], audience: str, db: str | None, demo: bool) -> None:
    """Record an activity; the `activities` job announces it to the chosen grades/classes."""
    from bot.bootstrap import build_settings
    from core.library import Library
    from core.notices.activities import add_activity

    settings = build_settings(None, demo=demo, db=db)
    library = Library.open(settings.database.url, clock=system_clock)
    try:
        who = {"parents", "teachers"} if audience == "both" else {audience}
        activity_id = add_activity(library, title=title, body=body, starts_on=starts_on.date(), grades=list(grades),
                                   classes=list(classes), audience=who, place=place)
    finally:
        library.close()
    click.echo(f"活动已登记（编号 {activity_id}），下一次 activities 任务会发出通知。")


@click.group()
def outbox() -> None:
    """The outbox: every notice and late answer, with its status."""


@outbox.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--status", default=None, help="pending, leased, sending, sent, failed, dropped or skipped.")
@click.option("--limit", default=50, show_default=True)
@click.option("--db", "db", default=None, envvar="SHUXIANG_DATABASE_URL", help=DB_HELP)
@click.option("--demo", is_flag=True, help="The demo database.")
def list_outbox(as_json: bool, status: str | None, limit: int, db: str | None, demo: bool) -> None:
    """The newest rows first."""
    from bot.bootstrap import build_settings
    from core.library import Library
    from core.messaging import OutboundQueue

    settings = build_settings(None, demo=demo, db=db)
    library = Library.open(settings.database.url, clock=system_clock)
    try:
        queue = OutboundQueue(library.session_factory, system_clock)
        rows = queue.listing(limit=limit, status=status)
        counts = queue.counts()
    finally:
        library.close()
    for r in rows:
        item = {"id": r.id, "key": r.key, "status": r.status, "channel": r.channel, "user_id": r.user_id,
                "topic": r.topic, "attempts": r.attempts, "next_attempt_at": _iso(r.next_attempt_at),
                "sent_at": _iso(r.sent_at), "last_error": r.last_error, "batch": r.batch, "text": r.text}
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False))
        else:
            click.echo(f"{r.id:6} {r.status:8} {r.channel:15} {r.user_id:20} {r.topic:18} "
                       f"try {r.attempts} {r.last_error[:30]:30} {r.text[:40]}")
    if not as_json:
        click.echo("合计：" + "，".join(f"{k} {v}" for k, v in sorted(counts.items())))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
