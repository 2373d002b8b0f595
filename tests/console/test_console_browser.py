"""The console in a real headless Chromium: on the demo school a wrong password, then the demo librarian's home
page; on a plain install five wrong passwords, then the wait message (lock-out), then in after 15 minutes."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FixedClock
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in
from tests.console.conftest import PASSWORD

pytestmark = NEEDS_CHROMIUM
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "console-home.png"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL and is the slowest test here."""
    return sqlite_url



async def test_sign_in_as_the_demo_librarian_in_chromium(demo_console: TestClient) -> None:
    async with chromium_page(viewport={"width": 1366, "height": 768}) as (page, errors, _):
        await page.goto(str(demo_console.make_url("/admin")))
        assert "/admin/login" in page.url  # no session: the sign-in page

        await sign_in(page, "librarian", "not-the-password")
        await page.locator(".error", has_text="用户名或密码不对").wait_for(timeout=10_000)

        await page.fill("input[name=password]", "shuxiang-demo")
        await page.click("button[type=submit]")
        await page.locator("h1", has_text="今天").wait_for(timeout=10_000)
        assert page.url.endswith("/admin")
        assert int(await page.locator("#overdue").inner_text()) > 0  # the demo has overdue loans
        assert await page.locator("text=本学期：").count() == 1  # and a current term
        assert await page.locator("nav a", has_text="借还台").count() == 1
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))

        await page.click("text=退出")
        await page.locator("h1", has_text="登录书香后台").wait_for(timeout=10_000)
        assert errors == []


async def test_five_wrong_passwords_in_chromium_then_the_wait_message(
        console: TestClient, clock: FixedClock, librarian: str) -> None:
    """A non-demo install: five wrong passwords typed in the browser, then even the right one waits."""
    async with chromium_page(viewport={"width": 1366, "height": 768}) as (page, errors, _):
        await page.goto(str(console.make_url("/admin/login")))

        async def submit(password: str) -> int:
            await page.fill("input[name=username]", librarian)
            await page.fill("input[name=password]", password)
            async with page.expect_response(lambda r: r.url.endswith("/admin/login")
                                            and r.request.method == "POST") as answered:
                await page.keyboard.press("Enter")
            await page.wait_for_load_state()
            return (await answered.value).status

        for n in range(5):
            assert await submit(f"wrong-{n}") == 401
            assert await page.locator(".error[role=alert]").inner_text() == \
                "用户名或密码不对。请再试一次；忘了密码请找图书管理员重设。"
            assert await page.locator("input[name=username]").input_value() == librarian  # kept
        assert await submit(PASSWORD) == 429  # the right password, but the account waits now
        await page.locator(".error[role=alert]",
                           has_text="密码错误次数太多，请 15 分钟后再试。").wait_for(timeout=10_000)
        assert "/admin/login" in page.url and await page.locator("text=退出").count() == 0  # not signed in

        clock.advance(minutes=15, seconds=1)  # the first failure has left the window
        assert await submit(PASSWORD) == 302  # signed in: redirected to the home page
        await page.locator("h1", has_text="今天").wait_for(timeout=10_000)
        assert errors == []
