"""Notice computation and delivery benchmark.

Computes every job's notices for one day over 5,000 readers and 50,000 open loans in SQLite (target
≤ 2 s), against a naive baseline (per-loan ORM queries, an existence check per key, one insert per
row) measured in the same run; then delivers 3,000 parent notices to a local fake of the WeCom API
and reports the throughput, unpaced and with the default pacing.

Run: .venv/bin/python bench/notices.py [--readers N] [--loans N] [--deliver N]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # not bench/: its http.py would shadow the stdlib

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from core import versions  # noqa: E402
from core.accounts import Binding  # noqa: E402
from core.clock import FixedClock  # noqa: E402
from core.library import Library  # noqa: E402
from core.messaging import OutboundMessage  # noqa: E402
from core.models import (  # noqa: E402
    Guardian,
    GuardianStudent,
    Item,
    ItemStatus,
    Loan,
    Reader,
    ReaderType,
    SchoolClass,
    Term,
    Title,
)
from core.notices import texts  # noqa: E402
from core.notices.compute import COMPUTE, compute  # noqa: E402
from core.settings import ChannelSettings, Settings, WeComSettings  # noqa: E402
from scheduler.channels.build import build_channels  # noqa: E402
from scheduler.channels.tokens import SharedTokens  # noqa: E402
from scheduler.delivery import NoticeDelivery  # noqa: E402
from tests.scheduler.fake_weixin import CORP_ID, SCHOOL_SECRET, FakeWeixin  # noqa: E402

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai
TODAY = date(2026, 11, 18)
TARGET_S = 2.0


def build(lib: Library, readers: int, loans: int, seed: int = 7) -> None:
    """Readers (10 % teachers), 100-odd classes, 1–2 bound parents per student, open loans over 6 weeks."""
    rng = random.Random(seed)
    with lib.uow() as uow:
        s = uow.session
        s.add(Term(name="2026秋季学期", start_date=date(2026, 9, 1), end_date=date(2027, 1, 22)))
        versions.bump(s, versions.CALENDAR)
        classes = [{"id": i + 1, "name": f"{g}年级{c}班", "grade": g, "class_teacher_id": None}
                   for i, (g, c) in enumerate((g, c) for g in range(1, 7) for c in range(1, 19))]
        s.execute(insert(SchoolClass), classes)
        teachers = readers // 10
        rows = []
        for i in range(1, readers + 1):
            student = i > teachers
            rows.append({"id": i, "card_no": f"C{i:06d}", "name": f"读者{i}",
                         "reader_type": ReaderType.STUDENT if student else ReaderType.TEACHER,
                         "class_id": rng.choice(classes)["id"] if student else None, "created_at": NOW})
        s.execute(insert(Reader), rows)
        for n, cls in enumerate(classes):
            s.execute(SchoolClass.__table__.update().where(SchoolClass.id == cls["id"])
                      .values(class_teacher_id=n % teachers + 1))
        s.execute(insert(Guardian), [{"id": i, "name": f"家长{i}", "created_at": NOW} for i in range(1, readers + 1)])
        links, bindings = [], []
        for i in range(teachers + 1, readers + 1):
            links.append({"guardian_id": i, "student_id": i})
            bindings.append({"user_id": f"parent-{i}", "guardian_id": i, "created_at": NOW})
            if rng.random() < 0.5:
                bindings.append({"user_id": f"parent2-{i}", "guardian_id": i, "created_at": NOW})
        bindings += [{"user_id": f"teacher-{i}", "reader_id": i, "created_at": NOW} for i in range(1, teachers + 1)]
        s.execute(insert(GuardianStudent), links)
        s.execute(insert(Binding), bindings)
        s.execute(insert(Title), [{"id": i, "title": f"图书{i}", "author": "作者", "summary": "一句话简介",
                                   "min_grade": 1, "max_grade": 6,
                                   "created_at": NOW - timedelta(days=rng.randint(0, 400))}
                                  for i in range(1, loans // 10 + 1)])
        s.execute(insert(Item), [{"id": i, "barcode": f"B{i:07d}", "title_id": (i - 1) // 10 + 1,
                                  "status": ItemStatus.ON_LOAN, "created_at": NOW} for i in range(1, loans + 1)])
        s.execute(insert(Loan), [{"id": i, "item_id": i, "reader_id": rng.randint(1, readers),
                                  "loaned_at": NOW - timedelta(days=20),
                                  "due_date": TODAY + timedelta(days=rng.randint(-14, 28)), "is_open": True,
                                  "renewal_count": 0} for i in range(1, loans + 1)])
        uow.commit()


def naive_day(lib: Library) -> int:
    """The baseline: what a first version does: ORM objects, a query per loan and per key, a commit per row."""
    written = 0
    with lib.uow() as uow:
        s = uow.session
        for loan in s.scalars(select(Loan).where(Loan.is_open.is_(True),
                                                 Loan.due_date <= TODAY + timedelta(days=2))):
            reader = s.get(Reader, loan.reader_id)
            item = s.get(Item, loan.item_id)
            title = s.get(Title, item.title_id) if item else None
            if reader is None or title is None:
                continue
            if reader.reader_type == ReaderType.STUDENT:
                users = list(s.scalars(select(Binding.user_id).join(
                    GuardianStudent, GuardianStudent.guardian_id == Binding.guardian_id)
                    .where(GuardianStudent.student_id == reader.id)))
            else:
                users = list(s.scalars(select(Binding.user_id).where(Binding.reader_id == reader.id)))
            kind = "due" if loan.due_date >= TODAY else "overdue"
            text = (texts.due_soon(title.title, loan.due_date, child=None, renew_days=7) if kind == "due"
                    else texts.overdue(title.title, loan.due_date, (TODAY - loan.due_date).days, child=None))
            for user in users:
                key = f"naive:{kind}:{loan.id}:{user}"
                if s.scalar(select(OutboundMessage.id).where(OutboundMessage.key == key)) is None:
                    s.add(OutboundMessage(key=key, channel="wecom_app", user_id=user, kind="push", text=text,
                                          created_at=NOW, next_attempt_at=NOW, attempts=0, last_error=""))
                    s.flush()
                    written += 1
        uow.commit()
    return written


def compute_day(lib: Library, settings: Settings) -> tuple[int, int]:
    found = written = 0
    for job in COMPUTE:
        result = compute(lib, settings, job, NOW, configured={"console", "wecom_app", "wecom_school"})
        found += result.found
        written += result.written
    return found, written


async def deliver(lib: Library, count: int, per_second: float) -> tuple[int, float, int]:
    """Queue `count` parent notices with distinct texts and deliver them to the fake 家校沟通 API."""
    from core.messaging import NewMessage, OutboundQueue

    api = FakeWeixin()
    server = TestServer(api.app(), host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    clock = FixedClock(NOW)
    settings = Settings(wecom=WeComSettings(corp_id=CORP_ID, api_base=base),
                        channels=ChannelSettings(school_agent_id="1000003", school_secret=SCHOOL_SECRET,
                                                 requests_per_second=per_second))
    tag = f"bench{per_second}"
    OutboundQueue(lib.session_factory, clock).enqueue_many(
        [NewMessage(key=f"{tag}:{i}", channel="wecom_school", user_id=f"{tag}-parent-{i}", audience="parent",
                    text=f"第{i}条：孩子借的书明天到期。") for i in range(count)])
    try:
        async with aiohttp.ClientSession() as http:
            channels = build_channels(settings, http, SharedTokens(lib.session_factory, clock), clock)
            delivery = NoticeDelivery(lib, settings, {"wecom_school": channels["wecom_school"]}, clock)
            started = time.perf_counter()
            report = await delivery.drain(max_rounds=10_000)
            elapsed = time.perf_counter() - started
    finally:
        await server.close()
    return report.sent, elapsed, len(api.delivered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=5000)
    parser.add_argument("--loans", type=int, default=50000)
    parser.add_argument("--deliver", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library.open(f"sqlite:///{tmp}/bench.db", clock=FixedClock(NOW))
        t0 = time.perf_counter()
        build(lib, args.readers, args.loans)
        lib.close()  # checkpoints the WAL: both copies start from the same file
        print(f"built {args.readers} readers, {args.loans} open loans in {time.perf_counter() - t0:.1f}s")
        shutil.copy(f"{tmp}/bench.db", f"{tmp}/naive.db")
        naive = Library.open(f"sqlite:///{tmp}/naive.db", clock=FixedClock(NOW), migrate=False)
        t0 = time.perf_counter()
        baseline_rows = naive_day(naive)
        baseline = time.perf_counter() - t0
        naive.close()
        lib = Library.open(f"sqlite:///{tmp}/bench.db", clock=FixedClock(NOW), migrate=False)
        settings = Settings()
        t0 = time.perf_counter()
        found, written = compute_day(lib, settings)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        _, again = compute_day(lib, settings)
        rerun = time.perf_counter() - t0
        print(f"baseline (naive, due+overdue only): {baseline:.2f}s for {baseline_rows} rows")
        print(f"compute all 7 jobs: {ours:.2f}s for {found} notices ({written} written); "
              f"rerun {rerun:.2f}s, {again} written")
        print(f"ratio baseline/ours: {baseline / ours:.1f}x; target ≤ {TARGET_S:.1f}s: "
              f"{'met' if ours <= TARGET_S else 'MISSED'}")
        lib.close()
        for per_second in (0.0, 20.0):
            fresh = Library.open(f"sqlite:///{tmp}/deliver{per_second}.db", clock=FixedClock(NOW))
            sent, elapsed, delivered = asyncio.run(deliver(fresh, args.deliver, per_second))
            fresh.close()
            pace = "unpaced" if not per_second else f"paced {per_second:.0f} req/s"
            print(f"delivery ({pace}): {sent} sent, {delivered} at the fake server in {elapsed:.2f}s "
                  f"= {sent / elapsed:.0f} msg/s; 3,000 students ≈ {3000 / (sent / elapsed) / 60:.1f} min")


if __name__ == "__main__":
    main()
