"""统计 in a real headless Chromium on the demo school: the term report with its charts, the xlsx downloaded
and its embedded charts read back with openpyxl, the class report and a parents' reading report.
Screenshots for the docs: docs/img/reports-*.png."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from core.library import Library
from core.reports import build_report, term_period
from core.settings import Settings
from core.targets import Targets
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in

pytestmark = NEEDS_CHROMIUM
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL and is the slowest test here."""
    return sqlite_url


async def test_term_report_charts_and_the_xlsx_download(demo_console: TestClient, library: Library) -> None:
    targets = Targets.from_config(Settings(demo=True).targets)  # what the demo_console app was given
    with library.read_uow() as uow:
        period = term_period(uow.session, library.today())
    expected = build_report(library, period, targets=targets)
    async with chromium_page(viewport={"width": 1366, "height": 900},
                             accept_downloads=True) as (page, errors, _):
        await sign_in(page, "librarian", "shuxiang-demo", at=demo_console.make_url("/admin/reports"))
        await page.locator("h1", has_text="学期统计").wait_for(timeout=20_000)
        charts = page.locator("figure.chart img")
        assert await charts.count() == 3
        for i in range(3):  # each picture decoded by the browser, not a broken image
            assert await charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 600")
        summary = page.locator("section.summary")
        assert str(expected.loans) in await summary.locator("tr", has_text="借阅总册次").inner_text()
        first = page.locator("section.list-table", has_text="班级排名").locator("tbody tr").first
        assert await first.locator("td").nth(1).inner_text() == expected.classes[0].name
        IMG.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(IMG / "reports-term.png"), full_page=False)
        await page.locator("#chart-classes").screenshot(path=str(IMG / "reports-chart.png"))

        async with page.expect_download() as info:
            await page.click("#download-xlsx")
        download = await info.value
        assert download.suggested_filename.endswith("-借阅统计.xlsx")
        book = load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
        pictures = book["图表"]._images
        assert len(pictures) == 3 and all(p._data().startswith(b"\x89PNG") for p in pictures)
        assert [c.value for c in book["班级排名"][2]][1] == expected.classes[0].name

        await page.click("a:text('班级统计')")
        await page.select_option("select[name=class]", "三年级2班")
        await page.click("#report-form button[type=submit]")
        await page.locator("#students").wait_for(timeout=20_000)
        await page.screenshot(path=str(IMG / "reports-class.png"), full_page=False)
        await page.locator("#students a", has_text="阅读报告").first.click()
        await page.locator("h1", has_text="的阅读报告").wait_for(timeout=20_000)
        await page.emulate_media(media="print")
        assert not await page.locator("nav.console-nav").is_visible()  # printed without the console
        await page.screenshot(path=str(IMG / "reports-student.png"), full_page=True)
        pdf = await page.pdf(prefer_css_page_size=True)  # the stylesheet's @page: A4
        assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # one sheet of paper for the parents
        box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
        assert box and (round(float(box[1])), round(float(box[2]))) == (595, 842)  # A4 in points
        assert errors == []
