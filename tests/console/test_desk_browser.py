"""A day at the desk in a real headless Chromium, keyboard only: a card, two loans, a loud refusal, a return."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from core.library import Library
from core.models import ReaderType
from core.staff import Role, add_staff
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in
from tests.browser import scan as scan_like_a_scanner
from tests.console.conftest import PASSWORD
from tests.factories import add_reader, add_term, add_title

pytestmark = NEEDS_CHROMIUM
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "desk.png"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL (the HTTP tests cover both)."""
    return sqlite_url


async def test_a_day_at_the_desk_in_chromium(console: TestClient, library: Library) -> None:
    add_term(library)
    _, copies = add_title(library, "草房子", "曹文轩", copies=3)
    _, card = add_reader(library, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    async with chromium_page(viewport={"width": 1366, "height": 768}) as (page, errors, _):
        await sign_in(page, "wang", PASSWORD, at=console.make_url("/admin/desk"), enter=True)
        await page.locator("h1", has_text="借还台").wait_for(timeout=10_000)
        answer = page.locator("#answer")

        async def scan(code: str, expect: str) -> None:
            await scan_like_a_scanner(page, code, expect)

        await scan(card, "已选中读者：陈思雨")
        assert await page.locator("#reader-name").inner_text() == "陈思雨 三年级2班"
        await scan(copies[0], "借出《草房子》给陈思雨")
        await scan(copies[1], "借出《草房子》给陈思雨")
        assert await page.locator("#loans tbody tr").count() == 2
        assert await page.evaluate("document.body.dataset.beeps || '0'") == "0"

        await scan(copies[2], "陈思雨已借满2本（学生普通图书上限2本）")
        await page.locator("#answer.refused").wait_for(timeout=10_000)  # htmx settles the class just after
        colour = await answer.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(253, 232, 234)"  # the refusal's red, not the ok green
        await page.wait_for_function("document.body.dataset.beeps === '1'", timeout=10_000)  # the WebAudio cue

        await scan(copies[0], "归还《草房子》（陈思雨）")
        assert await page.locator("#loans tbody tr").count() == 1
        assert page.url.endswith("/admin/desk")  # never left the page
        await scan(copies[2], "借出《草房子》给陈思雨")
        await page.keyboard.type(copies[1])  # the next scan, typed at once: not a keystroke lost
        assert await page.locator("#scan").input_value() == copies[1]
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))
        assert await page.evaluate("document.body.dataset.beeps") == "1"  # answers that went through are quiet

        # A form the desk cannot read (400) is answered beside the box too, in red, and the box has the focus.
        answers = int(await page.evaluate("document.body.dataset.answers"))
        await page.click("summary:has-text('按条码处理')")
        damaged = page.locator("form[action='/admin/desk/damaged']")
        await damaged.locator("input[name=barcode]").fill(copies[0])
        await damaged.locator("input[name=fee]").fill("五块")
        await damaged.locator("input[name=fee]").press("Enter")
        await page.wait_for_function(f"Number(document.body.dataset.answers) === {answers + 1}", timeout=10_000)
        await page.locator("#answer.refused", has_text="修补费“五块”看不懂").wait_for(timeout=10_000)
        assert await page.evaluate("document.activeElement.id") == "scan"

        await page.set_viewport_size({"width": 390, "height": 844})  # a phone: one column, no sideways scroll
        await page.goto(str(console.make_url(f"/admin/desk?card={card}")))
        assert await page.locator("#loans tbody tr").count() == 2
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        assert errors == []
