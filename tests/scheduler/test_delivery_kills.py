"""Kill -9 and SIGTERM real delivering servers at random points: nothing lost, at most one repeat per kill.

A small version of `bench/delivery_kills.py` (200 rows, 3 kills of each kind, per database).
"""
from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.scheduler.killharness import fake_api, run_kills

pytestmark = pytest.mark.slow

ROWS, KILLS = 200, 3


def test_kill_9_during_delivery_loses_nothing_and_repeats_at_most_the_call_in_flight(
        db_url: str, tmp_path: Path) -> None:
    with fake_api() as base:
        run = run_kills(db_url, base, rows=ROWS, kills=KILLS, sig=signal.SIGKILL, seed_value=11,
                        log=tmp_path / "workers.log", tag="k9", finish_timeout=90)
    assert run.lost == 0
    assert run.duplicates <= KILLS and run.per_kill_max <= 1, run


def test_sigterm_during_delivery_loses_nothing_and_repeats_nothing(db_url: str, tmp_path: Path) -> None:
    with fake_api() as base:
        run = run_kills(db_url, base, rows=ROWS, kills=KILLS, sig=signal.SIGTERM, seed_value=12,
                        log=tmp_path / "workers.log", tag="term", finish_timeout=90)
    assert run.lost == 0 and run.duplicates == 0, run


def test_a_standby_server_takes_over_a_killed_sqlite_leader_within_seconds(sqlite_url: str, tmp_path: Path) -> None:
    from tests.scheduler.killharness import takeover

    with fake_api() as base:
        seconds = takeover(sqlite_url, base, log=tmp_path / "workers.log", rows=200, timeout=30)
    assert seconds < 10, seconds  # measured ~0.3 s; the old 2-minute lock row made it ~118 s
