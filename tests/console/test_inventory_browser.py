"""A stock-take of a small shelf in a real headless Chromium: start, scan with the keyboard, watch the
missing and misplaced lists, close, weed one missing copy, find it in the weeding register (注销帐)."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from core.library import Library
from core.models import Item
from core.staff import Role, add_staff
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in
from tests.browser import scan as scan_like_a_scanner
from tests.console.conftest import PASSWORD
from tests.factories import add_term, add_title

pytestmark = NEEDS_CHROMIUM
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL (the HTTP tests cover both)."""
    return sqlite_url


async def test_a_stock_take_of_a_small_shelf_in_chromium(console: TestClient, library: Library) -> None:
    add_term(library)
    _, a = add_title(library, "草房子", "曹文轩", copies=3)  # 二楼A架
    _, c = add_title(library, "城南旧事", "林海音", copies=1)
    with library.uow() as uow:
        uow.session.execute(update(Item).where(Item.barcode == c[0]).values(location="二楼B架", condition_note="缺页"))
        uow.commit()
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    async with chromium_page(viewport={"width": 1366, "height": 900}) as (page, errors, _):
        await sign_in(page, "wang", PASSWORD, at=console.make_url("/admin/inventory"), enter=True)
        await page.locator("h1", has_text="清点（盘点）").wait_for(timeout=10_000)
        await page.fill("#start-form input[name=name]", "二楼期末清点")
        await page.fill("#start-form input[name=location]", "二楼")
        await page.click("#start-form button")
        await page.locator("h1", has_text="清点：二楼期末清点").wait_for(timeout=10_000)
        assert await page.locator("#n-expected").inner_text() == "4"
        assert await page.evaluate("document.activeElement.id") == "scan"

        # The current shelf first: Enter there goes back to the scan box, it submits nothing.
        await page.click("#shelf")
        await page.keyboard.type("二楼A架")
        await page.keyboard.press("Enter")
        assert await page.evaluate("document.activeElement.id") == "scan"
        answer = page.locator("#answer")

        async def scan(code: str, expect: str) -> None:
            await scan_like_a_scanner(page, code, expect, focused=False)

        await scan(a[0], f"✓ {a[0]}《草房子》在架")
        await scan(a[1], f"✓ {a[1]}《草房子》在架")
        await scan(c[0], "放错架了：应在二楼B架")
        await page.locator("#answer.refused").wait_for(timeout=10_000)
        await page.wait_for_function("document.body.dataset.beeps === '1'", timeout=10_000)
        assert await page.locator("#n-missing").inner_text() == "1"
        assert await page.locator("#n-misplaced").inner_text() == "1"
        assert await page.locator("#missing tbody tr").all_inner_texts() == [f"\t{a[2]}\t《草房子》\tI287.45/C1\t二楼A架"]
        assert await page.locator("#shelf").input_value() == "二楼A架"  # the shelf stays for the next scan
        assert page.url.endswith("/admin/inventory/1")
        await page.screenshot(path=str(IMG / "inventory-scan.png"), full_page=True)

        await page.check("#close-confirm")
        await page.click("#close-form button")
        await page.locator("#closed-note").wait_for(timeout=10_000)
        assert await page.locator("#scan").count() == 0
        await page.check(f"#missing input[value='{a[2]}']")
        await page.fill("#weed-form input[name=reason]", "清点缺失，确认丢失")
        await page.screenshot(path=str(IMG / "inventory-closed.png"), full_page=True)
        await page.click("#weed-form button")
        await answer.filter(has_text="共注销1本").wait_for(timeout=10_000)
        assert await page.locator("#n-missing").inner_text() == "1"  # the closed result stays as it closed
        assert await page.locator("#missing tr.gone .state").inner_text() == "已注销"

        await page.goto(str(console.make_url("/admin/registers/weeding")))
        row = page.locator("table tbody tr")
        assert await row.count() == 1
        text = await row.inner_text()
        assert a[2] in text and "清点缺失，确认丢失" in text and "二楼期末清点" in text and "25.00" in text
        await page.screenshot(path=str(IMG / "registers-weeding.png"), full_page=True)
        await page.click(".register-tabs a:has-text('分类帐')")
        await page.locator("h1", has_text="分类帐").wait_for(timeout=10_000)
        await page.screenshot(path=str(IMG / "registers-classes.png"), full_page=True)
        async with page.expect_download() as download:
            await page.click("#download-xlsx")
        assert (await download.value).suggested_filename.endswith(".xlsx")

        await page.goto(str(console.make_url("/admin/inventory/candidates?copies=1")))
        await page.locator("h1", has_text="剔旧候选").wait_for(timeout=10_000)
        assert await page.locator("#surplus tbody tr").count() == 2  # 草房子: two left, lent never
        assert c[0] in await page.locator("#damaged").inner_text()
        await page.screenshot(path=str(IMG / "inventory-candidates.png"), full_page=True)
        assert errors == []
