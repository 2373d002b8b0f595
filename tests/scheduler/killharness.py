"""Kill real delivering processes at random points and count what the fake WeChat API received.

Used by `bench/delivery_kills.py` (2,000 rows, 20 kills of each kind) and by the small version in
`tests/scheduler/test_delivery_kills.py`. The fake API (`fake_server.py`) and each server
(`delivery_worker.py`) are separate processes: a kill hits only the server.

A run seeds `rows` outbox rows (9 in 10 pushes on the Official Account customer-service channel
`wechat_cs`, 1 in 10 late answers on `wechat`: neither has a duplicate check, so every repeat is
visible), then `kills` times: start a server, wait until the fake received a random number of further
messages (1 to rows / (kills + 1)), send the signal; finally a last server runs
until no row is pending or sending, and stops with SIGTERM. Every row's text is unique, so
`lost` = rows the fake never received and `duplicates` = messages it received more than once.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from core.clock import SCHOOL_TZ, school_datetime, system_clock
from core.library import Library
from core.messaging import JobLock, NewMessage, OutboundMessage, OutboundQueue

ROOT = Path(__file__).resolve().parents[2]
REPLY_EVERY = 10  # one row in ten is a late answer (kind "reply")


@dataclass
class KillRun:
    """What one series of kills left behind: counts at the fake API, per kill."""

    rows: int
    kills: int
    sig: str
    lost: int = 0
    duplicates: int = 0
    per_kill: list[int] = field(default_factory=list)  # duplicates first received after each kill
    seconds: float = 0.0

    @property
    def per_kill_max(self) -> int:
        return max(self.per_kill, default=0)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@contextmanager
def fake_api() -> Iterator[str]:
    """Start the fake API in its own process; yields its base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        proc = subprocess.Popen([sys.executable, "-m", "tests.scheduler.fake_server", str(port_file)],
                                cwd=ROOT, env=_env())
        try:
            deadline = time.monotonic() + 30
            while not (port_file.exists() and port_file.read_text()):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the fake API did not start")
                time.sleep(0.02)
            base = f"http://127.0.0.1:{port_file.read_text()}"
            while True:
                try:
                    _get(base, "/_count")
                    break
                except OSError:
                    time.sleep(0.02)
            yield base
        finally:
            proc.terminate()
            proc.wait(10)


def _get(base: str, path: str) -> object:
    with urllib.request.urlopen(base + path, timeout=10) as resp:
        return json.loads(resp.read())


def delivered(base: str) -> list[tuple[str, str, str]]:
    """Every message the fake accepted, in order: (api, user, text)."""
    return [tuple(d) for d in _get(base, "/_delivered")]  # type: ignore[union-attr, misc]


def count(base: str) -> int:
    return int(_get(base, "/_count"))  # type: ignore[arg-type]


def seed(url: str, rows: int, tag: str) -> None:
    """Queue `rows` messages with unique texts: pushes on wechat_cs, every tenth a late answer on wechat."""
    lib = Library.open(url, clock=system_clock, migrate=False)
    try:
        queue = OutboundQueue(lib.session_factory, system_clock)
        pushes = [NewMessage(key=f"kill:{tag}:{i}", channel="wechat_cs", user_id=f"u{i:05d}",
                             text=f"{tag} 第{i}条通知") for i in range(rows) if i % REPLY_EVERY]
        queue.enqueue_many(pushes, batch=f"kill-{tag}")
        for i in range(0, rows, REPLY_EVERY):
            queue.enqueue(key=f"late:{tag}:{i}", channel="wechat", user_id=f"u{i:05d}", text=f"{tag} 第{i}条回复",
                          kind="reply")
    finally:
        lib.close()


def open_rows(url: str) -> int:
    """Rows still to deliver (pending or sending)."""
    lib = Library.open(url, clock=system_clock, migrate=False)
    try:
        with lib.session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(OutboundMessage)
                                      .where(OutboundMessage.status.in_(["pending", "leased", "sending"]))) or 0)
    finally:
        lib.close()


def clear_stale_lock(url: str) -> None:
    """Delete the SQLite lock row (the old code's 2-minute lease would otherwise stall every restart)."""
    lib = Library.open(url, clock=system_clock, migrate=False)
    try:
        with lib.session_factory() as session:
            session.execute(delete(JobLock))
            session.commit()
    finally:
        lib.close()


