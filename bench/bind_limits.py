"""Binding limits: owner lock-outs after strangers' guesses, and attempts checked under concurrency.

Scenario per card: a stranger sends 5 wrong codes (then keeps trying), then the owner sends the
valid code from a new openid. A lock-out is the owner being refused. The race: 100 threads fire
at once, first from one openid, then from 100 openids at one card; the figure is how many were
checked (answered NO_MATCH rather than RATE_LIMITED) against the limit. Baseline in the same run: the limit
itself (what an exact count gives). Uses only accounts.bind/issue_code, so it runs on old code too.
Run: PYTHONPATH=. .venv/bin/python bench/bind_limits.py [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from core import accounts  # noqa: E402
from core.accounts import BindFailure, BindRefused  # noqa: E402
from core.clock import FixedClock  # noqa: E402
from core.library import Library  # noqa: E402
from core.models import ReaderType  # noqa: E402
from tests.factories import add_reader  # noqa: E402

CARDS = 20
RACE = 100
NOW = datetime(2026, 11, 18, 2, tzinfo=UTC)


def lockouts(lib: Library, clock: FixedClock) -> int:
    locked = 0
    for n in range(CARDS):
        card = f"T{n:04d}"
        add_reader(lib, "张静", ReaderType.TEACHER, card_no=card)
        code = accounts.issue_code(lib, card, code="424242")
        clock.advance(seconds=1)
        for guess in range(8):
            try:
                accounts.bind(lib, f"stranger-{n}", card, "张静", f"{guess:06d}")
            except BindRefused:
                pass
        try:
            accounts.bind(lib, f"owner-{n}", card, "张静", code)
        except BindRefused:
            locked += 1
    return locked


def checked(lib: Library, clock: FixedClock, users: list[str], card: str) -> int:
    add_reader(lib, "李红", ReaderType.TEACHER, card_no=card)
    accounts.issue_code(lib, card, code="424242")
    clock.advance(seconds=1)  # the card's count starts at its newest code
    barrier = threading.Barrier(len(users))
    no_match: list[str] = []  # list.append is atomic: one entry per attempt that was checked

    def attempt(user: str) -> None:
        barrier.wait()
        try:
            accounts.bind(lib, user, card, "李红", "000000")
        except BindRefused as refusal:
            if refusal.failure == BindFailure.NO_MATCH:
                no_match.append(user)
    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(no_match)


def run(url: str, label: str) -> None:
    clock = FixedClock(NOW)
    lib = Library.open(url, clock=clock)
    try:
        out = lockouts(lib, clock)
        print(f"{label}: owner lock-outs {out}/{CARDS} cards after a stranger's 8 guesses (baseline: 0)")
        per_user = getattr(accounts, "MAX_FAILURES_PER_USER", getattr(accounts, "MAX_FAILURES_PER_HOUR", 5))
        one = checked(lib, clock, [f"racer-{uuid.uuid4().hex[:6]}"] * RACE, "R0001")
        print(f"{label}: {RACE} simultaneous guesses from one openid: {one} checked (limit {per_user})")
        per_card = getattr(accounts, "CARD_LOCK_USERS", per_user)
        many = checked(lib, clock, [f"racer-{i}" for i in range(RACE)], "R0002")
        print(f"{label}: {RACE} simultaneous guesses from {RACE} openids at one card: {many} checked "
              f"(limit {per_card})")
    finally:
        lib.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="a PostgreSQL server URL; a scratch database is created and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", "SQLite")
    if args.pg:
        name = f"shuxiang_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(args.pg.rsplit("/", 1)[0] + "/" + name, "PostgreSQL")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
