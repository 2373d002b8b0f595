"""Desk benchmark: a scan at /admin/desk to its rendered answer, over HTTP and in Chromium, against `shuxiang serve --demo`.

Run: .venv/bin/python bench/desk.py [--scans 300] [--browser-scans 150] [--no-browser]
(loopback only; about a minute with the demo build)
The server is a real process (`shuxiang serve --demo --no-jobs` on a fresh demo database in a temp
folder). Both parts play one desk, one scan at a time as a scanner does: a student's card (select), a
copy on the shelf (lend), the same copy (return), over and over.
- HTTP: this process signs in as the demo librarian and posts each scan as htmx sends it (HX-Request,
  the CSRF header); timed from the request to the whole answer panel read. Baseline, in the same run
  and the same way: GET /healthz.
- Browser (the issue's target): Playwright drives Debian's /usr/bin/chromium (headless, 1366×768), signs
  in on the login page, opens /admin/desk and types each code into the scan box, then presses Enter.
  In the page, performance.now() is taken at the Enter keydown (capture phase, before htmx sees it)
  and at htmx:afterSettle (the answer panel swapped in, its classes settled, the new box focused);
  "painted" adds the next animation frame, when the answer is on screen. Python's own
  press→wait_for_function time is printed too (it adds Playwright's round trips).
Target: desk scan p95 ≤ 100 ms in the browser.
"""
# ruff: noqa: E402  (the path fix below must run before `import aiohttp`, which imports stdlib http)
from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds a file named http.py: drop the folder from the import path so `http` is the stdlib's.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import tempfile
import time

import aiohttp

ROOT = _HERE.parent
TARGET_P95_MS = 100.0
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
# Installed once on the desk page: per scan, Enter keydown → afterSettle, and → the next frame.
TIMER_JS = """() => {
  window.__desk = {settle: [], painted: [], started: null};
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target && e.target.id === "scan") { window.__desk.started = performance.now(); }
  }, true);
  document.addEventListener("htmx:afterSettle", () => {
    const started = window.__desk.started;
    if (started === null) { return; }
    window.__desk.started = null;
    window.__desk.settle.push(performance.now() - started);
    requestAnimationFrame(() => window.__desk.painted.push(performance.now() - started));
  });
}"""
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pick_reader_and_copy(db_url: str) -> tuple[str, str]:
    """A demo student who may borrow now (no loans, no charges, not suspended) and a copy on the shelf."""
    from sqlalchemy import func, select

    from core.clock import system_clock
    from core.library import Library
    from core.models import Charge, Item, ItemStatus, ItemType, Loan, Reader, ReaderStatus, ReaderType

    library = Library.open(db_url, clock=system_clock, migrate=False)
    try:
        with library.read_uow() as uow:
            s = uow.session
            busy = select(Loan.reader_id).where(Loan.is_open.is_(True))
            owing = select(Charge.reader_id)
            card = s.scalar(select(Reader.card_no).where(
                Reader.reader_type == ReaderType.STUDENT, Reader.status == ReaderStatus.ACTIVE,
                Reader.suspended_until.is_(None), Reader.id.not_in(busy), Reader.id.not_in(owing))
                .order_by(Reader.id).limit(1))
            barcode = s.scalar(select(Item.barcode).where(Item.status == ItemStatus.AVAILABLE,
                                                          Item.item_type == ItemType.GENERAL)
                               .order_by(func.random()).limit(1))
    finally:
        library.close()
    assert card and barcode, "the demo school has no free student or no copy on the shelf"
    return card, barcode


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def drive(base: str, card: str, barcode: str, scans: int) -> tuple[list[float], list[float], dict[str, int]]:
    """Sign in, then time `scans` desk scans and as many /healthz requests (ms), interleaved."""
    desk_ms: list[float] = []
    health_ms: list[float] = []
    answers = {"选中": 0, "借出": 0, "归还": 0, "other": 0}
    # unsafe=True: keep cookies from an IP address (the server listens on 127.0.0.1).
    async with aiohttp.ClientSession(base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        login = await (await http.get("/admin/login")).text()
        token = CSRF.search(login).group(1)  # type: ignore[union-attr]
        signed = await http.post("/admin/login", data={"username": "librarian", "password": "shuxiang-demo",
                                                       "csrf": token, "next": "/admin/desk"}, allow_redirects=False)
        assert signed.status == 302, await signed.text()
        desk = await (await http.get("/admin/desk")).text()
        csrf = CSRF.search(desk).group(1)  # type: ignore[union-attr]
        headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
        sequence = [card, barcode, barcode]  # select, lend, return
        for warm in range(30):  # connections, caches and the first statements compiled
            await (await http.post("/admin/desk", data={"scan": sequence[warm % 3], "card": card},
                                   headers=headers)).read()
            await (await http.get("/healthz")).read()
        for n in range(scans):
            code = sequence[n % 3]
            started = time.perf_counter()
            response = await http.post("/admin/desk", data={"scan": code, "card": card}, headers=headers)
            html = await response.text()
            desk_ms.append((time.perf_counter() - started) * 1000)
            assert response.status == 200, html
            answers[next((k for k in ("选中", "借出", "归还") if k in html.split('id="answer"', 1)[1][:300]),
                         "other")] += 1
            started = time.perf_counter()
            await (await http.get("/healthz")).read()
            health_ms.append((time.perf_counter() - started) * 1000)
    return desk_ms, health_ms, answers


async def drive_browser(base: str, card: str, barcode: str, scans: int) -> dict[str, object]:
    """Sign in in Chromium, then time `scans` desk scans typed into the box (ms); the answers seen."""
    from playwright.async_api import async_playwright

    sequence = [(card, "已选中读者"), (barcode, "借出"), (barcode, "归还")]
    python_ms: list[float] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1366, "height": 768})
            await page.goto(f"{base}/admin/desk")  # no session: the sign-in page, then back here
            await page.fill("input[name=username]", "librarian")
            await page.fill("input[name=password]", "shuxiang-demo")
            await page.click("button[type=submit]")
            await page.locator("h1", has_text="借还台").wait_for(timeout=30_000)
            await page.evaluate(TIMER_JS)
            answers = {"选中": 0, "借出": 0, "归还": 0, "other": 0}
            warm = 15
            for n in range(warm + scans):
                code, _ = sequence[n % 3]
                await page.keyboard.type(code)  # not timed: a scanner types in a few ms, then Enter
                started = time.perf_counter()
                await page.keyboard.press("Enter")
                await page.wait_for_function(f"window.__desk.painted.length === {n + 1}", timeout=30_000)
                if n >= warm:
                    python_ms.append((time.perf_counter() - started) * 1000)
                    text = await page.locator("#answer").inner_text()
                    answers[next((k for k in ("选中", "借出", "归还") if k in text), "other")] += 1
            timings = await page.evaluate("window.__desk")
        finally:
            await browser.close()
    return {"settle": timings["settle"][warm:], "painted": timings["painted"][warm:], "python": python_ms,
            "answers": answers}


