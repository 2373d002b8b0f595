"""The navigation each role gets once every console page exists, and the home page's links into them."""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from core.library import Library
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, add_class, sign_in
from tests.factories import add_term

NAV_LINK = re.compile(r'<nav class="console-nav">(.*?)</nav>', re.S)


def nav_labels(html: str) -> list[str]:
    found = NAV_LINK.search(html)
    assert found is not None
    return re.findall(r">([^<>]+)</a>", found.group(1))[1:]  # the brand link first


@pytest.mark.parametrize(("role", "expected"), [
    (Role.LIBRARIAN, ["借还台", "书目", "读者和班级", "清单", "统计", "清点", "登记帐", "导入", "打印标签",
                      "通知和活动", "校历", "借阅轮流表", "后台账号"]),
    (Role.HELPER, ["借还台", "清点扫描"]),
    (Role.CLASS_TEACHER, ["本班清单", "本班统计", "家长绑定码", "本班借阅时间"]),
])
async def test_each_role_sees_its_pages_in_working_order(console: TestClient, library: Library, role: Role,
                                                          expected: list[str]) -> None:
    add_class(library)
    add_term(library)  # the reports need a term (without one they answer 409 with a page saying so)
    add_staff(library, "someone", role, PASSWORD, class_name="三年级2班" if role is Role.CLASS_TEACHER else None)
    await sign_in(console, "someone")
    home = await (await console.get("/admin")).text()
    assert nav_labels(home) == expected
    for label in expected:  # every link opens for the role that sees it
        href = re.search(rf'<a href="([^"]+)"[^>]*>{label}</a>', home)
        assert href is not None
        assert (await console.get(href.group(1))).status == 200, label  # a redirect lands on a page it may open


async def test_the_home_pages_notice_figures_open_the_outbox(console: TestClient, library: Library) -> None:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    await sign_in(console, "wang")
    home = await (await console.get("/admin")).text()
    assert re.search(r'<a class="n" id="failed-pushes" href="/admin/notices/outbox"', home)
    assert re.search(r'<a class="n" id="unreachable" href="/admin/notices/outbox"', home)