def school_morning_offset() -> float:
    """Seconds from now to the coming Wednesday 10:00 school time: outside quiet hours, whatever the hour here."""
    now = datetime.now(UTC)
    day = now.astimezone(SCHOOL_TZ).date()
    day += timedelta(days=(2 - day.weekday()) % 7 or 7)
    return (school_datetime(day, 10) - now).total_seconds()


OFFSET = school_morning_offset()  # one offset for every server of this run: their clocks agree


def start_worker(url: str, base: str, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """A real server (delivery_worker.py) on this database, stderr appended to `log`."""
    with log.open("ab") as err:
        return subprocess.Popen([sys.executable, "-m", "tests.scheduler.delivery_worker", url, base,
                                 "--offset", str(OFFSET), *args],
                                cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=err)


def _wait_exit(proc: subprocess.Popen[bytes], timeout: float = 60) -> int:
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise RuntimeError("a server did not stop within a minute after SIGTERM") from None


def run_kills(url: str, base: str, *, rows: int, kills: int, sig: signal.Signals, seed_value: int, log: Path,
              tag: str, unstick_sqlite_lock: bool = False, finish_timeout: float = 240.0) -> KillRun:
    """Seed `rows`, kill `kills` servers with `sig` at random points, let a last one finish; count."""
    rng = random.Random(seed_value)
    seed(url, rows, tag)
    start_count = count(base)
    result = KillRun(rows, kills, sig.name)
    marks: list[int] = []  # the fake's count once each killed server had exited: where its messages end
    began = time.monotonic()
    share = max(1, rows // (kills + 1))  # every kill lands before the last row goes out
    for _ in range(kills):
        if unstick_sqlite_lock:
            clear_stale_lock(url)
        proc = start_worker(url, base, log)
        target = count(base) + rng.randint(1, share)
        deadline = time.monotonic() + 60
        while count(base) < target and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.003)
        if proc.poll() is not None:
            raise RuntimeError(f"a server exited by itself (rc {proc.returncode}); see {log}")
        proc.send_signal(sig)
        rc = _wait_exit(proc)
        marks.append(count(base))
        if sig == signal.SIGTERM and rc != 0:
            raise RuntimeError(f"a server stopped with rc {rc} after SIGTERM; see {log}")
    if unstick_sqlite_lock:
        clear_stale_lock(url)
    proc = start_worker(url, base, log)
    deadline = time.monotonic() + finish_timeout
    while open_rows(url) and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _wait_exit(proc)
    result.seconds = time.monotonic() - began
    got = [d for d in delivered(base)[start_count:] if d[2].startswith(f"{tag} ")]
    seen = Counter(d[2] for d in got)
    result.lost = rows - len(seen)
    result.duplicates = sum(n - 1 for n in seen.values())
    # A repeat is caused by the server that sent the first copy and died before recording it: count it
    # against that server's kill (a repeat whose first copy came from the last, cleanly stopped server
    # would be a bug of its own and is counted against the last kill, failing the per-kill check).
    per_kill = [0] * max(kills, 1)
    first_segment: dict[str, int] = {}
    for position, (_, _, text) in enumerate(delivered(base)[start_count:], start=start_count):
        if not text.startswith(f"{tag} "):
            continue
        if text in first_segment:
            per_kill[min(first_segment[text], len(per_kill) - 1)] += 1
        else:
            first_segment[text] = sum(1 for mark in marks if mark <= position)
    result.per_kill = per_kill
    return result


def takeover(url: str, base: str, *, log: Path, rows: int = 400, rate: float = 50.0, tag: str = "takeover",
             timeout: float = 200.0) -> float:
    """Seconds from kill -9 of a delivering leader to the first message from a standby server."""
    seed(url, rows, tag)
    leader = start_worker(url, base, log, "--rate", str(rate), "--interval", "0.2")
    start = count(base)
    while count(base) < start + 5:
        if leader.poll() is not None:
            raise RuntimeError(f"the leader exited by itself; see {log}")
        time.sleep(0.01)
    standby = start_worker(url, base, log, "--rate", str(rate), "--interval", "0.2")
    time.sleep(2.0)  # the standby is up and has found the lock taken
    leader.kill()
    leader.wait()
    killed_at, after = time.monotonic(), count(base)
    try:
        while count(base) <= after + 1:  # +1: a request the leader had already sent may still land
            if time.monotonic() - killed_at > timeout:
                return float("inf")
            time.sleep(0.005)
        return time.monotonic() - killed_at
    finally:
        standby.send_signal(signal.SIGTERM)
        _wait_exit(standby)
