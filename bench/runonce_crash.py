"""Renewals lost (or run twice) when the server is killed with SIGKILL mid-request, then WeChat retries.

Run: .venv/bin/python bench/runonce_crash.py [--renewals 200] [--batch 20] [--seed 1] [--pg ADMIN_URL]
(~2 minutes; loopback only; --pg creates two databases next to ADMIN_URL and drops them after).

Set-up: a database with a term and N teachers, each bound to an openid with one open loan that the
policy lets them renew up to 10 times (so a renewal run twice shows as two `renewals` rows instead
of being refused). Each round starts a real server process (the handlers' router, as `shuxiang
serve` runs it), sends a batch of signed plaintext "续借" messages at once, and kills the process
with SIGKILL after a random 0–300 ms: requests are then anywhere between arrival, claim, renewal
COMMIT and answer. A fresh server process with its clock 30 s later (past any lease) then gets
WeChat's retries: each message twice more with the same MsgId. Counted per loan afterwards:
never renewed, renewed twice or more, and users who got no answer (no reply text but the holding
text or `success`, and no pushed answer in the outbox).

Baseline in the same run, same seed, same kill times: the same code with leases that never run
out, i.e. no takeover, which is how run-once keys behaved before (a pending key stayed pending).
"""
# ruff: noqa: E402  (the path fix below must run before the project's imports)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the stdlib's `http` (aiohttp needs it): drop this folder from the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text

BASE_NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # a Wednesday in the factories' autumn term
TOKEN = "bench-token"
RENEWALS_ALLOWED = 10
KILL_POINTS = ("not claimed", "claimed", "committed", "answered")  # where each message was at SIGKILL


# ---------------------------------------------------------------- server process
def serve(url: str, port: int, shift: float, no_takeover: bool) -> None:
    """One server process: the real app and router on `url`, its clock fixed at BASE_NOW + shift."""
    from aiohttp import web

    import core.messaging
    from bot.app import create_app
    from bot.router import build_router
    from core.clock import FixedClock
    from core.library import Library
    from core.models import ItemType, ReaderType
    from core.policy import DEFAULT_RULES, LoanRule, Policy
    from core.settings import ServerSettings, Settings, WeChatSettings

    if no_takeover:  # the baseline: a claim is never given up, as before leases existed
        defaults = core.messaging.IdempotencyStore.__init__.__kwdefaults__
        assert defaults is not None
        defaults["lease"] = timedelta(days=3650)
    rules = dict(DEFAULT_RULES)
    rules[(ReaderType.TEACHER, ItemType.GENERAL)] = LoanRule(loan_days=7, max_items=2, renewals=RENEWALS_ALLOWED)
    clock = FixedClock(BASE_NOW + timedelta(seconds=shift))
    library = Library.open(url, clock=clock, policy=Policy(rules=rules), migrate=False)
    router = build_router(library)
    handle = router.handle

    def slower(message: Any) -> str:  # widen the window between claim and COMMIT a little
        time.sleep(random.uniform(0, 0.05))
        return handle(message)
    router.handle = slower  # type: ignore[method-assign]
    settings = Settings(server=ServerSettings(reply_deadline_seconds=4.0), wechat=WeChatSettings(token=TOKEN))
    app = create_app(settings, responder=router, clock=clock, library=library)
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=True)


# ---------------------------------------------------------------- set-up
def seed(url: str, n: int) -> None:
    from core import accounts
    from core.circulation import CheckoutItem, checkout
    from core.clock import FixedClock
    from core.library import Library
    from tests.factories import add_reader, add_term, add_title

    library = Library.open(url, clock=FixedClock(BASE_NOW))
    add_term(library)
    for i in range(n):
        card = f"T{i:04d}"
        add_reader(library, f"老师{i}", card_no=card)
        _, copies = add_title(library, f"书目{i}", f"作者{i}")
        checkout(library, CheckoutItem(card, copies[0]))
        accounts.bind(library, openid(i), card, f"老师{i}", accounts.issue_code(library, card))
    library.close()


def openid(i: int) -> str:
    return f"wx-bench-{i:04d}"


# ---------------------------------------------------------------- driver
@dataclass
class Result:
    never: int = 0
    twice: int = 0
    unanswered: int = 0
    killed_rounds: int = 0
    at_kill: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KILL_POINTS, 0))
    answers: dict[int, list[str]] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(url: str, shift: float, no_takeover: bool) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    cmd = [sys.executable, __file__, "--serve", url, "--port", str(port), "--shift", str(shift)]
    if no_takeover:
        cmd.append("--no-takeover")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = os.environ.get("BENCH_SERVER_LOG")  # where the servers' own output goes (default: nowhere)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(log, "ab") if log else subprocess.DEVNULL)  # noqa: SIM115
    return proc, port


async def wait_ready(session: aiohttp.ClientSession, port: int) -> None:
    for _ in range(2400):  # 2 minutes: a start-up on a loaded 2-core machine can take half a minute
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("server did not start")


def signed_query(at: float) -> dict[str, str]:
    # `at`: the server's clock (callbacks more than [server] callback_window_seconds off are refused).
    timestamp, nonce = str(int(at)), str(random.randrange(10**9))
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