def _line(label: str, values: list[float]) -> str:
    return (f"{label:<34} p50 {statistics.median(values):6.1f} ms, p95 {percentile(values, 0.95):6.1f} ms"
            f"   (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scans", type=int, default=300, help="HTTP scans")
    parser.add_argument("--browser-scans", type=int, default=150, help="scans typed in Chromium")
    parser.add_argument("--no-browser", action="store_true", help="the HTTP part only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/demo.db"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        build = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli.main", "db", "init", "--demo", "--db", db_url], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        print(f"demo school built in {time.perf_counter() - build:.1f} s")
        card, barcode = pick_reader_and_copy(db_url)
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--demo", "--no-jobs", "--db", db_url,
                                   "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            desk_ms, health_ms, answers = asyncio.run(drive(base, card, barcode, args.scans))
            seen = None if args.no_browser else asyncio.run(drive_browser(base, card, barcode, args.browser_scans))
        finally:
            server.terminate()
            server.wait(timeout=10)
    d50, d95 = statistics.median(desk_ms), percentile(desk_ms, 0.95)
    h50, h95 = statistics.median(health_ms), percentile(health_ms, 0.95)
    print(f"HTTP answers: {answers}")
    print(f"HTTP desk scan → rendered answer: p50 {d50:.1f} ms, p95 {d95:.1f} ms   (n={len(desk_ms)})")
    print(f"baseline GET /healthz:            p50 {h50:.1f} ms, p95 {h95:.1f} ms   (n={len(health_ms)})")
    print(f"ratio p95 desk/healthz: {d95 / h95:.1f}×")
    if seen is None:
        print(f"target (in the browser): desk p95 ≤ {TARGET_P95_MS:.0f} ms → not measured (--no-browser)")
        return
    settle, painted, python = seen["settle"], seen["painted"], seen["python"]
    assert isinstance(settle, list) and isinstance(painted, list) and isinstance(python, list)
    print(f"browser answers: {seen['answers']}")
    print(_line("browser Enter → answer swapped in:", settle))
    print(_line("browser Enter → answer painted:", painted))
    print(_line("browser (Playwright press → seen):", python))
    b95 = percentile(painted, 0.95)
    print(f"target: desk scan p95 ≤ {TARGET_P95_MS:.0f} ms in the browser (painted) → "
          f"{'met' if b95 <= TARGET_P95_MS else 'MISSED'} ({b95:.1f} ms; HTTP alone {d95:.1f} ms)")


if __name__ == "__main__":
    main()
