"""The rota page (/admin/rota) over HTTP, no browser: set, replace, remove, field errors, skipped turns,
the class teacher's read-only view and the role rules. DEFAULT_NOW is Wednesday 2026-11-18 10:00."""
from __future__ import annotations

import re
from datetime import date

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.library import Library
from core.models import AuditEntry, ReaderType
from core.rota import Turn, class_rota, set_turn
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, page_csrf, sign_in
from tests.factories import add_reader, add_term

PAGE = "/admin/rota"


def field_error(html: str, field: str) -> str:
    match = re.search(rf'class="error field-error" data-field="{field}">([^<]*)<', html)
    return match.group(1) if match else ""


async def post(client: TestClient, path: str, data: dict[str, str]) -> tuple[int, str, str]:
    token = await page_csrf(client, PAGE)
    response = await client.post(path, data={**data, "csrf": token}, allow_redirects=False)
    return response.status, await response.text(), response.headers.get("Location", "")


def _school(library: Library) -> None:
    add_term(library)
    for name in ("三年级1班", "三年级2班"):
        add_reader(library, f"{name}学生", ReaderType.STUDENT, class_name=name)


async def test_librarian_sets_replaces_and_removes_a_turn(console: TestClient, library: Library,
                                                          librarian: str) -> None:
    _school(library)
    await sign_in(console, librarian)
    html = await (await console.get(PAGE)).text()
    assert 'href="/admin/rota"' in html and "未设置" in html and 'id="set-turn"' in html
    status, _, location = await post(console, f"{PAGE}/set", {
        "class": "三年级二班", "weekday": "周三", "starts": "12:10", "ends": "12:50", "every": "2",
        "start": "2026-11-16", "place": "阅览室"})
    assert status == 303 and location.startswith(f"{PAGE}?done=set")
    html = await (await console.get(location)).text()
    assert "已保存三年级2班周三 12:10-12:50。" in html and 'id="warning"' not in html and "隔周三（从11月16日那周起） 12:10-12:50 阅览室" in html
    assert "2026-11-18（周三）" in html
    await post(console, f"{PAGE}/set", {"class": "三年级2班", "weekday": "周三", "starts": "13:00", "ends": "13:40"})
    assert [t.starts for t in class_rota(library, "三年级2班")[0].turns] == ["13:00"]  # replaced
    html = await (await console.get(PAGE)).text()
    assert "return confirm('删除三年级2班周三的借阅时间？')" in html  # 删除 asks first
    status, _, location = await post(console, f"{PAGE}/remove", {"class": "三年级2班", "weekday": "2"})
    assert status == 303 and class_rota(library, "三年级2班")[0].turns == ()
    assert "已删除三年级2班周三的借阅时间。" in await (await console.get(location)).text()
    with library.read_uow() as uow:
        actions = [(a.action, a.actor) for a in uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                   if a.action.startswith("rota_")]
    assert actions == [("rota_set", "staff:wang"), ("rota_set", "staff:wang"), ("rota_remove", "staff:wang")]


async def test_bad_input_is_named_next_to_its_field_and_nothing_is_written(console: TestClient, library: Library,
                                                                            librarian: str) -> None:
    _school(library)
    await sign_in(console, librarian)
    status, html, _ = await post(console, f"{PAGE}/set", {"class": "九年级9班", "weekday": "周三", "starts": "12:50",
                                                          "ends": "12:10", "place": "<b>阅览室</b>"})
    assert status == 400
    assert "没有找到班级“九年级9班”" in field_error(html, "class")
    assert "要晚于开始时间" in field_error(html, "window")
    assert 'value="&lt;b&gt;阅览室&lt;/b&gt;"' in html  # typed values kept, as text
    assert all(not r.turns for r in class_rota(library))
    status, html, _ = await post(console, f"{PAGE}/set", {"class": "三年级2班", "weekday": "周三", "starts": "12:10",
                                                          "ends": "12:50", "start": "明天"})
    assert status == 400 and field_error(html, "start")


async def test_skipped_turns_are_listed_for_the_librarian(console: TestClient, library: Library,
                                                          librarian: str) -> None:
    _school(library)
    set_turn(library, "三年级1班", Turn(0, "12:10", "12:50", 1, date(2026, 11, 2)), actor="test")
    await sign_in(console, librarian)
    html = await (await console.get(f"{PAGE}?from=2026-11-01&to=2026-11-17")).text()
    skipped = html[html.index('id="skipped"'):]
    assert skipped.count("三年级1班") == 3 and "2026-11-16（周一）" in skipped
    assert 'id="no-skipped"' in await (await console.get(f"{PAGE}?from=2026-11-18&to=2026-11-18")).text()
    assert "不是有效的日期" in await (await console.get(f"{PAGE}?from=abc")).text()