async def send(session: aiohttp.ClientSession, port: int, i: int, msg_id: int, shift: float) -> str | None:
    body = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid(i)}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[续借]]></Content><MsgId>{msg_id}</MsgId></xml>")
    try:
        async with session.post(f"http://127.0.0.1:{port}/wechat", params=signed_query(BASE_NOW.timestamp() + shift),
                                data=body.encode()) as resp:
            raw = await resp.text()
            if resp.status != 200:
                return f"HTTP {resp.status}"
    except (TimeoutError, aiohttp.ClientError):
        return None  # the server died under it
    found = re.search(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", raw, re.S)
    return found.group(1) if found else ""


async def run(url: str, users: int, batch: int, kill_after: list[float], no_takeover: bool) -> Result:
    result = Result()
    timeout = aiohttp.ClientTimeout(total=20)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for round_no, first in enumerate(range(0, users, batch)):
            group = list(range(first, min(users, first + batch)))
            shift = round_no * 60.0
            proc, port = start(url, shift, no_takeover)
            await wait_ready(session, port)
            sends = [asyncio.create_task(send(session, port, i, 700000 + i, shift)) for i in group]
            await asyncio.sleep(kill_after[round_no])
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if any(not s.done() for s in sends):
                result.killed_rounds += 1
            where_killed(url, [700000 + i for i in group], result)
            for i, answer in zip(group, await asyncio.gather(*sends), strict=True):
                result.answers[i] = [answer or ""]
            proc, port = start(url, shift + 30.0, no_takeover)  # past any lease of the dead process
            await wait_ready(session, port)
            for _ in range(2):  # WeChat's retries: the same MsgId again
                retries = await asyncio.gather(*(send(session, port, i, 700000 + i, shift + 30.0) for i in group))
                for i, answer in zip(group, retries, strict=True):
                    result.answers[i].append(answer or "")
            await asyncio.sleep(0.5)  # late answers reach the outbox
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    count(url, users, result)
    return result


def where_killed(url: str, msg_ids: list[int], result: Result) -> None:
    """Each message's state when the process died, from its run-once key."""
    engine = create_engine(url)
    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT key, result FROM idempotency_keys")).all())
    engine.dispose()
    for msg_id in msg_ids:
        key = f"wechat:m:{msg_id}"
        if key not in states:
            point = "not claimed"
        elif states[key] is None:
            point = "claimed"
        elif '"done"' in states[key]:
            point = "answered"
        else:
            point = "committed"
        result.at_kill[point] += 1


def count(url: str, users: int, result: Result) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text(
            "SELECT loans.id, (SELECT count(*) FROM renewals WHERE renewals.loan_id = loans.id) FROM loans")).all())
        pushed = {r[0] for r in conn.execute(text("SELECT user_id FROM outbound_messages WHERE kind = 'reply'"))}
    engine.dispose()
    result.never = sum(1 for n in rows.values() if n == 0)
    result.twice = sum(1 for n in rows.values() if n >= 2)
    holding = "正在为你查询"
    for i in range(users):
        got = [a for a in result.answers.get(i, []) if a and not a.startswith(holding) and not a.startswith("HTTP")]
        if not got and openid(i) not in pushed:
            result.unanswered += 1


def fresh_copy(template: Path, workdir: Path, name: str) -> str:
    path = workdir / name
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renewals", type=int, default=200)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    parser.add_argument("--shift", type=float, default=0.0)
    parser.add_argument("--no-takeover", action="store_true")
    parser.add_argument("--pg", help="run on PostgreSQL: an admin URL, e.g. postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.shift, args.no_takeover)
        return
    rng = random.Random(args.seed)
    rounds = (args.renewals + args.batch - 1) // args.batch
    kill_after = [rng.uniform(0.0, 0.3) for _ in range(rounds)]
    with tempfile.TemporaryDirectory() as tmp:
        databases = pg_databases(args.pg, args.renewals) if args.pg else sqlite_databases(Path(tmp), args.renewals)
        print(f"{args.renewals} renewals in {rounds} rounds of {args.batch}, SIGKILL after 0–300 ms, "
              f"then 2 retries each to a fresh process ({'PostgreSQL' if args.pg else 'SQLite'})")
        try:
            for (label, no_takeover), url in zip((("before (no takeover)", True), ("after (leases)", False)),
                                                 databases, strict=True):
                random.seed(args.seed)
                started = time.perf_counter()
                result = asyncio.run(run(url, args.renewals, args.batch, kill_after, no_takeover))
                print(f"{label:22} never ran {result.never:4d}   ran twice {result.twice:4d}   "
                      f"no answer {result.unanswered:4d}   ({time.perf_counter() - started:.0f} s)")
                print(f"{'':22} at SIGKILL: " + ", ".join(f"{k} {v}" for k, v in result.at_kill.items()))
        finally:
            if args.pg:
                drop_pg(args.pg)


def sqlite_databases(workdir: Path, n: int) -> list[str]:
    """Two copies of one seeded SQLite file: before and after."""
    from core.db import make_engine
    from core.schema import upgrade

    template = workdir / "template.db"
    engine = make_engine(f"sqlite:///{template}")
    upgrade(engine)
    engine.dispose()
    seed(f"sqlite:///{template}", n)
    return [fresh_copy(template, workdir, "before.db"), fresh_copy(template, workdir, "after.db")]


PG_NAMES = ("bench_runonce_before", "bench_runonce_after")


def pg_databases(base: str, n: int) -> list[str]:
    """Two seeded PostgreSQL databases next to `base` (an admin URL), created here and dropped at the end."""
    from core.db import make_engine, normalise_url
    from core.schema import upgrade

    base = normalise_url(base)
    drop_pg(base)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    urls = []
    for name in PG_NAMES:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.rsplit("/", 1)[0] + "/" + name
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        seed(url, n)
        urls.append(url)
    admin.dispose()
    return urls


def drop_pg(base: str) -> None:
    from core.db import normalise_url

    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in PG_NAMES:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
