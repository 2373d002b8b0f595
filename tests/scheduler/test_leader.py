"""Only one scheduler runs the jobs: two real processes share a database, one leads."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.library import Library
from scheduler.lock import LeaderLock
from tests.conftest import DEFAULT_NOW

CONTENDER = r"""
import sys, time, pathlib
from datetime import datetime
from core.clock import FixedClock
from core.db import make_engine
from scheduler.lock import LeaderLock
url, go = sys.argv[1], pathlib.Path(sys.argv[2])
lock = LeaderLock(make_engine(url), FixedClock(datetime.fromisoformat(sys.argv[3])))
print("ready", flush=True)
while not go.exists():
    time.sleep(0.01)
if lock.acquire():
    print("ran", flush=True)
    time.sleep(1.5)  # a long job: the other process must not run meanwhile
    lock.release()
else:
    print("standby", flush=True)
"""


def _race(url: str, tmp_path: Path) -> list[str]:
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", CONTENDER, url, str(go), DEFAULT_NOW.isoformat()],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]) for _ in range(2)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    go.touch()
    outputs = []
    for p in procs:
        out, _ = p.communicate(timeout=30)
        outputs.append(out.strip())
    return sorted(outputs)


@pytest.mark.pg
def test_two_scheduler_processes_on_postgresql_one_runs(pg_database_url: str, tmp_path: Path) -> None:
    assert _race(pg_database_url, tmp_path) == ["ran", "standby"]


def test_two_scheduler_processes_on_sqlite_one_runs(sqlite_url: str, tmp_path: Path) -> None:
    assert _race(sqlite_url, tmp_path) == ["ran", "standby"]


def test_without_a_lock_file_a_sqlite_leader_that_stops_renewing_is_replaced(sqlite_url: str) -> None:
    clock = FixedClock(DEFAULT_NOW)
    lib = Library.open(sqlite_url, clock=clock, migrate=False)
    try:
        first, second = (LeaderLock(lib.engine, clock, file_lock=False), LeaderLock(lib.engine, clock, file_lock=False))
        assert first.acquire() and not second.acquire()
        assert first.acquire()  # renewing is fine
        clock.advance(minutes=3)
        assert second.acquire() and not first.acquire()
    finally:
        lib.close()


@pytest.mark.pg
def test_the_postgresql_lock_is_freed_when_the_leader_releases(pg_database_url: str) -> None:
    clock = FixedClock(DEFAULT_NOW)
    lib = Library.open(pg_database_url, clock=clock, migrate=False)
    try:
        first, second = LeaderLock(lib.engine, clock), LeaderLock(lib.engine, clock)
        assert first.acquire() and first.acquire() and not second.acquire()
        first.release()
        start = time.monotonic()
        assert second.acquire() and time.monotonic() - start < 5
        second.release()
    finally:
        lib.close()


def test_the_sqlite_file_lock_is_held_until_released(sqlite_url: str) -> None:
    clock = FixedClock(DEFAULT_NOW)
    lib = Library.open(sqlite_url, clock=clock, migrate=False)
    try:
        first, second = LeaderLock(lib.engine, clock), LeaderLock(lib.engine, clock)
        assert first.acquire() and not second.acquire()
        clock.advance(hours=1)  # no lease to run out: a live leader stays the leader
        assert first.acquire() and not second.acquire()
        first.release()
        assert second.acquire() and not first.acquire()
        second.release()
    finally:
        lib.close()


HOLDER = r"""
import sys
from core.clock import system_clock
from core.db import make_engine
from scheduler.lock import LeaderLock
lock = LeaderLock(make_engine(sys.argv[1]), system_clock)
print("leading" if lock.acquire() else "standby", flush=True)
sys.stdin.read()  # hold until killed
"""


def test_a_sqlite_leader_killed_with_9_is_replaced_at_once(sqlite_url: str) -> None:
    clock = FixedClock(DEFAULT_NOW)
    lib = Library.open(sqlite_url, clock=clock, migrate=False)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, sqlite_url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "leading"
        standby = LeaderLock(lib.engine, clock)
        assert not standby.acquire()
        holder.kill()
        holder.communicate()  # reaped, pipes closed
        start = time.monotonic()
        assert standby.acquire() and time.monotonic() - start < 1.0  # the kernel freed the lock with the process
        standby.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.communicate()
        lib.close()
