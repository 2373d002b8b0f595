"""What every browser test shares: Debian's chromium driven by Playwright (no browser download).

Importing this module skips the importing test module when Playwright is missing; `NEEDS_CHROMIUM`
skips it when chromium is (`.ci/install-browser` installs it). FLAGS keep headless Chromium off the
network this machine does not have. `chromium_page` opens one page in a fresh Chromium and `sign_in`
types a console account into the sign-in form: the steps every console browser test begins with.
"""
from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
async_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
NEEDS_CHROMIUM = pytest.mark.skipif(shutil.which("chromium") is None,
                                    reason="chromium not installed (.ci/install-browser)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


class ChromiumPage(NamedTuple):
    page: Any  # playwright.async_api.Page
    errors: list[str]  # the page's uncaught JavaScript errors, for the test's closing `assert errors == []`
    browser: Any  # playwright.async_api.Browser, for a second page (its own cookies)


@asynccontextmanager
async def chromium_page(**page_options: Any) -> AsyncIterator[ChromiumPage]:
    """Debian's chromium, launched headless with FLAGS, and one new page (`page_options` go to
    `browser.new_page`: viewport, accept_downloads, ...) whose uncaught errors are collected in `errors`.
    The browser is closed when the block ends, whether it passed or failed."""
    async with async_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = await browser.new_page(**page_options)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield ChromiumPage(page, errors, browser)
        finally:
            await browser.close()


async def sign_in(page: Any, username: str, password: str, *, at: object = None, enter: bool = False) -> None:
    """Sign in to the console on its sign-in form: first open `at` when given (a console address, which
    sends a signed-out browser to /admin/login and back there after), then type the account and submit it,
    by pressing Enter (`enter=True`, as a keyboard-only librarian does) or by clicking the button. It does not
    wait: the test waits for the page it expects, which is its check that the sign-in worked."""
    if at is not None:
        await page.goto(str(at))
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    if enter:
        await page.keyboard.press("Enter")
    else:
        await page.click("button[type=submit]")


async def scan(page: Any, code: str, expect: str, *, focused: bool = True) -> None:
    """Type `code` and Enter on the keyboard alone, as a barcode scanner does into the desk's or the
    stock-take's scan box, then wait until the page has settled: one more answer counted in
    body[data-answers], an #answer holding `expect`, and the box focused and empty again.
    `focused`: first check the box has the focus (a scanner types wherever the focus is)."""
    if focused:
        assert await page.evaluate("document.activeElement.id") == "scan"
    answers = int(await page.evaluate("document.body.dataset.answers || '0'"))
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")
    # Settled: the answer is in and the new form is live (a plain POST would reload the page).
    await page.wait_for_function(f"Number(document.body.dataset.answers) === {answers + 1}", timeout=10_000)
    await page.locator("#answer").filter(has_text=expect).wait_for(timeout=10_000)
    await page.wait_for_function("document.activeElement && document.activeElement.id === 'scan'"
                                 " && document.activeElement.value === ''", timeout=10_000)


async def import_national_holidays(page: Any, year: int) -> None:
    """On the calendar page: ask for `year`'s national holidays, check the preview lists 国庆节's seven
    days, accept, and wait for the confirmation."""
    await page.fill("#holidays-form input[name=year]", str(year))
    await page.click("#holidays-form button[type=submit]")
    await page.locator("h1", has_text=f"导入 {year} 年法定节假日").wait_for(timeout=10_000)
    assert await page.locator("#plan-add tr", has_text="国庆节").count() >= 7
    await page.click("#accept")
    await page.locator("#done", has_text="法定节假日").wait_for(timeout=10_000)


async def open_binding_slips(page: Any, class_name: str) -> Any:
    """On /admin/readers: open `class_name`'s binding codes, print its 绑定通知单; the printable page (a new
    tab), once its first slip is shown."""
    await page.locator("table.classes tr", has_text=class_name).get_by_text("绑定码和绑定通知单").click()
    await page.locator("h1", has_text=class_name).wait_for(timeout=10_000)
    async with page.context.expect_page() as opened:
        await page.click("#print-slips")
    slips = await opened.value
    await slips.locator(".slip").first.wait_for(timeout=10_000)
    return slips
