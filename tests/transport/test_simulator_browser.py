"""The simulator page in a real headless Chromium: pick a user, chat, see replies and pushes."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.keys import CONSOLE
from tests.browser import CHROMIUM, FLAGS, NEEDS_CHROMIUM, async_api
from tests.transport.conftest import CountingResponder

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL and is the slowest test here."""
    return sqlite_url


async def test_chat_as_the_demo_teacher_in_chromium(client: TestClient, responder: CountingResponder) -> None:
    async with async_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(str(client.make_url("/simulator")))
            await page.wait_for_selector("#user option[value='demo-teacher']", state="attached")
            await page.select_option("#user", "demo-teacher")

            await page.fill("#text", "我的借阅")
            await page.click("#send")
            await page.locator(".row:not(.me) .bubble", has_text="收到：我的借阅").wait_for(timeout=10_000)

            await page.click("#menu button[data-key='HELP']")
            await page.locator(".row:not(.me) .bubble", has_text="续借").first.wait_for(timeout=10_000)

            await client.app[CONSOLE].send_text("demo-teacher", "《草房子》后天到期。", title="到期提醒")
            await page.locator(".push", has_text="《草房子》后天到期。").wait_for(timeout=10_000)

            assert [m.user_id for m in responder.calls] == ["demo-teacher", "demo-teacher"]
            assert responder.calls[1].event_key == "HELP"
            assert errors == []
        finally:
            await browser.close()
