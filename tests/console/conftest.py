"""Console fixtures: the real app (bot.app.create_app) on a real database, staff accounts, a signed-in client."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.responder import HelpResponder
from core.clock import FixedClock
from core.library import Library
from core.models import SchoolClass
from core.settings import ConsoleSettings, Settings
from core.staff import Role, add_staff

PASSWORD = "correct-horse-1"
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')

ConsoleClient = Callable[..., Awaitable[TestClient]]


def add_class(library: Library, name: str = "三年级2班", grade: int = 3) -> None:
    with library.uow() as uow:
        uow.session.add(SchoolClass(name=name, grade=grade))
        uow.commit()


@pytest.fixture
def make_console(library: Library, clock: FixedClock,
                 aiohttp_client: Callable[..., Awaitable[TestClient]]) -> ConsoleClient:
    """Start the whole server app (WeChat side and console) on the test library."""
    async def make(*, trust_forwarded_for: bool = False, idle_minutes: int = 30) -> TestClient:
        settings = Settings(console=ConsoleSettings(idle_minutes=idle_minutes,
                                                    trust_forwarded_for=trust_forwarded_for))
        app: web.Application = create_app(settings, responder=HelpResponder(), clock=clock, library=library)
        return await aiohttp_client(app)
    return make


@pytest.fixture
async def console(make_console: ConsoleClient) -> TestClient:
    return await make_console()


@pytest.fixture
def librarian(library: Library) -> str:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    return "wang"


async def login_token(client: TestClient) -> str:
    """GET the sign-in page: its form's CSRF token (the client keeps the matching cookie)."""
    response = await client.get("/admin/login")
    assert response.status == 200
    match = CSRF_FIELD.search(await response.text())
    assert match is not None
    return match.group(1)


async def sign_in(client: TestClient, name: str, password: str = PASSWORD, *, next_path: str = "",
                  headers: dict[str, str] | None = None) -> web.StreamResponse:
    """POST the sign-in form as a browser would (with the page's CSRF token); no redirect followed."""
    token = await login_token(client)
    return await client.post("/admin/login", data={"username": name, "password": password, "csrf": token,
                                                   "next": next_path},
                             headers=headers or {}, allow_redirects=False)


async def page_csrf(client: TestClient, path: str = "/admin") -> str:
    """The signed-in page's CSRF token (the sign-out form carries it)."""
    response = await client.get(path)
    assert response.status == 200, await response.text()
    match = CSRF_FIELD.search(await response.text())
    assert match is not None
    return match.group(1)


@pytest.fixture
async def demo_console(library: Library, clock: FixedClock,
                       aiohttp_client: Callable[..., Awaitable[TestClient]]) -> TestClient:
    """The console on a freshly built demo school (its three demo accounts), on the test's clock."""
    from core.demo.builder import build_demo

    build_demo(library)
    app: web.Application = create_app(Settings(demo=True), responder=HelpResponder(), clock=clock, library=library)
    return await aiohttp_client(app)