async def test_roles_class_teacher_reads_own_class_helper_is_refused(console: TestClient, library: Library) -> None:
    _school(library)
    set_turn(library, "三年级2班", Turn(2, "12:10", "12:50", 1, date(2026, 11, 2), "阅览室"), actor="test")
    set_turn(library, "三年级1班", Turn(0, "08:00", "08:40", 1, date(2026, 11, 2)), actor="test")
    add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")
    add_staff(library, "xiaoming", Role.HELPER, PASSWORD)
    await sign_in(console, "li")
    assert (await console.get(PAGE, allow_redirects=False)).status == 403
    html = await (await console.get(f"{PAGE}/class")).text()
    assert "每周三 12:10-12:50 阅览室" in html and "下次借书：今天（周三）" in html and "三年级1班" not in html
    assert 'href="/admin/rota/class"' in html
    token = await page_csrf(console, f"{PAGE}/class")
    response = await console.post(f"{PAGE}/set", data={"class": "三年级2班", "weekday": "周一", "starts": "8:00",
                                                        "ends": "8:40", "csrf": token}, allow_redirects=False)
    assert response.status == 403 and len(class_rota(library, "三年级2班")[0].turns) == 1
    await console.post("/admin/logout", data={"csrf": token})
    await sign_in(console, "xiaoming")
    assert (await console.get(PAGE, allow_redirects=False)).status == 403
    assert (await console.get(f"{PAGE}/class", allow_redirects=False)).status == 403


async def test_a_post_without_the_csrf_token_is_refused(console: TestClient, library: Library, librarian: str) -> None:
    _school(library)
    await sign_in(console, librarian)
    response = await console.post(f"{PAGE}/set", data={"class": "三年级2班", "weekday": "周三", "starts": "12:10",
                                                       "ends": "12:50"}, allow_redirects=False)
    assert response.status in (400, 403) and class_rota(library, "三年级2班")[0].turns == ()


async def test_a_turn_on_a_closed_weekday_is_saved_with_a_warning(console: TestClient, library: Library,
                                                                  librarian: str) -> None:
    _school(library)
    await sign_in(console, librarian)
    status, _, location = await post(console, f"{PAGE}/set", {
        "class": "三年级1班", "weekday": "周六", "starts": "09:00", "ends": "09:40"})
    assert status == 303
    html = await (await console.get(location)).text()
    assert "已保存三年级1班周六 09:00-09:40。" in html
    assert "周六学校不开馆，这个借阅时间轮不到" in html
    await post(console, f"{PAGE}/set", {"class": "三年级2班", "weekday": "周一", "starts": "09:00", "ends": "09:40",
                                        "start": "2026-12-07"})
    assert "每周一（从12月7日那周起） 09:00-09:40" in await (await console.get(PAGE)).text()  # a later start shows
    forged = await (await console.get(f"{PAGE}?done=set&class=<b>x</b>&weekday=9")).text()
    assert "已保存借阅时间。" in forged and "<b>x</b>" not in forged  # nothing echoed from the address


async def test_a_place_with_a_newline_is_refused(console: TestClient, library: Library, librarian: str) -> None:
    _school(library)
    await sign_in(console, librarian)
    status, html, _ = await post(console, f"{PAGE}/set", {
        "class": "三年级1班", "weekday": "周一", "starts": "09:00", "ends": "09:40", "place": "图书室\n请加微信"})
    assert status == 400 and "换行" in field_error(html, "place")
    assert class_rota(library, "三年级1班")[0].turns == ()



async def test_odd_and_even_weeks_from_the_form(console: TestClient, library: Library, librarian: str) -> None:
    _school(library)
    await sign_in(console, librarian)
    assert '<option value="双周"' in await (await console.get(PAGE)).text()
    for every, starts in (("单周", "12:10"), ("双周", "13:00")):
        status, _, _ = await post(console, f"{PAGE}/set", {
            "class": "三年级1班", "weekday": "周三", "starts": starts, "ends": f"{int(starts[:2]) + 0}:50", "every": every})
        assert status == 303
    turns = class_rota(library, "三年级1班")[0].turns  # both kept: they never meet
    assert [(t.starts, t.first_week) for t in turns] == [("12:10", date(2026, 8, 31)), ("13:00", date(2026, 9, 7))]
