"""Kill real delivering servers at random points of a 2,000-row delivery; count lost and repeated messages.

For each database (SQLite file, PostgreSQL): 20 × kill -9, then (fresh rows) 20 × SIGTERM, each at a
random point, against the fake WeChat API in its own process (see tests/scheduler/killharness.py);
then the dead-leader takeover time: a delivering leader is killed with -9 while a standby server
runs, and the time until the standby's first message is measured.

Targets (issue 11): lost 0; duplicates ≤ 1 per kill -9 (channels without a duplicate check: every row
here is an Official Account customer-service message or late answer), 0 after SIGTERM; takeover
within seconds on SQLite.

Run: .venv/bin/python bench/delivery_kills.py [--rows 2000] [--kills 20] [--db sqlite,pg] [--takeovers 3]
For the baseline, run this same file with PYTHONPATH pointing at a checkout of the old code (with
tests/scheduler/{killharness,fake_server,delivery_worker}.py copied in) and `--unstick-sqlite-lock`:
the old SQLite lock row outlives a killed leader by 2 minutes, which would stall every restart.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # not bench/: its http.py would shadow the stdlib

from sqlalchemy import create_engine, text  # noqa: E402

from core.clock import system_clock  # noqa: E402
from core.db import make_engine, normalise_url  # noqa: E402
from core.library import Library  # noqa: E402
from core.schema import upgrade  # noqa: E402
from tests.scheduler.killharness import KillRun, fake_api, run_kills, takeover  # noqa: E402

PG_BASE = os.environ.get("SHUXIANG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_reachable() -> bool:
    try:
        engine = create_engine(normalise_url(PG_BASE))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


class Database:
    """A fresh migrated database per series: a SQLite file or a PostgreSQL database dropped afterwards."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp / f'kills-{uuid.uuid4().hex[:6]}.db'}"
            Library.open(self.url, clock=system_clock).close()
            return
        self.name = f"shuxiang_bench_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(normalise_url(PG_BASE), isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = normalise_url(PG_BASE).rsplit("/", 1)[0] + "/" + self.name
        engine = make_engine(self.url)
        upgrade(engine)
        engine.dispose()

    def drop(self) -> None:
        if self.kind != "sqlite":
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


def show(db: str, run: KillRun) -> str:
    return (f"{db:10} {run.sig:8} kills {run.kills:3}  rows {run.rows:5}  lost {run.lost:3}  duplicates "
            f"{run.duplicates:4}  max per kill {run.per_kill_max:3}  ({run.seconds:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--db", default="sqlite,pg")
    parser.add_argument("--takeovers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--unstick-sqlite-lock", action="store_true",
                        help="delete the SQLite lock row before each restart (the old code only)")
    args = parser.parse_args()
    lines: list[str] = []
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp_name, fake_api() as base:
        tmp = Path(tmp_name)
        log = tmp / "workers.log"
        for db in args.db.split(","):
            if db == "pg" and not pg_reachable():
                print("pg: PostgreSQL not reachable (SHUXIANG_TEST_PG_URL), skipped", flush=True)
                continue
            for n, sig in enumerate((signal.SIGKILL, signal.SIGTERM)):
                database = Database(db, tmp)
                try:
                    run = run_kills(database.url, base, rows=args.rows, kills=args.kills, sig=sig,
                                    seed_value=args.seed + n, log=log, tag=f"{db}-{sig.name}",
                                    unstick_sqlite_lock=args.unstick_sqlite_lock and db == "sqlite")
                finally:
                    database.drop()
                lines.append(show(db, run))
                print(lines[-1], flush=True)
                limit = run.kills if sig == signal.SIGKILL else 0
                if run.lost or run.duplicates > limit or (sig == signal.SIGKILL and run.per_kill_max > 1):
                    missed.append(lines[-1])
            times = []
            for i in range(args.takeovers):
                database = Database(db, tmp)
                try:
                    times.append(takeover(database.url, base, log=log, tag=f"{db}-takeover-{i}"))
                finally:
                    database.drop()
                print(f"{db:10} takeover {i + 1}: {times[-1]:.2f} s", flush=True)
            if times:
                lines.append(f"{db:10} dead-leader takeover: max {max(times):.2f} s, "
                             f"mean {sum(times) / len(times):.2f} s over {len(times)}")
                print(lines[-1], flush=True)
                if db == "sqlite" and max(times) > 10:
                    missed.append(lines[-1])
        if log.exists():
            print(f"(server logs: {log.stat().st_size} bytes)")
    print("\n".join(["", "summary:", *lines]))
    if missed:
        print("targets missed:\n" + "\n".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    t0 = time.monotonic()
    main()
    print(f"total {time.monotonic() - t0:.0f} s")
