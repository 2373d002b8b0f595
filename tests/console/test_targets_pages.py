"""借阅目标 and 表彰名单 in the console on the hand-computed school of tests/librarian/dataset.py (grade 3
target 2, grade 4 target 3): the pages, their xlsx, and who may open them."""
from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from bot.app import create_app
from bot.responder import HelpResponder
from core.clock import FixedClock
from core.library import Library
from core.settings import Settings
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, sign_in
from tests.librarian.dataset import build_school

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
SETTINGS = Settings(targets={"books_per_student": 3, "grade": {"3": {"books_per_student": 2}}})


def rows(html: str) -> list[list[str]]:
    return [[c.strip() for c in CELL.findall(r)] for r in ROW.findall(html) if "<td" in r]


@pytest.fixture
async def console(library: Library, clock: FixedClock,
                  aiohttp_client: Callable[..., Awaitable[TestClient]]) -> TestClient:
    build_school(library)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    add_staff(library, "ma", Role.CLASS_TEACHER, PASSWORD, class_name="三年级1班")
    add_staff(library, "xiao", Role.HELPER, PASSWORD)
    app: web.Application = create_app(SETTINGS, responder=HelpResponder(), clock=clock, library=library)
    return await aiohttp_client(app)


async def test_targets_page_shows_each_class_beside_its_target(console: TestClient) -> None:
    await sign_in(console, "wang")
    html = await (await console.get("/admin/lists/targets")).text()
    got = rows(html)
    assert got[:3] == [["三年级1班", "三年级", "3", "4", "1.33", "2", "0.67", "未达标", "0", "—"],
                       ["三年级2班", "三年级", "2", "4", "2.00", "2", "0.00", "达标", "0", "—"],
                       ["四年级1班", "四年级", "2", "1", "0.50", "3", "2.50", "未达标", "0", "—"]]
    assert got[3:] == [["三年级", "2", "5", "8", "1.60", "2", "1/2"], ["四年级", "1", "2", "1", "0.50", "3", "0/1"]]
    book = load_workbook(io.BytesIO(await (await console.get("/admin/lists/targets?format=xlsx")).read()))
    assert [ws.max_row for ws in book.worksheets] == [4, 3]
    assert "借阅目标" in await (await console.get("/admin/lists")).text()


async def test_honours_page_lists_stars_and_classes(console: TestClient) -> None:
    await sign_in(console, "wang")
    html = await (await console.get("/admin/lists/honours")).text()
    got = rows(html)
    # different titles: 安一's 3 loans are 2 titles (草房子 twice), as many as 白一's and 白二's
    assert got[:4] == [["三年级", "1", "安一", "三年级1班", "2"], ["三年级", "1", "白二", "三年级2班", "2"],
                       ["三年级", "1", "白一", "三年级2班", "2"], ["四年级", "1", "陈一", "四年级1班", "1"]]
    assert got[4:] == [["三年级", "三年级2班", "2.00", "2", "4"]]  # grade 4 (target 3, 0.50) has none
    assert "不推送到班级群" in html


async def test_only_the_librarian_opens_them_and_the_class_teacher_sees_their_class(console: TestClient) -> None:
    for user in ("ma", "xiao"):
        console.session.cookie_jar.clear()
        await sign_in(console, user)
        for path in ("/admin/lists/targets", "/admin/lists/honours", "/admin/lists/honours?format=xlsx"):
            assert (await console.get(path, allow_redirects=False)).status == 403, (user, path)
    console.session.cookie_jar.clear()
    await sign_in(console, "ma")
    html = await (await console.get("/admin/lists/class")).text()
    assert ["4", "2/3", "1.33", "2", "0.67", "1.60", "2/2"] in rows(html)
    assert "白一" not in html
