"""The demo school's three console accounts and the home page's figures from core."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.responder import HelpResponder
from core.clock import FixedClock
from core.dashboard import dashboard
from core.demo.builder import build_demo
from core.library import Library
from core.settings import Settings
from tests.console.conftest import sign_in


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: building the demo school twice adds nothing here."""
    return sqlite_url


async def test_the_demo_accounts_sign_in_with_their_roles(
        library: Library, clock: FixedClock, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    build_demo(library)
    app: web.Application = create_app(Settings(demo=True), responder=HelpResponder(), clock=clock, library=library)
    client = await aiohttp_client(app)
    figures = dashboard(library)
    assert figures.overdue > 0 and figures.term is not None and figures.holds_to_shelve > 0

    assert (await sign_in(client, "librarian", "shuxiang-demo")).status == 302
    home = await (await client.get("/admin")).text()
    # The librarian's figures open the lists they count.
    overdue = re.search(r'<a class="n" id="overdue" href="([^"]+)"[^>]*>(\d+)</a>', home)
    holds = re.search(r'<a class="n" id="holds" href="([^"]+)"[^>]*>(\d+)</a>', home)
    assert overdue is not None and holds is not None, home
    assert overdue.groups() == ("/admin/lists/overdue", str(figures.overdue))
    assert holds.groups() == ("/admin/lists/holds", str(figures.holds_to_shelve))
    for link in (overdue, holds):
        assert (await client.get(link.group(1))).status == 200
    assert f"本学期：{figures.term}" in home and "还没有设置本学期校历" not in home

    homes = {}
    for name, role in (("helper", "小图书管理员"), ("headteacher", "班主任（三年级2班）")):
        client.session.cookie_jar.clear()
        assert (await sign_in(client, name, "shuxiang-demo")).status == 302
        homes[name] = await (await client.get("/admin")).text()
        assert role in homes[name]
    # A helper may not open the lists: the numbers stay, without links.
    assert f'<span class="n" id="overdue">{figures.overdue}</span>' in homes["helper"]
    assert f'<span class="n" id="holds">{figures.holds_to_shelve}</span>' in homes["helper"]
    assert "/admin/lists" not in homes["helper"]
    # A class teacher's own figures open their class's page, which they may see.
    assert re.search(r'<a class="n" id="class-overdue" href="/admin/lists/class"', homes["headteacher"])
    assert (await client.get("/admin/lists/class")).status == 200


async def test_the_simulator_page_lists_the_demo_accounts(
        library: Library, clock: FixedClock, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    app: web.Application = create_app(Settings(demo=True), responder=HelpResponder(), clock=clock, library=library)
    client = await aiohttp_client(app)
    text = await (await client.get("/simulator")).text()
    for expected in ('href="/admin"', "shuxiang-demo", "<code>librarian</code>", "<code>helper</code>",
                     "<code>headteacher</code>", "三年级2班"):
        assert expected in text
