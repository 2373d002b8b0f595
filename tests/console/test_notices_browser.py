"""Publishing the reading festival in a real headless Chromium, on the demo school: fill the form, preview,
publish; the `activities` job runs on the test's clock and delivery hands it to the console channel; the
demo parent sees it in the simulator's pushes, and the activity page says it reached them. Screenshots
for docs/console/notices.md."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.accounts import Binding
from core.clock import FixedClock
from core.library import Library
from core.models import Guardian
from core.notices.compute import compute
from core.notices.preferences import unsubscribe
from core.settings import Settings
from scheduler.channels.others import ConsolePushChannel
from scheduler.delivery import NoticeDelivery
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in

pytestmark = NEEDS_CHROMIUM
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
TEXT = "11月27日（周五）下午在图书室举行读书节，请家长和孩子一起挑一本最喜欢的书来分享。"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL (the HTTP tests cover both)."""
    return sqlite_url


def _demo_parent(library: Library) -> str:
    with library.read_uow() as uow:
        name = uow.session.scalar(select(Guardian.name).join(Binding, Binding.guardian_id == Guardian.id)
                                  .where(Binding.user_id == "demo-parent"))
    assert name is not None
    return name


async def test_publish_the_reading_festival_and_the_parent_gets_it(demo_console: TestClient, library: Library,
                                                                    clock: FixedClock) -> None:
    unsubscribe(library, "demo-teacher", "new_books")  # something for the outbox's unreachable list
    parent = _demo_parent(library)
    async with chromium_page(viewport={"width": 1280, "height": 900}) as (page, errors, browser):
        await sign_in(page, "librarian", "shuxiang-demo", enter=True,
                      at=demo_console.make_url("/admin/notices"))
        await page.locator("h1", has_text="活动通知").wait_for(timeout=10_000)

        await page.fill("input[name=title]", "读书节")
        await page.fill("input[name=starts_on]", "2026-11-27")
        await page.fill("input[name=place]", "图书室")
        await page.fill("input[name=classes]", "三年级二班")
        await page.uncheck("input[name=audience][value=teachers]")
        await page.fill("textarea[name=body]", "")
        await page.click("#publish-button")  # no text yet: named beside the field, nothing published
        await page.locator(".field-error[data-field=body]", has_text="请填写通知内容").wait_for(timeout=10_000)
        assert await page.input_value("input[name=place]") == "图书室"  # the form keeps what was typed

        await page.fill("textarea[name=body]", TEXT)
        await page.click("#preview-button")
        preview = page.locator("#preview-text")
        await preview.wait_for(timeout=10_000)
        expected = f"【活动通知】读书节（11月27日（周五），图书室）：{TEXT}"
        assert await preview.inner_text() == expected
        await page.screenshot(path=str(IMG / "notices-publish.png"), full_page=True)

        await page.click("#publish-button")
        await page.locator("#done", has_text="活动已发布").wait_for(timeout=10_000)
        activity_url = page.url.split("?")[0]
        assert await page.locator("#not-yet").count() == 1

        # The scheduler's job and delivery, as tests/scheduler runs them: on the injected clock.
        settings = Settings(demo=True)
        assert compute(library, settings, "activities", clock()).written >= 1
        await NoticeDelivery(library, settings, {"console": ConsolePushChannel()}, clock).drain()  # type: ignore[dict-item]

        sim = await browser.new_page(viewport={"width": 480, "height": 860})
        sim.on("pageerror", lambda exc: errors.append(str(exc)))
        await sim.goto(str(demo_console.make_url("/simulator")))
        await sim.wait_for_selector("#user option[value='demo-parent']", state="attached")
        await sim.select_option("#user", "demo-parent")
        await sim.locator(".push", has_text=expected).wait_for(timeout=10_000)
        await sim.screenshot(path=str(IMG / "notices-simulator.png"))

        await page.goto(activity_url)
        recipient = page.locator("#recipients tr", has_text=parent)
        await recipient.wait_for(timeout=10_000)
        assert await recipient.locator("td").nth(1).inner_text() == "已送达"
        assert "demo-parent" not in await page.content()
        await page.screenshot(path=str(IMG / "notices-activity.png"), full_page=True)

        await page.click(".notice-tabs a:has-text('发件箱')")
        await page.locator("#outbox").wait_for(timeout=10_000)
        await page.locator("#unreachable tr[data-reason=unsubscribed]").first.wait_for(timeout=10_000)
        await page.screenshot(path=str(IMG / "notices-outbox.png"), full_page=True)

        await page.click(".notice-tabs a:has-text('个人推送设置')")
        await page.fill("input[name=q]", parent)
        await page.keyboard.press("Enter")
        row = page.locator("table.prefs tr[data-topic=activities]").first
        await row.wait_for(timeout=10_000)
        await row.locator("button", has_text="停止").click()
        await page.locator("#done", has_text="已停止这类推送").wait_for(timeout=10_000)
        assert await page.locator("table.prefs tr[data-topic=activities] td.off").count() >= 1
        await page.screenshot(path=str(IMG / "notices-people.png"), full_page=True)
        assert errors == []
