"""Demo mode never runs on a real school's database, and the simulator exists only in demo mode."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.bootstrap import NOT_A_DEMO, NotADemoDatabase, build_settings, open_library
from core.clock import FixedClock
from core.library import Library
from core.settings import Settings
from tests.factories import add_reader, add_title
from tests.transport.conftest import AppFactory, CountingResponder

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _real_school(url: str, clock: FixedClock) -> None:
    lib = Library.open(url, clock=clock, migrate=False)
    add_title(lib, "草房子", "曹文轩")
    add_reader(lib, "李老师", card_no="T0005")
    lib.close()


def test_serve_demo_refuses_a_real_school_database_and_never_listens(sqlite_url: str, clock: FixedClock,
                                                                     tmp_path: Path) -> None:
    _real_school(sqlite_url, clock)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--demo", "--db", sqlite_url, "--no-jobs",
                               "--port", str(port)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        _, err = server.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it started serving the real school with the demo token
        server.kill()
        server.communicate()
        raise AssertionError("serve --demo ran on a real school's database") from None
    assert server.returncode == 1
    assert NOT_A_DEMO in err.decode() and "Traceback" not in err.decode()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        pass


def test_demo_mode_refuses_a_real_school_on_any_database(db_url: str, clock: FixedClock) -> None:
    _real_school(db_url, clock)
    with pytest.raises(NotADemoDatabase):
        open_library(build_settings(demo=True, db=db_url), clock)
    lib = open_library(build_settings(db=db_url), clock)  # without --demo the school opens as usual
    lib.close()


@pytest.mark.parametrize("demo", [False, True])
async def test_the_simulator_is_mounted_only_in_demo_mode(make_client: AppFactory, library: Library,
                                                          settings: Settings, demo: bool) -> None:
    client: TestClient = await make_client(library, CountingResponder(), settings=replace(settings, demo=demo))
    page = await client.get("/simulator")
    send = await client.post("/simulator/api/send", json={"user": "demo-librarian", "text": "验证码 T0005"})
    assert (page.status, send.status) == ((200, 200) if demo else (404, 404))
