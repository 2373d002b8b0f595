"""Binding slips in a real headless Chromium on the demo school: the librarian finds 三年级2班 and prints
its slips (one code per child); screenshots for docs/librarian.md."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.responder import HelpResponder
from core.clock import FixedClock
from core.demo.builder import build_demo
from core.library import Library
from core.models import Reader, ReaderStatus, ReaderType, SchoolClass
from core.settings import Settings, WeChatSettings
from tests.browser import NEEDS_CHROMIUM, chromium_page, open_binding_slips, sign_in

pytestmark = NEEDS_CHROMIUM
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
CLASS = "三年级2班"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the browser adds nothing on PostgreSQL and is among the slowest tests."""
    return sqlite_url


@pytest.fixture
async def demo_console(library: Library, clock: FixedClock,
                       aiohttp_client: Callable[..., Awaitable[TestClient]]) -> TestClient:
    build_demo(library)
    settings = Settings(demo=True, wechat=WeChatSettings(follow_url="https://mp.weixin.qq.com/mp/profile_ext?demo"))
    app: web.Application = create_app(settings, responder=HelpResponder(), clock=clock, library=library)
    return await aiohttp_client(app)


def _children(library: Library) -> int:
    with library.read_uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Reader).join(SchoolClass).where(
            SchoolClass.name == CLASS, Reader.reader_type == ReaderType.STUDENT,
            Reader.status == ReaderStatus.ACTIVE)) or 0


async def test_print_binding_slips_for_a_class(demo_console: TestClient, library: Library) -> None:
    children = _children(library)
    assert children >= 2
    async with chromium_page(viewport={"width": 1366, "height": 768}) as (page, errors, _):
        await sign_in(page, "librarian", "shuxiang-demo", at=demo_console.make_url("/admin/readers"))
        await page.fill("input[name=q]", CLASS)
        await page.press("input[name=q]", "Enter")
        await page.locator("table.readers tbody tr").first.wait_for(timeout=10_000)
        assert await page.locator("table.readers tbody tr").count() >= children
        await page.screenshot(path=str(IMG / "readers.png"))

        slips = await open_binding_slips(page, CLASS)
        codes = await slips.locator(".slip .code").all_inner_texts()
        assert len(codes) == children and len(set(codes)) == children  # one code per child
        assert await slips.locator(".slip .qr svg").count() == children
        messages = await slips.locator(".slip .message").all_inner_texts()
        assert all(m.startswith("绑定 ") and m.endswith(c) for m, c in zip(messages, codes, strict=True))
        await slips.emulate_media(media="print")
        assert not await slips.locator("header").is_visible()  # only the slips are printed
        await slips.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        await slips.screenshot(path=str(IMG / "slips.png"))
        await page.set_viewport_size({"width": 390, "height": 844})  # a phone
        for path in ("/admin/readers?q=" + CLASS, "/admin/readers/promotion"):
            await page.goto(str(demo_console.make_url(path)))
            overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, path  # nothing wider than the screen
        assert errors == []
