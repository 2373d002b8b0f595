"""导入 in a real headless Chromium: upload a CSV with a bad row, read the preview, accept the good rows, see the history."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from core.imports.batches import PendingImport
from core.imports.pending import stage_upload
from core.library import Library
from core.models import Item
from core.staff import Role, add_staff
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in
from tests.console.conftest import PASSWORD
from tests.console.test_imports import HEADER, ROWS, csv_bytes

pytestmark = NEEDS_CHROMIUM
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL (the HTTP tests cover both)."""
    return sqlite_url


async def test_upload_a_csv_with_a_bad_row_and_accept_the_good_rows(console: TestClient, library: Library) -> None:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    async with chromium_page(viewport={"width": 1366, "height": 900}) as (page, errors, _):
        await sign_in(page, "wang", PASSWORD, at=console.make_url("/admin/imports"), enter=True)
        await page.locator("h1", has_text="导入书目或读者名单").wait_for(timeout=10_000)
        await page.locator("nav a", has_text="导入").wait_for(timeout=5_000)  # the link is in the navigation
        await page.set_input_files("input[name=file]", files=[
            {"name": "馆藏.csv", "mimeType": "text/csv", "buffer": csv_bytes(HEADER, ROWS)}])
        await page.screenshot(path=str(IMG / "imports-upload.png"))
        await page.click("text=上传并预览")

        bad = page.locator(".import-problems tr[data-line='4']")
        await bad.wait_for(timeout=20_000)  # after the progress bar, if any
        assert await bad.locator(".where").inner_text() == "第4行"
        assert "缺少条形码" in await bad.inner_text()
        assert await page.locator("#good-rows").inner_text() == "3"
        assert "备注说明X" in await page.locator(".import-columns").inner_text()
        assert await page.locator("#accept-all").count() == 0  # a file with bad rows is never taken whole
        await page.screenshot(path=str(IMG / "imports-preview.png"), full_page=True)
        with library.uow() as uow:
            assert uow.session.scalar(select(func.count()).select_from(Item)) == 0  # nothing before accepting

        await page.click("#accept-good")
        await page.locator(".import-done h2", has_text="导入完成").wait_for(timeout=20_000)
        assert await page.locator("#import-counts").inner_text() == "新增书目 2，新增复本 3"
        await page.screenshot(path=str(IMG / "imports-done.png"))
        await page.go_back()  # the back button, then accept again: nothing imported twice
        await page.reload()
        assert await page.locator("#accept-good").count() == 0

        await page.click("text=查看导入记录")
        row = page.locator(".import-history tbody tr").first
        await row.wait_for(timeout=10_000)
        text = await row.inner_text()
        assert "馆藏.csv" in text and "wang" in text and "新增复本 3" in text and "1 行" in text
        async with page.expect_download() as download:
            await row.locator("a", has_text="Excel").click()
        assert (await download.value).suggested_filename.endswith(".xlsx")
        await page.screenshot(path=str(IMG / "imports-history.png"))
        with library.uow() as uow:
            assert uow.session.scalar(select(func.count()).select_from(Item)) == 3
        assert errors == []


async def test_a_long_preview_shows_its_progress_bar(console: TestClient, library: Library) -> None:
    """A preview being worked out (here: staged, its worker not started, 4,200 of 10,000 rows read)."""
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    token = stage_upload(library, kind="catalogue", filename="馆藏10000.csv", data=csv_bytes(HEADER, ROWS),
                         actor="wang")
    with library.uow() as uow:
        uow.session.execute(update(PendingImport).where(PendingImport.id == token).values(done=4200, total=10_000))
        uow.commit()
    async with chromium_page(viewport={"width": 1366, "height": 600}) as (page, _, _):
        await sign_in(page, "wang", PASSWORD, at=console.make_url(f"/admin/imports/{token}"), enter=True)
        bar = page.locator("#import-progress progress")
        await bar.wait_for(timeout=10_000)
        assert await bar.get_attribute("value") == "42"
        assert "已读 4200 / 约 10000 行（42%）" in " ".join((await page.locator("#import-progress").inner_text()).split())
        with library.uow() as uow:  # the page polls: the next figure shows without a reload
            uow.session.execute(update(PendingImport).where(PendingImport.id == token).values(done=7000))
            uow.commit()
        await page.wait_for_function(
            "document.querySelector('#import-progress progress').getAttribute('value') === '70'", timeout=10_000)
        await page.screenshot(path=str(IMG / "imports-progress.png"))
