"""The console warms the chart library at start-up, in a worker thread (issue 16: the first 统计 page
after a server start over 200,000 loans must stay ≤ 3 s; matplotlib and the CJK font cost ~0.5 s).

Run in a fresh interpreter: in the test process another test may have imported matplotlib already.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.reports.fonts import NoChineseFont, chinese_font

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from aiohttp.test_utils import TestServer
    from bot.app import create_app
    from bot.bootstrap import build_settings, open_library
    from bot.responder import HelpResponder
    from core.clock import system_clock
    from core.reports.fonts import chinese_font

    async def main() -> None:
        settings = build_settings(db=sys.argv[1])
        library = open_library(settings, system_clock)
        assert "matplotlib" not in sys.modules, "nothing imported matplotlib before the server started"
        server = TestServer(create_app(settings, responder=HelpResponder(), clock=system_clock, library=library))
        await server.start_server()
        for _ in range(300):  # the warm-up runs beside the server; give it up to 30 s on a busy machine
            if chinese_font.cache_info().currsize:
                break
            await asyncio.sleep(0.1)
        print("warm" if "matplotlib.figure" in sys.modules and chinese_font.cache_info().currsize else "cold")
        await server.close()
        library.close()

    asyncio.run(main())
""")


def test_server_start_loads_matplotlib_and_the_chinese_font(sqlite_url: str) -> None:
    try:
        chinese_font()
    except NoChineseFont:
        pytest.skip("no Chinese font installed (apt-get install fonts-noto-cjk)")
    done = subprocess.run([sys.executable, "-c", SCRIPT, sqlite_url], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "warm"
