"""清点 and 剔旧 through HTTP: start, scan (htmx and plain), close, weed; the roles (helpers scan only)."""
from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from core.inventory import WeedingRecord, close_inventory, list_inventories, start_inventory
from core.library import Library
from core.models import Item, ItemStatus
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, add_class, page_csrf, sign_in
from tests.factories import add_title

HX = {"HX-Request": "true"}


def shelf(library: Library) -> tuple[list[str], list[str]]:
    """Three copies on 二楼A架 and two on 三楼B架."""
    _, a = add_title(library, "草房子", copies=3)
    _, b = add_title(library, "城南旧事", "林海音", copies=2)
    with library.uow() as uow:
        uow.session.execute(update(Item).where(Item.barcode.in_(b)).values(location="三楼B架"))
        uow.commit()
    return a, b


async def signed(console: TestClient, library: Library, role: Role = Role.LIBRARIAN, name: str = "wang") -> str:
    if role == Role.CLASS_TEACHER:
        add_class(library)
        add_staff(library, name, role, PASSWORD, class_name="三年级2班")
    else:
        add_staff(library, name, role, PASSWORD)
    assert (await sign_in(console, name)).status == 302
    return await page_csrf(console)


def count(html: str, name: str) -> int:
    match = re.search(rf'id="n-{name}">(\d+)<', html)
    assert match is not None, name
    return int(match.group(1))


async def test_a_stock_take_of_one_shelf_from_start_to_weeding(console: TestClient, library: Library) -> None:
    a, b = shelf(library)
    csrf = await signed(console, library)
    started = await console.post("/admin/inventory", data={"csrf": csrf, "name": "期末清点", "location": "二楼"},
                                 allow_redirects=False)
    assert started.status == 302
    path = started.headers["Location"]
    again = await console.post("/admin/inventory", data={"csrf": csrf, "name": "期末清点", "location": "二楼"},
                               allow_redirects=False)
    assert again.headers["Location"] == path and len(list_inventories(library)) == 1  # sent twice: one stock-take
    html = await (await console.get(path)).text()
    assert (count(html, "expected"), count(html, "missing")) == (3, 3)

    found = await console.post(f"{path}/scan", data={"csrf": csrf, "scan": a[0].lower(), "shelf": "二楼A架"},
                               headers=HX)
    text = await found.text()
    assert found.status == 200 and text.startswith('<div id="stocktake"')  # the part htmx swaps in
    assert f"✓ {a[0]}《草房子》在架" in text and count(text, "missing") == 2
    misplaced = await (await console.post(f"{path}/scan", data={"csrf": csrf, "scan": a[1], "shelf": "二楼C架"},
                                          headers=HX)).text()
    assert "放错架了：应在二楼A架" in misplaced and count(misplaced, "misplaced") == 1
    elsewhere = await (await console.post(f"{path}/scan", data={"csrf": csrf, "scan": b[0], "shelf": "二楼A架"},
                                          headers=HX)).text()
    assert "放错架了：应在三楼B架" in elsewhere and count(elsewhere, "misplaced") == 2  # its shelf is outside the range
    assert count(elsewhere, "unexpected") == 0
    repeated = await (await console.post(f"{path}/scan", data={"csrf": csrf, "scan": a[0]}, headers=HX)).text()
    assert "已经扫过了" in repeated and count(repeated, "scanned") == 3
    plain = await console.post(f"{path}/scan", data={"csrf": csrf, "scan": a[0]})  # no JavaScript: the whole page
    assert "<html" in await plain.text() and "已经扫过了" in await plain.text()
    empty = await console.post(f"{path}/scan", data={"csrf": csrf, "scan": " "}, headers=HX)
    assert empty.status == 400 and "请扫书的条码" in await empty.text()

    unconfirmed = await console.post(f"{path}/close", data={"csrf": csrf}, allow_redirects=False)
    assert unconfirmed.status == 400 and "请先勾选“扫描已经完成”" in await unconfirmed.text()
    assert list_inventories(library)[0].is_open  # one click without the tick closes nothing
    assert (await console.post(f"{path}/close", data={"csrf": csrf, "confirm": "yes"},
                               allow_redirects=False)).status == 302
    closed = await (await console.get(path)).text()
    assert 'id="closed-note"' in closed and 'name="scan"' not in closed and count(closed, "missing") == 1
    late = await console.post(f"{path}/scan", data={"csrf": csrf, "scan": a[2]}, headers=HX)
    assert late.status == 409 and "已经结束" in await late.text()

    no_reason = await console.post(f"{path}/weed", data={"csrf": csrf, "barcode": a[2]})
    assert no_reason.status == 400 and "请写剔除原因" in await no_reason.text()
    for _ in range(2):  # a double-submitted form weeds once
        weeded = await (await console.post(f"{path}/weed", data={"csrf": csrf, "barcode": a[2],
                                                                 "reason": "清点缺失"})).text()
    assert "已注销" in weeded
    # The closed result does not change: the weeded copy stays missing, marked 已注销, no longer tickable.
    assert (count(weeded, "expected"), count(weeded, "missing")) == (3, 1)
    assert '<span class="state">已注销</span>' in weeded and f'value="{a[2]}"' not in weeded
    with library.uow() as uow:
        records = uow.session.scalars(select(WeedingRecord)).all()
        assert [(r.barcode, r.reason, r.batch, r.actor) for r in records] == [(a[2], "清点缺失", "期末清点", "staff:wang")]
        assert uow.session.scalar(select(Item.status).where(Item.barcode == a[2])) is ItemStatus.WITHDRAWN


