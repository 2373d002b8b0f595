"""书目 page benchmark: GET /admin/catalogue?q=… over real HTTP, signed in, on 50,000 titles × 4 copies.

Run: PYTHONPATH=. .venv/bin/python bench/console_catalogue.py [--titles N] [--rebuild-db]   (≈ 1–2 min)
The catalogue is generated deterministically once (titles, authors and query mix from bench/search.py, 22
中图法 classes, 200,000 copies, ~12% on loan with open loans, 2,000 readers) and cached under bench/out/.
The server is what `shuxiang serve` runs (bot.app.create_app with the console) in its own process; this
process signs in as a librarian through /admin/login and times whole responses (request sent → last byte
read) of the search page for ~400 queries of every kind (title, part, author, ISBN, pinyin, initials, typo,
keyword, miss). Baseline in the same run: a bare aiohttp handler (a second process) returning a static
HTML page of the same size as the median search page, requested alternately with the search page.
Target (issue 16): the search page p95 ≤ 100 ms.
"""
# ruff: noqa: E402  (the path fix below must run before `import aiohttp`, which imports stdlib http)
from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py would shadow the stdlib's `http`: drop this folder from the import path, add the project.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import asyncio
import multiprocessing as mp
import random
import socket
import statistics
import time

import aiohttp

from bench.support.console import PASSWORD, serve, sign_in, wait_for

