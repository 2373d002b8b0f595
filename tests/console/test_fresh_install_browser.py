"""A fresh, non-demo install in a real headless Chromium: after one `shuxiang staff add`, a librarian's
first day without a terminal — sign in, see that the calendar is missing, add the term, load the year's
holidays, lend and return at the desk by keyboard, read the overdue list, print a class's binding slips."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient
from click.testing import CliRunner
from sqlalchemy import func, select

from cli.main import main as shuxiang
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType, StaffAccount, Term
from tests.browser import NEEDS_CHROMIUM, chromium_page, import_national_holidays, open_binding_slips, sign_in
from tests.browser import scan as scan_like_a_scanner
from tests.console.conftest import PASSWORD
from tests.factories import add_reader, add_title

pytestmark = NEEDS_CHROMIUM
CLASS = "三年级2班"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the HTTP tests cover PostgreSQL; the browser is the slow part."""
    return sqlite_url


def _count(library: Library, model: type) -> int:
    with library.read_uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


async def test_a_fresh_install_walks_the_first_day_after_staff_add(
        console: TestClient, library: Library, clock: FixedClock, db_url: str) -> None:
    # A school's own data, no demo: two classes of readers and a few titles; no term, no staff account.
    _, card = add_reader(library, "陈思雨", ReaderType.STUDENT, class_name=CLASS)
    add_reader(library, "李想", ReaderType.STUDENT, class_name=CLASS)
    add_reader(library, "王小明", ReaderType.STUDENT, class_name="四年级1班")
    _, grass = add_title(library, "草房子", "曹文轩", copies=2)
    _, pig = add_title(library, "小猪唏哩呼噜", "孙幼军", copies=1)
    assert _count(library, Term) == 0 and _count(library, StaffAccount) == 0

    # The one terminal step: the real command, password from stdin as a script would give it.
    result = CliRunner().invoke(shuxiang, ["staff", "add", "wang", "--role", "librarian", "--password-stdin",
                                           "--db", db_url], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "已添加后台账号 wang" in result.output

    async with chromium_page(viewport={"width": 1366, "height": 768}) as (page, errors, _):

        # Sign in: the home page says plainly that the calendar is missing and where to set it.
        await page.goto(str(console.make_url("/admin")))
        assert "/admin/login" in page.url
        await sign_in(page, "wang", PASSWORD)
        await page.locator("h1", has_text="今天 11月18日").wait_for(timeout=10_000)
        warning = page.locator(".warning[role=alert]")
        assert "还没有设置本学期校历" in await warning.inner_text()
        assert "请在“校历”页添加本学期" in await warning.inner_text()

        # The term, on the calendar page.
        await page.click("nav a:has-text('校历')")
        await page.locator("h1", has_text="校历").wait_for(timeout=10_000)
        await page.fill("#add-term input[name=name]", "2026秋季学期")
        await page.fill("#add-term input[name=start]", "2026-09-01")
        await page.fill("#add-term input[name=end]", "2027-01-22")
        await page.click("#add-term button[type=submit]")
        await page.locator("#done", has_text="已添加学期").wait_for(timeout=10_000)
        assert _count(library, Term) == 1

        # The year's national holidays: preview first (nothing written), then accept.
        await import_national_holidays(page, 2026)
        await page.goto(str(console.make_url("/admin/calendar?month=2026-10")))
        assert "国庆节" in await page.locator("#day-2026-10-01").inner_text()

        # The home page no longer warns.
        await page.goto(str(console.make_url("/admin")))
        await page.locator("text=本学期：2026秋季学期").wait_for(timeout=10_000)
        assert await page.locator(".warning", has_text="还没有设置本学期校历").count() == 0

        # The desk, keyboard only: the card, two loans, one return.
        await page.goto(str(console.make_url("/admin/desk")))
        await page.locator("h1", has_text="借还台").wait_for(timeout=10_000)

        async def scan(code: str, expect: str) -> None:
            await scan_like_a_scanner(page, code, expect)

        await scan(card, "已选中读者：陈思雨")
        await scan(grass[0], "借出《草房子》给陈思雨")
        await scan(pig[0], "借出《小猪唏哩呼噜》给陈思雨")
        assert await page.locator("#loans tbody tr").count() == 2
        await scan(pig[0], "归还《小猪唏哩呼噜》（陈思雨）")
        assert await page.locator("#loans tbody tr").count() == 1
        assert "草房子" in await page.locator("#loans tbody tr").inner_text()

        # Six weeks on (the session has long timed out): the overdue list shows the book still out.
        clock.advance(days=42)
        await page.goto(str(console.make_url("/admin/lists/overdue")))
        assert "/admin/login" in page.url
        await sign_in(page, "wang", PASSWORD)
        await page.locator("h1", has_text="逾期清单").wait_for(timeout=10_000)
        rows = page.locator("tbody tr")
        assert await rows.count() == 1
        row = await rows.first.inner_text()
        assert "陈思雨" in row and CLASS in row and "草房子" in row and grass[0] in row

        # Binding slips for 三年级2班: one slip and one distinct code per child of that class only.
        await page.goto(str(console.make_url("/admin/readers")))
        slips = await open_binding_slips(page, CLASS)
        assert await slips.locator(".slip").count() == 2
        text = await slips.locator("body").inner_text()
        assert "陈思雨" in text and "李想" in text and "王小明" not in text
        codes = await slips.locator(".slip .code").all_inner_texts()
        assert len(set(codes)) == 2 and all(codes)
        assert errors == []
