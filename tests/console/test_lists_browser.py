"""The overdue list in a real headless Chromium on the demo school: open it, download the xlsx, read it back."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from core import lists
from core.library import Library
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in

pytestmark = NEEDS_CHROMIUM
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "lists.png"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL and is the slowest test here."""
    return sqlite_url



async def test_download_the_overdue_list_and_read_it_back(demo_console: TestClient, library: Library) -> None:
    expected = lists.overdue(library).rows
    assert expected  # the demo school has overdue loans
    async with chromium_page(viewport={"width": 1366, "height": 768},
                             accept_downloads=True) as (page, errors, _):
        await sign_in(page, "librarian", "shuxiang-demo", at=demo_console.make_url("/admin/lists/overdue"))
        await page.locator("h1", has_text="逾期清单").wait_for(timeout=10_000)
        assert page.url.endswith("/admin/lists/overdue")
        assert await page.locator("tbody tr").count() == len(expected)
        first = page.locator("tbody tr").first.locator("td")
        assert await first.nth(0).inner_text() == expected[0].reader
        assert await first.nth(5).inner_text() == str(expected[0].days_late)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))

        async with page.expect_download() as info:
            await page.click("#download-xlsx")
        download = await info.value
        assert download.suggested_filename == "逾期清单-2026-11-18.xlsx"
        data = Path(await download.path()).read_bytes()
        sheet = load_workbook(io.BytesIO(data)).worksheets[0]
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert values[0] == ["读者", "班级", "书名", "条形码", "应还日期", "逾期天数"]
        assert [(r[0], r[1] or "", r[2], r[3], r[4].date(), r[5]) for r in values[1:]] == [
            (r.reader, r.class_name, r.title, r.barcode, r.due_date, r.days_late) for r in expected]
        assert errors == []