OUT = _HERE / "out"
DATA_VERSION = 1
P95_TARGET_MS = 100.0
CLASSES = ("I287.45", "I287.5", "I287.7", "I247.5", "I561.84", "I712.84", "K209", "K928.9", "Q96", "Q95",
           "P159", "N49", "O1-49", "G624.2", "H194.1", "J228.2", "J292.1", "TP311", "S68", "R179", "X2", "Z228.1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def generate(path: Path, titles: int) -> None:
    """`titles` titles with 4 copies each, open loans on ~12% of them, a librarian account."""
    from datetime import UTC, date, datetime, timedelta

    from sqlalchemy import insert

    from bench.search import FAMOUS, PUBLISHERS, _authors, _summary, _title
    from core.catalogue import bump_catalogue_version
    from core.clock import FixedClock
    from core.isbn import make_isbn13
    from core.library import Library
    from core.models import Item, ItemStatus, Loan, Reader, ReaderType, Title
    from core.staff import Role, add_staff

    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    rng = random.Random(20261130)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    lib = Library.open(f"sqlite:///{tmp}", clock=FixedClock(now))
    authors = _authors(rng, max(50, titles // 7))
    title_rows, item_rows, loans = [], [], []
    for n in range(titles):
        if n < len(FAMOUS):
            name, author, subject = *FAMOUS[n], "成长"
        else:
            (name, subject), author = _title(rng), authors[rng.randrange(len(authors))]
        grade, clc = rng.randint(1, 9), rng.choice(CLASSES)
        title_rows.append(dict(id=n + 1, isbn=make_isbn13(f"9787{n:08d}"), title=name, author=author,
                               publisher=rng.choice(PUBLISHERS), year=rng.randint(1990, 2025), clc=clc,
                               summary=_summary(rng), min_grade=grade, max_grade=min(9, grade + 2),
                               subjects=subject, created_at=now))
        for _ in range(4):
            on_loan = rng.random() < 0.12
            item_id = len(item_rows) + 1
            item_rows.append(dict(id=item_id, barcode=f"B{item_id:07d}", title_id=n + 1,
                                  call_number=f"{clc}/{n % 997}", location=f"{1 + n % 3}楼{'ABCDEF'[n % 6]}架",
                                  price_fen=rng.randint(1500, 6000), created_at=now,
                                  status=ItemStatus.ON_LOAN if on_loan else ItemStatus.AVAILABLE))
            if on_loan:
                loans.append(dict(item_id=item_id, reader_id=rng.randint(1, 2000), loaned_at=now - timedelta(days=7),
                                  due_date=date(2026, 11, 18) + timedelta(days=rng.randint(-10, 14)), is_open=True))
    readers = [dict(id=r + 1, card_no=f"S{r:05d}", name=f"学生{r}", reader_type=ReaderType.STUDENT, created_at=now)
               for r in range(2000)]
    with lib.session_factory() as session:
        for table, rows in ((Title, title_rows), (Item, item_rows), (Reader, readers), (Loan, loans)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(table), rows[start:start + 5000])
        bump_catalogue_version(session)
        session.commit()
    add_staff(lib, "bench", Role.LIBRARIAN, PASSWORD)
    lib.close()
    tmp.replace(path)


def _serve_static(port: int, size: int) -> None:
    """The baseline: one bare aiohttp handler returning `size` bytes of HTML."""
    from aiohttp import web

    body = ("<!doctype html><html><body>" + "书" * size).encode()[:size]

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", handler)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


async def _get(http: aiohttp.ClientSession, url: str, **params: str) -> tuple[float, int]:
    start = time.perf_counter()
    async with http.get(url, params=params) as response:
        body = await response.read()
    took = time.perf_counter() - start
    assert response.status == 200, (url, params, response.status)
    return took, len(body)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--titles", type=int, default=50_000)
    parser.add_argument("--rebuild-db", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"console-catalogue-{args.titles}-v{DATA_VERSION}.db"
    if args.rebuild_db or not path.exists():
        started = time.perf_counter()
        generate(path, args.titles)
        print(f"generated {path.name}: {args.titles:,} titles, {4 * args.titles:,} copies "
              f"({time.perf_counter() - started:.1f} s)")
    url = f"sqlite:///{path}"
    from bench.search import queries
    from core.clock import system_clock
    from core.library import Library

    lib = Library.open(url, clock=system_clock, migrate=False)
    qs = queries(lib.read_session_factory, random.Random(7))
    lib.close()
    port, static_port = _free_port(), _free_port()
    ctx = mp.get_context("spawn")
    server = ctx.Process(target=serve, args=(port, url), daemon=True)
    server.start()
    try:
        results = asyncio.run(_measure(f"http://127.0.0.1:{port}", static_port, qs, ctx))
    finally:
        server.terminate()
        server.join(5)
    ours, base, size, browsing = results
    p95, b95 = _p95(ours) * 1000, _p95(base) * 1000
    print(f"{len(ours)} search pages (median {size:,} bytes), {len(base)} baseline pages of the same size")
    print(f"{'':<22}{'p50':>9}{'p95':>9}{'max':>9}")
    for name, samples in (("search page", ours), ("bare aiohttp (static)", base)):
        print(f"{name:<22}{statistics.median(samples) * 1000:>7.1f}ms{_p95(samples) * 1000:>7.1f}ms"
              f"{max(samples) * 1000:>7.1f}ms")
    print(f"ratio p95: ×{p95 / b95:.1f}   ratio p50: ×{statistics.median(ours) / statistics.median(base):.1f}")
    for label, samples in browsing.items():
        print(f"browse {label:<24} p50 {statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"
              " (for information: no target)")
    met = p95 <= P95_TARGET_MS
    print(f"p95 ≤ {P95_TARGET_MS:.0f} ms: {'target met' if met else 'TARGET MISSED'} ({p95:.1f} ms)")
    return 0 if met else 1


async def _measure(base: str, static_port: int, qs: list[tuple[str, str]],
                   ctx: mp.context.SpawnContext) -> tuple[list[float], list[float], int, dict[str, list[float]]]:
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=timeout) as http:
        await sign_in(http, base)
        started = time.perf_counter()
        await _get(http, f"{base}/admin/catalogue", q="草房子")  # the first search builds the index
        print(f"index built on the first search: {time.perf_counter() - started:.1f} s")
        sizes = [(await _get(http, f"{base}/admin/catalogue", q=text))[1] for _, text in qs[:60]]  # warm-up
        size = int(statistics.median(sizes))
        static = ctx.Process(target=_serve_static, args=(static_port, size), daemon=True)
        static.start()
        try:
            static_url = f"http://127.0.0.1:{static_port}/"
            await wait_for(http, static_url)
            ours, theirs = [], []
            for _ in range(2):
                for _, text in qs:  # interleaved: machine load hits both alike
                    ours.append((await _get(http, f"{base}/admin/catalogue", q=text))[0])
                    theirs.append((await _get(http, static_url))[0])
        finally:
            static.terminate()
            static.join(5)
        browsing: dict[str, list[float]] = {}
        for label, params in (("top classes", {}), ("I, page 1", {"clc": "I"}),
                              ("I287, page 40", {"clc": "I287", "page": "40"})):
            browsing[label] = [(await _get(http, f"{base}/admin/catalogue", **params))[0] for _ in range(10)]
    return ours, theirs, size, browsing


if __name__ == "__main__":
    sys.exit(main())
