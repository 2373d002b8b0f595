"""The server with its scheduler: demo pushes arrive in the simulator's inbox; CLI run and outbox list."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp.test_utils import TestClient
from click.testing import CliRunner

from bot.app import create_app
from bot.responder import HelpResponder
from cli.main import main
from core.clock import FixedClock
from core.library import Library
from core.settings import Settings
from tests.scheduler.conftest import TODAY, School, add_loan


async def test_demo_server_runs_the_jobs_and_shows_the_push_in_the_simulator(
        library: Library, school: School, clock: FixedClock,
        aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=2))
    settings = Settings(demo=True, jobs={"delivery_interval_seconds": 0.05, "demo_tick_seconds": 60})
    app = create_app(settings, responder=HelpResponder(), clock=clock, library=library, scheduler=True)
    client = await aiohttp_client(app)
    for _ in range(200):
        pushes = await (await client.get("/simulator/api/pushes", params={"user": "t-zhang"})).json()
        if pushes:
            break
        await asyncio.sleep(0.05)
    assert "您借的《草房子》将于11月20日（周五）到期，可回复“续借”延长一周。" in [p["text"] for p in pushes]


def test_jobs_run_dry_run_prints_and_writes_nothing_then_outbox_list_shows_the_rows(
        library: Library, school: School, db_url: str) -> None:
    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    runner = CliRunner()
    dry = runner.invoke(main, ["jobs", "run", "due-reminders", "--db", db_url, "--now", "2026-11-18T10:00",
                               "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "《草房子》将于11月19日（周四）到期" in dry.output and "新写入 0 条" in dry.output
    assert runner.invoke(main, ["outbox", "list", "--json", "--db", db_url]).output == ""
    real = runner.invoke(main, ["jobs", "run", "due-reminders", "--db", db_url, "--now", "2026-11-18T10:00"])
    assert "新写入 1 条" in real.output, real.output
    again = runner.invoke(main, ["jobs", "run", "due-reminders", "--db", db_url, "--now", "2026-11-18T11:00"])
    assert "新写入 0 条" in again.output
    listed = [json.loads(line) for line in
              runner.invoke(main, ["outbox", "list", "--json", "--db", db_url]).output.splitlines()]
    assert [(r["user_id"], r["status"], r["topic"]) for r in listed] == [("t-zhang", "pending", "due_soon")]


def test_add_activity_then_the_job_announces_it(library: Library, school: School, db_url: str) -> None:
    runner = CliRunner()
    added = runner.invoke(main, ["jobs", "add-activity", "--title", "故事会", "--body", "周三午休在图书室讲故事。",
                                 "--starts-on", "2099-06-01", "--class", "三年级2班", "--audience", "parents",
                                 "--db", db_url])
    assert added.exit_code == 0, added.output
    ran = runner.invoke(main, ["jobs", "run", "activities", "--db", db_url, "--now", "2099-07-01T10:00",
                               "--dry-run"])
    assert "0 条通知" in ran.output  # past its start: not announced any more
    ran = runner.invoke(main, ["jobs", "run", "activities", "--db", db_url, "--now", "2099-05-31T10:00",
                               "--dry-run"])
    lines = [line for line in ran.output.splitlines() if "故事会" in line]
    assert sorted(line.split("]")[1].split(":")[0].strip() for line in lines) == ["p-chen", "p-liu", "p-wang"]


def test_jobs_run_deliver_leaves_the_rows_to_a_running_leader(library: Library, school: School, db_url: str,
                                                             clock: FixedClock) -> None:
    from scheduler.lock import LeaderLock

    add_loan(library, school.teacher, "草房子", TODAY + timedelta(days=1))
    leader = LeaderLock(library.engine, clock)  # a server that leads right now
    assert leader.acquire()
    try:
        ran = CliRunner().invoke(main, ["jobs", "run", "due-reminders", "--db", db_url, "--now", "2026-11-18T10:00",
                                        "--deliver"])
    finally:
        leader.release()
    assert ran.exit_code == 0, ran.output
    assert "新写入 1 条" in ran.output and "调度进程正在运行，通知由它发送" in ran.output
    listed = [json.loads(line) for line in
              CliRunner().invoke(main, ["outbox", "list", "--json", "--db", db_url]).output.splitlines()]
    assert [r["status"] for r in listed] == ["pending"]
