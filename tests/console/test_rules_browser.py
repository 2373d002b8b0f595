"""The desk's existing-damage field in a real headless Chromium: type the note, Enter, scan the copy."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.library import Library
from core.models import Item, ReaderType
from core.staff import Role, add_staff
from tests.browser import NEEDS_CHROMIUM, chromium_page, sign_in
from tests.console.conftest import PASSWORD
from tests.factories import add_reader, add_term, add_title

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL (the HTTP tests cover both)."""
    return sqlite_url


async def test_enter_in_the_damage_field_goes_back_to_the_scan_box(console: TestClient, library: Library) -> None:
    add_term(library)
    _, [copy] = add_title(library, "草房子", "曹文轩")
    _, card = add_reader(library, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    async with chromium_page(viewport={"width": 1366, "height": 768}) as (page, errors, _):
        await sign_in(page, "wang", PASSWORD, at=console.make_url(f"/admin/desk?card={card}"), enter=True)
        await page.locator("#reader-name", has_text="陈思雨").wait_for(timeout=10_000)

        await page.click("#condition")
        await page.keyboard.type("缺第12页")
        await page.keyboard.press("Enter")  # not a submit: back to the scan box, the note kept
        assert await page.evaluate("document.activeElement.id") == "scan"
        assert await page.evaluate("document.body.dataset.answers || '0'") == "0"
        await page.keyboard.type(copy)
        await page.keyboard.press("Enter")
        await page.locator("#answer", has_text="已记录书的原有损坏：缺第12页").wait_for(timeout=10_000)
        await page.wait_for_function("document.activeElement && document.activeElement.id === 'scan'",
                                     timeout=10_000)
        assert await page.locator("#condition").input_value() == ""  # the next copy starts without a note
        assert errors == []
    with library.read_uow() as uow:
        assert uow.session.scalar(select(Item.condition_note)) == "缺第12页"
