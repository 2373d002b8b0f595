"""New books in a real headless Chromium: search, open a title, add a title by ISBN with two copies
(barcodes proposed), see the labels link naming exactly those two barcodes."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.library import Library
from core.models import Item, Title
from core.staff import Role, add_staff
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in
from tests.console.conftest import PASSWORD
from tests.factories import add_title

pytestmark = NEEDS_CHROMIUM
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL (the HTTP tests cover both)."""
    return sqlite_url


async def test_receive_a_new_book_in_chromium(console: TestClient, library: Library) -> None:
    title_id, copies = add_title(library, "草房子", "曹文轩", copies=2)
    shelf = [(title_id, "I287.45")]
    for name, clc in (("城南旧事", "I246.5"), ("昆虫记", "Q96"), ("上下五千年", "K209"), ("十万个为什么", "Z228.1"),
                      ("小学生字典", "H163")):
        shelf.append((add_title(library, name, copies=1)[0], clc))
    with library.uow() as uow:  # class numbers, so the browse page has something to count
        for tid, clc in shelf:
            found = uow.session.get(Title, tid)
            assert found is not None
            found.clc = clc
        uow.commit()
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    with library.read_uow() as uow:
        highest = max(uow.session.scalars(select(Item.barcode)))
    expected = [f"B{int(highest[1:]) + n:07d}" for n in (1, 2)]
    async with chromium_page(viewport={"width": 1366, "height": 900}) as (page, errors, _):
        await sign_in(page, "wang", PASSWORD, at=console.make_url("/admin/catalogue"), enter=True)
        await page.locator("h1", has_text="书目").wait_for(timeout=10_000)
        IMG.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(IMG / "catalogue-browse.png"), full_page=True)

        # Search by pinyin initials, open the title.
        await page.fill("#q", "cfz")
        await page.keyboard.press("Enter")
        await page.locator("table.titles a", has_text="草房子").wait_for(timeout=10_000)
        await page.screenshot(path=str(IMG / "catalogue-search.png"), full_page=True)
        await page.locator("table.titles a", has_text="草房子").click()
        await page.locator("h1", has_text="《草房子》").wait_for(timeout=10_000)
        assert await page.locator("table.copies tbody tr").count() == 2
        assert copies[0] in await page.locator("table.copies").inner_text()
        await page.screenshot(path=str(IMG / "catalogue-title.png"), full_page=True)

        # New book by ISBN: step one, then the form with two proposed barcodes.
        await page.goto(str(console.make_url("/admin/catalogue/new")))
        await page.fill("#isbn", "978-7-5332-8212-7")
        await page.keyboard.press("Enter")
        await page.locator("#title").wait_for(timeout=10_000)
        await page.fill("#count", "2")
        await page.locator("#count").dispatch_event("change")  # htmx proposes barcodes for two copies
        await page.wait_for_function(f"document.getElementById('barcodes').value === '{' '.join(expected)}'",
                                     timeout=10_000)
        await page.fill("#title", "青铜葵花")
        await page.fill("#author", "曹文轩 著")
        await page.fill("#publisher", "天天出版社")
        await page.fill("#clc", "I287.45")
        await page.fill("#grades", "3-6")
        await page.fill("#call_number", "I287.45/C12")
        await page.fill("#location", "二楼A3架")
        await page.fill("#price", "25.00")
        await page.screenshot(path=str(IMG / "catalogue-new.png"), full_page=True)
        await page.get_by_role("button", name="保存入库").click()

        link = page.locator("#labels-link")
        await link.wait_for(timeout=10_000)
        href = await link.get_attribute("href")
        assert href is not None and href == "/admin/labels?barcodes=" + ",".join(expected), href
        assert "《青铜葵花》" in await page.locator("h1").inner_text()
        await page.screenshot(path=str(IMG / "catalogue-added.png"), full_page=True)
        assert errors == []
    with library.read_uow() as uow:
        new_title = uow.session.scalar(select(Title).where(Title.title == "青铜葵花"))
        assert new_title is not None and new_title.isbn == "9787533282127"
        assert sorted(uow.session.scalars(select(Item.barcode).where(Item.title_id == new_title.id))) == expected
