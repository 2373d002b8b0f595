"""Roles in the console: each sees only the links it may use; a helper is refused librarian pages; names stay text."""
from __future__ import annotations

from aiohttp.test_utils import TestClient

from core.library import Library
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, add_class, sign_in


async def test_a_helper_is_refused_a_librarian_only_page(console: TestClient, library: Library) -> None:
    add_staff(library, "xiaoming", Role.HELPER, PASSWORD)
    assert (await sign_in(console, "xiaoming")).status == 302
    refused = await console.get("/admin/staff", allow_redirects=False)
    assert refused.status == 403
    assert "没有使用这个页面的权限" in await refused.text()
    home = await (await console.get("/admin")).text()
    assert 'href="/admin/desk"' in home
    for hidden in ("/admin/staff", "/admin/calendar", "/admin/readers", 'href="/admin/lists"'):
        assert hidden not in home
    assert "请告诉图书管理员设置本学期校历" in home and "calendar term add" not in home  # no page of theirs


async def test_each_role_sees_only_its_own_links(console: TestClient, library: Library) -> None:
    add_class(library)
    add_staff(library, "boss", Role.LIBRARIAN, PASSWORD)
    add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")
    await sign_in(console, "li")
    teacher = await (await console.get("/admin")).text()
    assert 'href="/admin/lists/class"' in teacher and "三年级2班" in teacher
    assert 'href="/admin/desk"' not in teacher and 'href="/admin/staff"' not in teacher
    assert (await console.get("/admin/staff", allow_redirects=False)).status == 403

    console.session.cookie_jar.clear()
    await sign_in(console, "boss")
    librarian = await (await console.get("/admin")).text()
    for link in ("/admin/desk", "/admin/calendar", "/admin/readers", "/admin/lists", "/admin/staff"):
        assert f'href="{link}"' in librarian
    assert 'href="/admin/lists/class"' not in librarian  # the school-wide lists cover it
    staff = await console.get("/admin/staff")
    assert staff.status == 200 and "li" in await staff.text()


async def test_names_with_html_are_shown_as_text(console: TestClient, library: Library) -> None:
    add_class(library, "<script>alert('班')</script>", 3)
    add_staff(library, "boss", Role.LIBRARIAN, PASSWORD)
    add_staff(library, "<script>alert(1)</script>", Role.CLASS_TEACHER, PASSWORD,
              class_name="<script>alert('班')</script>")
    await sign_in(console, "<script>alert(1)</script>")
    teacher = await (await console.get("/admin")).text()
    assert "<script>alert" not in teacher
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in teacher
    console.session.cookie_jar.clear()
    await sign_in(console, "boss")
    listing = await (await console.get("/admin/staff")).text()
    assert "<script>alert" not in listing and "&lt;script&gt;alert(1)" in listing
