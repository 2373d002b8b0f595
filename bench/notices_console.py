"""The notices pages' queries over a busy outbox (SQLite).

Builds 3,000 parents bound to 3,000 students in 60 classes, 10 whole-school activities announced to
every parent, and filler notices of the other kinds over 14 days (`--rows`, default 200,000 rows in
all), then times, best of 5:

- `activity_reach` of one activity (3,000 recipients named) with the `ix_outbound_ref` index of
  migration 0015, against the same call with the index dropped (the same-run baseline: a scan of the
  whole outbox);
- `outbox_table` (14 days × kinds × states in SQL), against a baseline that loads the same rows and
  counts them in Python (what a view without the SQL grouping would do);
- `list_activities`, `failed_notices` and `unreachable_users` as they are.

Run: .venv/bin/python bench/notices_console.py [--rows N]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # not bench/: its http.py would shadow the stdlib

from sqlalchemy import insert, select, text  # noqa: E402

from core.accounts import Binding  # noqa: E402
from core.clock import FixedClock, school_today  # noqa: E402
from core.library import Library  # noqa: E402
from core.messaging import OutboundMessage  # noqa: E402
from core.models import Guardian, GuardianStudent, Reader, ReaderType, SchoolClass  # noqa: E402
from core.notices.models import Activity  # noqa: E402
from core.notices.outbox import failed_notices, outbox_table, unreachable_users  # noqa: E402
from core.notices.publishing import activity_reach, list_activities  # noqa: E402

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 10:00 school time
PARENTS, CLASSES, ACTIVITIES = 3000, 60, 10
TOPICS = ("due_soon", "overdue", "class_weekly", "new_books", "term_end", "class_summary", "reservation_ready")
STATUSES = ("sent",) * 90 + ("failed",) * 2 + ("skipped",) * 3 + ("dropped",) * 3 + ("pending",) * 2


def build(lib: Library, rows: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    with lib.engine.begin() as conn:
        conn.execute(insert(SchoolClass), [{"id": c + 1, "name": f"{'一二三四五六'[c // 10]}年级{c % 10 + 1}班",
                                            "grade": c // 10 + 1} for c in range(CLASSES)])
        conn.execute(insert(Reader), [{"id": i + 1, "card_no": f"S{i:05d}", "name": f"学生{i}",
                                       "reader_type": ReaderType.STUDENT, "class_id": i % CLASSES + 1,
                                       "created_at": NOW} for i in range(PARENTS)])
        conn.execute(insert(Guardian), [{"id": i + 1, "name": f"家长{i}", "phone": "", "created_at": NOW}
                                        for i in range(PARENTS)])
        conn.execute(insert(GuardianStudent), [{"guardian_id": i + 1, "student_id": i + 1, "relation": "家长"}
                                               for i in range(PARENTS)])
        conn.execute(insert(Binding), [{"user_id": f"p-{i}", "guardian_id": i + 1, "created_at": NOW}
                                       for i in range(PARENTS)])
        conn.execute(insert(Activity), [{"id": a + 1, "title": f"活动{a}", "body": "来图书室。",
                                         "starts_on": date(2026, 11, 27), "grades": "", "classes": "", "place": "",
                                         "audience": "parents", "announce_from": NOW, "created_at": NOW}
                                        for a in range(ACTIVITIES)])
        out = []
        for a in range(ACTIVITIES):
            for p in range(PARENTS):
                out.append(("activities", f"activity:{a + 1}", f"activity:{a + 1}:p-{p}", p, rng.choice(STATUSES)))
        for n in range(rows - len(out)):
            p = rng.randrange(PARENTS)
            out.append((rng.choice(TOPICS), f"loan:{n}", f"filler:{n}", p, rng.choice(STATUSES)))
        batch = []
        for topic, ref, key, p, status in out:
            created = NOW - timedelta(minutes=rng.randrange(14 * 24 * 60))
            error = {"failed": "errcode -1: system busy", "skipped": "用户已退订", "dropped": "已归还"}.get(status, "")
            batch.append({"key": key, "channel": "wecom_school", "user_id": f"p-{p}", "kind": "push", "title": "",
                          "text": "通知", "created_at": created, "attempts": 1, "last_error": error,
                          "status": status, "topic": topic, "ref": ref, "audience": "parent", "batch": "",
                          "next_attempt_at": created if status == "pending" else None,
                          "sent_at": created if status == "sent" else None,
                          "failed_at": created if status == "failed" else None})
            if len(batch) == 20_000:
                conn.execute(insert(OutboundMessage), batch)
                batch = []
        if batch:
            conn.execute(insert(OutboundMessage), batch)


def best(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def naive_table(lib: Library) -> Counter[tuple[date, str, str]]:
    """Baseline: the 14 days' rows loaded and counted in Python (no SQL grouping)."""
    since = NOW - timedelta(days=14)
    counts: Counter[tuple[date, str, str]] = Counter()
    with lib.read_uow() as uow:
        for created, topic, status in uow.session.execute(
                select(OutboundMessage.created_at, OutboundMessage.topic, OutboundMessage.status)
                .where(OutboundMessage.kind == "push", OutboundMessage.created_at >= since)):
            counts[(school_today(created), topic, status)] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library.open(f"sqlite:///{tmp}/bench.db", clock=FixedClock(NOW), live=False)
        start = time.perf_counter()
        build(lib, args.rows)
        print(f"built {args.rows} outbox rows, {PARENTS} parents in {time.perf_counter() - start:.1f} s")
        reach = activity_reach(lib, 5)
        assert reach is not None and len(reach.recipients) == PARENTS
        with_index = best(lambda: activity_reach(lib, 5))
        table = best(lambda: outbox_table(lib))
        baseline_table = best(lambda: naive_table(lib))
        listed = best(lambda: list_activities(lib))
        failed = best(lambda: failed_notices(lib))
        unreachable = best(lambda: unreachable_users(lib))
        with lib.engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_outbound_ref"))
        without_index = best(lambda: activity_reach(lib, 5))
        lib.engine.dispose()
    print(f"activity_reach (3,000 recipients): {with_index * 1000:.0f} ms; without ix_outbound_ref "
          f"{without_index * 1000:.0f} ms (ratio {without_index / with_index:.1f}x)")
    print(f"outbox_table (14 days): {table * 1000:.0f} ms; rows counted in Python {baseline_table * 1000:.0f} ms "
          f"(ratio {baseline_table / table:.1f}x)")
    print(f"list_activities {listed * 1000:.0f} ms, failed_notices {failed * 1000:.0f} ms, "
          f"unreachable_users {unreachable * 1000:.0f} ms")


if __name__ == "__main__":
    main()
