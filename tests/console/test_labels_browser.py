"""Labels in a real headless Chromium: choose two new copies, print their barcode labels to PDF, read them back."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from core.library import Library
from core.models import ReaderType
from core.staff import Role, add_staff
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in
from tests.console.conftest import PASSWORD
from tests.factories import add_reader, add_title
from tests.labels.decode import decode

pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is not installed")
pytestmark = NEEDS_CHROMIUM
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
DPI = 300
A4_POINTS = (595, 842)  # 210 × 297 mm in PDF points


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL (the HTTP tests cover both)."""
    return sqlite_url


def _pages(pdf: bytes) -> list[tuple[tuple[int, int], object]]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [(tuple(round(v) for v in p.get_size()), p.render(scale=DPI / 72).to_pil()) for p in document]
    finally:
        document.close()


async def test_two_new_copies_print_as_barcode_labels_that_scan_back(console: TestClient, library: Library) -> None:
    _, first = add_title(library, "草房子", "曹文轩", copies=1)
    _, second = add_title(library, "城南旧事", "林海音", copies=1)
    add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30202", class_name="三年级2班")
    add_reader(library, "王小明", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    async with chromium_page(viewport={"width": 1280, "height": 900}) as (page, errors, _):
        await sign_in(page, "wang", PASSWORD, enter=True,
                      at=console.make_url(f"/admin/labels?barcodes={first[0]},{second[0]}"))
        await page.locator("h2", has_text="要打印的复本：2 册").wait_for(timeout=10_000)
        await page.screenshot(path=str(IMG / "labels-choose.png"), full_page=True)

        await page.check("input[name=title]")
        await page.click("#print-barcode")
        await page.locator(".sheet .label").first.wait_for(timeout=10_000)
        assert await page.locator(".label .digits").all_inner_texts() == [first[0], second[0]]
        await page.screenshot(path=str(IMG / "labels-barcodes.png"))
        pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
        pages = _pages(pdf)
        assert [size for size, _ in pages] == [A4_POINTS]  # one A4 sheet, at 100%
        assert decode(pages[0][1]) == [first[0], second[0]]  # row 1: positions 1 and 2, left to right

        await page.go_back()
        await page.fill("#start", "6")  # a partly used sheet: the next free sticker is the 6th
        await page.click("#print-spine")
        await page.locator(".spine .line").first.wait_for(timeout=10_000)
        assert await page.locator(".label").evaluate_all("ls => ls.map(l => l.dataset.position)") == ["6", "7"]
        assert await page.locator(".label").first.inner_text() == "I287.45\nC1"
        await page.screenshot(path=str(IMG / "labels-spines.png"))

        await page.goto(str(console.make_url("/admin/labels")))
        await page.click("#print-cards")
        await page.locator(".card").first.wait_for(timeout=10_000)
        pages = _pages(await page.pdf(prefer_css_page_size=True, print_background=True))
        assert decode(pages[0][1]) == ["S30202", "S30201"]  # 陈 before 王, as the roster prints
        await page.screenshot(path=str(IMG / "labels-cards.png"))
        assert errors == []
