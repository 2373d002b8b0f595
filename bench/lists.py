"""清单 benchmark: the overdue list of 5,000 rows as a page and as xlsx, over real HTTP, against a 50-row baseline.

Run: PYTHONPATH=. .venv/bin/python bench/lists.py   (loopback only; about half a minute)
The server is what `shuxiang serve` runs (bot.app.create_app with the console) in its own process, on a
SQLite file built here first: a term around today, 100 classes of 50 students, each student with one
open loan 7–36 days past due (5,000 overdue rows, 50 per class), and a librarian account. This process
signs in as that librarian through /admin/login and times whole responses (request sent → last byte
read): `/admin/lists/overdue` (5,000 rows) and `?class=…` (50 rows, the baseline), as HTML and xlsx.
Targets (issue 12): the 5,000-row page ≤ 1 s, its xlsx ≤ 2 s (the median of the runs; max printed too).
"""
# ruff: noqa: E402  (the path fix below must run before `import aiohttp`, which imports stdlib http)
from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py would shadow the stdlib's `http`: drop this folder from the import path, add the project.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import asyncio
import multiprocessing as mp
import socket
import statistics
import tempfile
import time

import aiohttp

from bench.support.console import PASSWORD, serve, sign_in

CLASSES = 100
PER_CLASS = 50
RUNS = 7
TARGETS = {"html": 1.0, "xlsx": 2.0}  # seconds, for the 5,000-row list


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_database(url: str) -> int:
    """The school described above, inserted in bulk; returns the number of overdue loans."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from core import versions
    from core.clock import system_clock
    from core.library import Library
    from core.models import Item, ItemStatus, Loan, Reader, ReaderType, SchoolClass, Term, Title
    from core.staff import Role, add_staff

    lib = Library.open(url, clock=system_clock)
    now, today = lib.now(), lib.today()
    with lib.uow() as uow:
        s = uow.session
        s.add(Term(name="bench term", start_date=today - timedelta(days=80), end_date=today + timedelta(days=120)))
        versions.bump(s, versions.CALENDAR)
        s.execute(insert(SchoolClass), [{"name": f"{1 + c // 10}年级{1 + c % 10}班", "grade": 1 + c // 10}
                                        for c in range(CLASSES)])
        class_ids = list(s.scalars(select(SchoolClass.id).order_by(SchoolClass.id)))
        s.execute(insert(Title), [{"title": f"书香测试书{t:03d}", "author": f"作者{t % 40}", "created_at": now}
                                  for t in range(300)])
        title_ids = list(s.scalars(select(Title.id).order_by(Title.id)))
        n = CLASSES * PER_CLASS
        s.execute(insert(Reader), [{"card_no": f"S{i:05d}", "name": f"学生{i:05d}", "reader_type": ReaderType.STUDENT,
                                    "class_id": class_ids[i // PER_CLASS], "created_at": now} for i in range(n)])
        reader_ids = list(s.scalars(select(Reader.id).order_by(Reader.id)))
        s.execute(insert(Item), [{"barcode": f"BL{i:06d}", "title_id": title_ids[i % len(title_ids)],
                                  "status": ItemStatus.ON_LOAN, "price_fen": 2500, "created_at": now}
                                 for i in range(n)])
        item_ids = list(s.scalars(select(Item.id).order_by(Item.id)))
        s.execute(insert(Loan), [{"item_id": iid, "reader_id": rid, "loaned_at": now - timedelta(days=40),
                                  "due_date": today - timedelta(days=7 + i % 30), "is_open": True,
                                  "renewal_count": i % 2}
                                 for i, (iid, rid) in enumerate(zip(item_ids, reader_ids, strict=True))])
        uow.commit()
    add_staff(lib, "bench", Role.LIBRARIAN, PASSWORD)
    lib.close()
    return n


async def _time(http: aiohttp.ClientSession, url: str, rows: int, kind: str) -> list[float]:
    times = []
    for run in range(RUNS + 1):
        start = time.perf_counter()
        async with http.get(url) as response:
            body = await response.read()
        took = time.perf_counter() - start
        assert response.status == 200, (url, response.status)
        if kind == "html":
            assert body.count(b"<tr>") == rows + 1, (url, body.count(b"<tr>"))  # header + rows
        else:
            assert body[:2] == b"PK"
        if run:  # the first request warms the server (templates compiled, calendar cached)
            times.append(took)
    return times


async def _measure(base: str) -> dict[tuple[str, int], list[float]]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await sign_in(http, base)
        one_class = "1年级1班"
        urls = {50: f"{base}/admin/lists/overdue?class={one_class}", CLASSES * PER_CLASS: f"{base}/admin/lists/overdue"}
        out: dict[tuple[str, int], list[float]] = {}
        for kind in ("html", "xlsx"):
            for rows, url in urls.items():
                out[kind, rows] = await _time(http, url + ("&" if "?" in url else "?") + "format=xlsx"
                                              if kind == "xlsx" else url, rows, kind)
        return out


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        n = build_database(url)
        print(f"school built: {n} overdue loans in {CLASSES} classes ({time.perf_counter() - started:.1f} s)")
        port = _free_port()
        server = mp.get_context("spawn").Process(target=serve, args=(port, url), daemon=True)
        server.start()
        try:
            results = asyncio.run(_measure(f"http://127.0.0.1:{port}"))
        finally:
            server.terminate()
            server.join(5)
    ok = True
    print(f"{'list':<26}{'median':>9}{'max':>9}{'target':>9}  ratio to 50 rows")
    for kind in ("html", "xlsx"):
        base = statistics.median(results[kind, 50])
        for rows in (50, CLASSES * PER_CLASS):
            times = results[kind, rows]
            median = statistics.median(times)
            target = TARGETS[kind] if rows > 50 else None
            met = target is None or median <= target
            ok &= met
            print(f"{f'overdue {kind}, {rows} rows':<26}{median * 1000:>7.0f}ms{max(times) * 1000:>7.0f}ms"
                  f"{(f'{target:.0f} s' if target else '—'):>9}  ×{median / base:.1f}{'' if met else '  MISSED'}")
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