async def test_starting_without_a_name_says_which_field(console: TestClient, library: Library) -> None:
    csrf = await signed(console, library)
    for number in ("999", "99999999999999999999"):
        assert (await console.get(f"/admin/inventory/{number}")).status == 404
    response = await console.post("/admin/inventory", data={"csrf": csrf, "name": " ", "location": "二楼"})
    assert response.status == 400 and "请给这次清点起个名字" in await response.text()
    assert list_inventories(library) == []


async def test_a_scan_without_the_csrf_token_is_refused(console: TestClient, library: Library) -> None:
    shelf(library)
    await signed(console, library)
    number = start_inventory(library, "清点")
    response = await console.post(f"/admin/inventory/{number}/scan", data={"scan": "B0000100"}, headers=HX)
    assert response.status == 403
    assert list_inventories(library)[0].scanned == 0


async def test_a_helper_scans_an_open_stock_take_and_nothing_else(console: TestClient, library: Library) -> None:
    a, _ = shelf(library)
    open_one, closed_one = start_inventory(library, "二楼", "二楼"), start_inventory(library, "上次")
    close_inventory(library, closed_one)
    csrf = await signed(console, library, Role.HELPER, "xiaoming")
    listed = await (await console.get("/admin/inventory/open")).text()
    assert f'/admin/inventory/{open_one}"' in listed and "上次" not in listed
    home = await (await console.get("/admin")).text()
    assert 'href="/admin/inventory/open"' in home and 'href="/admin/registers"' not in home
    page = await console.get(f"/admin/inventory/{open_one}")
    html = await page.text()
    assert page.status == 200 and 'name="scan"' in html
    assert 'id="weed-form"' not in html and 'id="close-form"' not in html
    scanned = await console.post(f"/admin/inventory/{open_one}/scan", data={"csrf": csrf, "scan": a[0]}, headers=HX)
    assert scanned.status == 200 and count(await scanned.text(), "found") == 1
    assert (await console.get(f"/admin/inventory/{closed_one}")).status == 403
    for path in ("/admin/inventory", "/admin/inventory/candidates", "/admin/registers/classes",
                 "/admin/registers/charges?format=xlsx"):
        assert (await console.get(path)).status == 403, path
    for path, data in ((f"/admin/inventory/{open_one}/close", {}), (f"/admin/inventory/{open_one}/weed",
                                                                     {"barcode": a[1], "reason": "x"}),
                       ("/admin/inventory", {"name": "新的"}), ("/admin/inventory/candidates",
                                                               {"barcode": a[1], "reason": "x"})):
        assert (await console.post(path, data={"csrf": csrf, **data})).status == 403, path
    assert list_inventories(library, open_only=True)[0].id == open_one
    with library.uow() as uow:
        assert uow.session.scalar(select(Item.status).where(Item.barcode == a[1])) is ItemStatus.AVAILABLE


async def test_a_class_teacher_sees_no_inventory_page(console: TestClient, library: Library) -> None:
    shelf(library)
    number = start_inventory(library, "清点")
    csrf = await signed(console, library, Role.CLASS_TEACHER, "li")
    for path in ("/admin/inventory", "/admin/inventory/open", f"/admin/inventory/{number}",
                 "/admin/inventory/candidates", "/admin/registers/classes", "/admin/registers/weeding"):
        assert (await console.get(path)).status == 403, path
    assert (await console.post(f"/admin/inventory/{number}/scan", data={"csrf": csrf, "scan": "x"})).status == 403


async def test_weeding_candidates_list_and_weed_a_selection(console: TestClient, library: Library) -> None:
    _, surplus = add_title(library, "旧百科", copies=4)
    _, single = add_title(library, "草房子", copies=1)
    with library.uow() as uow:
        uow.session.execute(update(Item).where(Item.barcode == single[0]).values(condition_note="缺页"))
        uow.commit()
    csrf = await signed(console, library)
    html = await (await console.get("/admin/inventory/candidates")).text()
    surplus_table = html.split('id="surplus"')[1].split("</table>")[0]
    assert all(code in surplus_table for code in surplus) and single[0] not in surplus_table
    assert "共4本，近3年借出0次" in surplus_table
    assert single[0] in html.split('id="damaged"')[1].split("</table>")[0]
    narrower = await (await console.get("/admin/inventory/candidates?copies=5")).text()
    assert 'id="surplus"' not in narrower
    bad = await console.get("/admin/inventory/candidates?copies=abc&idle_years=99")
    text = await bad.text()
    assert bad.status == 400 and "“复本数多于”请填1到100之间的整数" in text and "“多少年没借出”请填1到30之间" in text
    done = await console.post("/admin/inventory/candidates", data={"csrf": csrf, "barcode": surplus[0],
                                                                  "more": f"{surplus[1]}\nNOPE", "reason": "复本过多"})
    text = await done.text()
    assert done.status == 200 and "共注销2本，1本未处理" in text
    with library.uow() as uow:
        assert sorted(uow.session.scalars(select(WeedingRecord.barcode))) == sorted(surplus[:2])
