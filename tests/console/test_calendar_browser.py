"""The calendar page in a real headless Chromium: close a day on the page and a new loan's due date moves;
then load the year's national holidays through the preview. Takes docs/img/calendar.png."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from core.circulation import CheckoutItem, checkout
from core.library import Library
from core.models import ReaderType
from tests.browser import NEEDS_CHROMIUM, chromium_page, import_national_holidays, sign_in
from tests.console.conftest import PASSWORD
from tests.factories import add_reader, add_term, add_title

pytestmark = NEEDS_CHROMIUM
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "calendar.png"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the HTTP tests cover PostgreSQL; the browser is the slow part."""
    return sqlite_url


async def test_close_a_day_on_the_page_and_a_due_date_moves(console: TestClient, library: Library,
                                                            librarian: str) -> None:
    add_term(library)  # 2026-09-01..2027-01-22; today is Wednesday 2026-11-18
    _, card = add_reader(library, "张老师", ReaderType.TEACHER)
    _, copies = add_title(library, "草房子", copies=2)
    assert checkout(library, CheckoutItem(card, copies[0])).due_date == date(2026, 11, 25)  # 7 days

    async with chromium_page(viewport={"width": 1366, "height": 768}) as (page, errors, _):
        await sign_in(page, librarian, PASSWORD, at=console.make_url("/admin/calendar"))
        await page.locator("h1", has_text="校历").wait_for(timeout=10_000)
        assert await page.locator("#day-2026-11-18.today").count() == 1

        # A wrong range first: the message sits next to the field, nothing is written.
        await page.fill("#closed input[name=day]", "2026-11-25")
        await page.fill("#closed input[name=last]", "2026-11-24")
        await page.click("#closed button[type=submit]")
        await page.locator("#closed .error", has_text="结束日期不能早于开始日期").wait_for(timeout=10_000)
        assert await page.locator("#closed input[name=reason]").input_value() == ""

        await page.fill("#closed input[name=last]", "")
        await page.fill("#closed input[name=reason]", "运动会")
        await page.click("#closed button[type=submit]")
        await page.locator("#done", has_text="已设为闭馆").wait_for(timeout=10_000)
        cell = page.locator("#day-2026-11-25")
        assert "运动会" in await cell.inner_text() and "到期顺延至 11月26日" in await cell.inner_text()
        assert checkout(library, CheckoutItem(card, copies[1])).due_date == date(2026, 11, 26)

        # The year's national holidays: preview, then accept.
        await import_national_holidays(page, 2026)
        await page.click("a[rel=prev]")
        await page.locator("h2", has_text="2026年10月").wait_for(timeout=10_000)
        await page.click("a[rel=next]")
        await page.locator("h2", has_text="2026年11月").wait_for(timeout=10_000)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))
        assert errors == []
