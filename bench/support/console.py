"""What the console benches share: the server they time (what `shuxiang serve` runs) and a signed-in session.

Imported as `bench.support.console` (the benches put the repository root on sys.path); it lives below
bench/ so that `make bench`, which runs bench/*.py, does not run it as a bench of its own.
"""
from __future__ import annotations

import asyncio
import re
from datetime import datetime

import aiohttp

PASSWORD = "bench-password-1"  # the bench librarian's password (each bench adds the account as "bench")


def serve(port: int, url: str, now: datetime | None = None) -> None:
    """Run the whole server app on `url` at 127.0.0.1:`port` until killed (a spawned process's target).

    `now`: a fixed clock (UTC) for benches whose data is dated; None = the system clock.
    """
    import logging

    from aiohttp import web

    from bot.app import create_app
    from bot.bootstrap import build_settings, open_library
    from bot.responder import HelpResponder
    from core.clock import Clock, FixedClock, system_clock

    logging.basicConfig(level=logging.WARNING)
    settings = build_settings(db=url)
    clock: Clock = FixedClock(now) if now is not None else system_clock
    library = open_library(settings, clock)
    app = create_app(settings, responder=HelpResponder(), clock=clock, library=library)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


async def wait_for(http: aiohttp.ClientSession, url: str, tries: int = 300) -> str:
    """GET `url` until the server answers (0.1 s apart); its body. SystemExit when it never does."""
    for _ in range(tries):
        try:
            return (await (await http.get(url)).read()).decode(errors="replace")
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise SystemExit(f"the server at {url} did not start")


async def sign_in(http: aiohttp.ClientSession, base: str, name: str = "bench", password: str = PASSWORD) -> None:
    """Sign `http` (its cookie jar) in to the console at `base`, waiting for the server to start."""
    page = await wait_for(http, f"{base}/admin/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    answer = await http.post(f"{base}/admin/login", allow_redirects=False,
                             data={"username": name, "password": password, "csrf": token.group(1), "next": ""})
    assert answer.status == 302, answer.status
