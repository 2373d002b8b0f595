"""/admin/catalogue through the real app: search, browse, a title page, new books, edits, status, bulk tags, roles.

Every test runs on a SQLite file and on PostgreSQL (the `library` fixture), signed in through the form.
"""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from core.circulation import CheckoutItem, PlaceReservation, checkout, place_reservation
from core.inventory import WeedingRecord
from core.library import Library
from core.models import AuditEntry, Item, ItemStatus, ItemType, ReaderType, Title
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, add_class, page_csrf, sign_in
from tests.factories import add_reader, add_term, add_title

ISBN = "9787020024759"  # a valid ISBN-13 (check digit 9)
TITLE_ID = re.compile(r"/admin/catalogue/titles/(\d+)")


async def _as_librarian(console: TestClient, library: Library) -> str:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    return await page_csrf(console, "/admin/catalogue")


def _set_isbn_and_clc(library: Library, title_id: int, isbn: str, clc: str) -> None:
    with library.uow() as uow:
        title = uow.session.get(Title, title_id)
        assert title is not None
        title.isbn, title.clc = isbn, clc
        uow.commit()


def _items(library: Library, title_id: int) -> list[Item]:
    with library.read_uow() as uow:
        items = list(uow.session.scalars(select(Item).where(Item.title_id == title_id).order_by(Item.barcode)))
        uow.session.expunge_all()
        return items


async def test_search_finds_by_title_author_isbn_pinyin_typo_and_barcode(console: TestClient,
                                                                        library: Library) -> None:
    title_id, barcodes = add_title(library, "草房子", "曹文轩", copies=2)
    _set_isbn_and_clc(library, title_id, ISBN, "I287.45")
    add_title(library, "城南旧事", "林海音")
    await _as_librarian(console, library)
    link = f'href="/admin/catalogue/titles/{title_id}"'
    for query in ("草房子", "曹文轩", ISBN, "978-7-02-002475-9", "caofangzi", "cfz", "草防子", barcodes[1].lower()):
        text = await (await console.get("/admin/catalogue", params={"q": query})).text()
        assert link in text, query
    past_the_end = await (await console.get("/admin/catalogue", params={"q": "草房子", "page": "7"})).text()
    assert link in past_the_end  # a page past the last shows the last
    missing = await (await console.get("/admin/catalogue", params={"q": "量子纠缠导论"})).text()
    assert "没有找到" in missing and link not in missing


async def test_search_sees_a_title_added_a_moment_ago(console: TestClient, library: Library) -> None:
    add_title(library, "城南旧事", "林海音")
    csrf = await _as_librarian(console, library)
    assert "没有找到" in await (await console.get("/admin/catalogue", params={"q": "青铜葵花"})).text()  # index built
    response = await console.post("/admin/catalogue/new", data={
        "csrf": csrf, "isbn": "", "title": "青铜葵花", "author": "曹文轩", "count": "1", "barcodes": "X1",
        "item_type": "general", "price": ""}, allow_redirects=False)
    assert response.status == 302
    found = await (await console.get("/admin/catalogue", params={"q": "青铜葵花"})).text()
    assert "没有找到" not in found and "青铜葵花" in found


async def test_browse_by_class_goes_down_the_clc_and_pages(console: TestClient, library: Library) -> None:
    for n in range(53):
        title_id, _ = add_title(library, f"童话{n:02d}", "某某")
        _set_isbn_and_clc(library, title_id, None, "I287.45" if n % 2 else "I287.7")  # type: ignore[arg-type]
    science, _ = add_title(library, "昆虫记", "法布尔")
    _set_isbn_and_clc(library, science, None, "Q96")  # type: ignore[arg-type]
    await _as_librarian(console, library)
    top = await (await console.get("/admin/catalogue")).text()
    assert "文学" in top and "生物科学" in top and "马克思主义" in top
    assert re.search(r'clc=I">文学</a></td><td>53<', top)
    level = await (await console.get("/admin/catalogue", params={"clc": "I2"})).text()
    assert "clc=I28" in level and "I2 文学（53 种）" in level and "昆虫记" not in level
    deeper = await (await console.get("/admin/catalogue", params={"clc": "I287"})).text()
    assert "clc=I287.4" in deeper and "clc=I287.7" in deeper
    first = await (await console.get("/admin/catalogue", params={"clc": "i"})).text()  # lower case is read too
    assert "第 1 / 2 页" in first and first.count('name="title_id"') == 50
    second = await (await console.get("/admin/catalogue", params={"clc": "I", "page": "2"})).text()
    assert second.count('name="title_id"') == 3
    bad = await (await console.get("/admin/catalogue", params={"clc": "9x"})).text()
    assert "大类字母开头" in bad


async def test_title_page_lists_copies_with_loan_and_holds(console: TestClient, library: Library) -> None:
    add_term(library)
    add_class(library, "三年级2班", 3)
    title_id, barcodes = add_title(library, "草房子", copies=2)
    _, card = add_reader(library, "李小明", ReaderType.STUDENT, class_name="三年级2班")
    waiting_id, _ = add_reader(library, "王老师")
    loan = checkout(library, CheckoutItem(card, barcodes[0]))
    checkout(library, CheckoutItem(add_reader(library, "赵老师")[1], barcodes[1]))
    place_reservation(library, PlaceReservation(waiting_id, title_id))
    await _as_librarian(console, library)
    text = await (await console.get(f"/admin/catalogue/titles/{title_id}")).text()
    assert barcodes[0] in text and "I287.45/C1" in text and "二楼A架" in text
    assert "李小明（三年级2班）" in text and f"{loan.due_date.month}月{loan.due_date.day}日到期" in text
    assert "已借出" in text and "借还台" in text
    assert "王老师" in text and "排队等候" in text
    assert (await console.get("/admin/catalogue/titles/99999")).status == 404


async def test_add_a_title_by_isbn_with_two_suggested_barcodes(console: TestClient, library: Library) -> None:
    add_title(library, "城南旧事", copies=3)  # barcodes B00001..; the next are proposed after the highest
    csrf = await _as_librarian(console, library)
    with library.read_uow() as uow:
        top = uow.session.scalar(select(func.max(Item.barcode)))
    assert top is not None
    step2 = await (await console.get("/admin/catalogue/new", params={"isbn": "7-02-002475-0", "count": "2"})).text()
    expected = [f"B{int(top[1:]) + n:07d}" for n in (1, 2)]
    assert f'value="{" ".join(expected)}"' in step2 and 'value="9787020024759"' in step2
    suggested = await (await console.get("/admin/catalogue/barcodes", params={"count": "3"})).text()
    assert f"{expected[0]} {expected[1]} B{int(top[1:]) + 3:07d}" in suggested
    form = {"csrf": csrf, "isbn": "9787020024759", "title": "草房子", "author": "曹文轩", "publisher": "人民文学出版社",
            "year": "2019", "clc": "i287.45", "grades": "三至六年级", "subjects": "成长;乡村", "count": "2",
            "barcodes": " ".join(expected), "call_number": "I287.45/C123", "location": "二楼A3架",
            "item_type": "general", "price": "¥25.50", "source": "捐赠（三年级2班家委会）", "donor": "",
            "accession_number": "DJ001 DJ002"}
    response = await console.post("/admin/catalogue/new", data=form, allow_redirects=False)
    assert response.status == 302
    location = response.headers["Location"]
    match = TITLE_ID.search(location)
    assert match is not None
    title_id = int(match.group(1))
    page = await (await console.get(location)).text()
    assert f'href="/admin/labels?barcodes={expected[0]},{expected[1]}"' in page
    items = _items(library, title_id)
    assert [i.barcode for i in items] == expected
    assert {(i.price_fen, i.source, i.donor, i.call_number) for i in items} == {(2550, "捐赠", "三年级2班家委会",
                                                                                 "I287.45/C123")}
    assert [i.accession_number for i in items] == ["DJ001", "DJ002"]
    with library.read_uow() as uow:
        title = uow.session.get(Title, title_id)
        assert title is not None
        assert (title.isbn, title.clc, title.min_grade, title.max_grade, title.subjects, title.year) == (
            "9787020024759", "I287.45", 3, 6, "成长 乡村", 2019)
    # The same form again (a double submit): refused, naming the barcode; nothing added.
    again = await console.post("/admin/catalogue/new", data=form)
    assert again.status == 400 and f"条码 {expected[0]} 已经用过了" in await again.text()
    assert len(_items(library, title_id)) == 2
    # The same ISBN again: the page offers copies of the existing title, with its 索书号.
    existing = await (await console.get("/admin/catalogue/new", params={"isbn": "9787020024759"})).text()
    assert "这次只添加复本" in existing and f'name="title_id" value="{title_id}"' in existing
    assert 'value="I287.45/C123"' in existing
    # 再添加复本 on a title page goes to the same form, by the title (one without an ISBN too).
    no_isbn, _ = add_title(library, "自印校本读物")
    more = await (await console.get(f"/admin/catalogue/titles/{no_isbn}")).text()
    assert f'href="/admin/catalogue/new?title_id={no_isbn}"' in more
    by_id = await (await console.get("/admin/catalogue/new", params={"title_id": str(no_isbn)})).text()
    assert "这次只添加复本" in by_id and f'name="title_id" value="{no_isbn}"' in by_id
    assert (await console.get("/admin/catalogue/new", params={"title_id": "99999"})).status == 404


async def test_new_title_refusals_name_the_field(console: TestClient, library: Library) -> None:
    csrf = await _as_librarian(console, library)
    bad_isbn = await console.get("/admin/catalogue/new", params={"isbn": "9787020024758"})
    assert bad_isbn.status == 400 and "校验码" in await bad_isbn.text()
    base = {"csrf": csrf, "isbn": "", "title": "新书", "count": "2", "barcodes": "N1 N2", "item_type": "general"}
    for change, message in (({"title": ""}, "请填写书名"), ({"price": "二十五块"}, "书价"),
                            ({"barcodes": "N1 N1"}, "重复"), ({"barcodes": "N1"}, "册数是2"),
                            ({"grades": "很多"}, "适读年级"), ({"year": "19"}, "出版年"),
                            ({"accession_number": "A1"}, "登录号填了1个")):
        response = await console.post("/admin/catalogue/new", data={**base, **change})
        assert response.status == 400, change
        assert message in await response.text(), change
    with library.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Title)) == 0


async def test_edit_a_title_and_a_copy(console: TestClient, library: Library) -> None:
    title_id, barcodes = add_title(library, "草房子")
    csrf = await _as_librarian(console, library)
    form = await (await console.get(f"/admin/catalogue/titles/{title_id}/edit")).text()
    assert 'value="草房子"' in form
    saved = await console.post(f"/admin/catalogue/titles/{title_id}/edit", data={
        "csrf": csrf, "title": "草房子（典藏版）", "author": "曹文轩", "clc": "I287.45", "grades": "4-6",
        "subjects": "成长"}, allow_redirects=False)
    assert saved.status == 302, re.findall(r'class="error"[^>]*>([^<]+)', await saved.text())
    bad = await console.post(f"/admin/catalogue/titles/{title_id}/edit", data={"csrf": csrf, "title": "x",
                                                                               "isbn": "123"})
    assert bad.status == 400 and "ISBN" in await bad.text()
    item = _items(library, title_id)[0]
    copy_form = await (await console.get(f"/admin/catalogue/copies/{item.id}/edit")).text()
    assert 'value="25.00"' in copy_form
    response = await console.post(f"/admin/catalogue/copies/{item.id}/edit", data={
        "csrf": csrf, "call_number": "I287.45/C9", "location": "三楼", "item_type": "teaching_reference",
        "price": "32.8元", "source": "采购", "accession_number": "dj77", "condition_note": "第3页缺角"},
        allow_redirects=False)
    assert response.status == 302
    item = _items(library, title_id)[0]
    assert (item.call_number, item.location, item.item_type, item.price_fen, item.accession_number,
            item.condition_note) == ("I287.45/C9", "三楼", ItemType.TEACHING_REFERENCE, 3280, "DJ77", "第3页缺角")
    assert "草房子（典藏版）" in await (await console.get("/admin/catalogue", params={"q": "典藏版"})).text()
    with library.read_uow() as uow:
        actions = set(uow.session.scalars(select(AuditEntry.action)))
    assert {"catalogue_edit_title", "catalogue_edit_copy"} <= actions


async def test_status_changes_follow_the_desk_rules(console: TestClient, library: Library) -> None:
    add_term(library)
    title_id, barcodes = add_title(library, "草房子", copies=3)
    _, card = add_reader(library)
    checkout(library, CheckoutItem(card, barcodes[2]))
    csrf = await _as_librarian(console, library)
    first, second, lent = _items(library, title_id)

    async def change(item: Item, what: str, reason: str = "") -> tuple[int, str]:
        response = await console.post(f"/admin/catalogue/copies/{item.id}/status",
                                      data={"csrf": csrf, "change": what, "reason": reason})
        return response.status, await response.text()

    assert (await change(first, "repair", "书脊开裂"))[0] == 200
    assert _items(library, title_id)[0].status == ItemStatus.IN_REPAIR
    assert (await change(first, "repaired"))[0] == 200
    assert _items(library, title_id)[0].status == ItemStatus.AVAILABLE
    status, text = await change(second, "withdraw")
    assert status == 409 and "注销原因" in text
    assert (await change(second, "withdraw", "内容过时"))[0] == 200
    status, text = await change(second, "withdraw", "again")
    assert status == 409 and "不能注销剔除" in text
    with library.read_uow() as uow:
        assert uow.session.scalar(select(WeedingRecord.reason)) == "内容过时"
    status, text = await change(lent, "lost")
    assert status == 409 and "正在借出" in text and "借还台" in text
    assert _items(library, title_id)[2].status == ItemStatus.ON_LOAN
    assert (await change(first, "lost"))[0] == 200
    assert _items(library, title_id)[0].status == ItemStatus.LOST
    assert (await change(first, "nonsense"))[0] == 400


async def test_bulk_tags_by_class_and_by_selection(console: TestClient, library: Library) -> None:
    ids = []
    for n, clc in enumerate(("I287.45", "I287.7", "Q96")):
        title_id, _ = add_title(library, f"书{n}")
        _set_isbn_and_clc(library, title_id, None, clc)  # type: ignore[arg-type]
        ids.append(title_id)
    csrf = await _as_librarian(console, library)
    preview = await console.post("/admin/catalogue/tags", data={"csrf": csrf, "action": "preview", "clc": "I287",
                                                                 "grades": "3-4", "subjects": "童话"})
    text = await preview.text()
    assert preview.status == 200 and "将标注 <strong>2</strong> 种书" in text
    with library.read_uow() as uow:  # a preview writes nothing
        assert uow.session.scalar(select(func.count()).select_from(Title).where(Title.min_grade.is_not(None))) == 0
    applied = await console.post("/admin/catalogue/tags", data={"csrf": csrf, "action": "apply", "clc": "I287",
                                                                 "grades": "3-4", "subjects": "童话"},
                                 allow_redirects=False)
    assert applied.status == 302 and "tagged=2" in applied.headers["Location"]
    again = await console.post("/admin/catalogue/tags", data={"csrf": csrf, "action": "apply", "clc": "I287",
                                                               "grades": "3-4", "subjects": "童话"},
                               allow_redirects=False)
    assert "tagged=0" in again.headers["Location"]  # a double submit changes nothing
    selected = await console.post("/admin/catalogue/tags", data=[
        ("csrf", csrf), ("action", "apply"), ("title_id", str(ids[0])), ("title_id", str(ids[2])),
        ("subjects", "科普")], allow_redirects=False)
    assert "tagged=2" in selected.headers["Location"]
    with library.read_uow() as uow:
        rows = {t.id: (t.min_grade, t.max_grade, t.subjects) for t in uow.session.scalars(select(Title))}
    assert rows == {ids[0]: (3, 4, "童话 科普"), ids[1]: (3, 4, "童话"), ids[2]: (None, None, "科普")}
    nothing = await console.post("/admin/catalogue/tags", data={"csrf": csrf, "action": "preview", "grades": "3"})
    assert nothing.status == 400 and "请勾选" in await nothing.text()


ROUTES = [("GET", "/admin/catalogue"), ("GET", "/admin/catalogue/new"), ("GET", "/admin/catalogue/barcodes"),
          ("GET", "/admin/catalogue/titles/{t}"), ("GET", "/admin/catalogue/titles/{t}/edit"),
          ("GET", "/admin/catalogue/copies/{i}/edit"), ("POST", "/admin/catalogue/new"),
          ("POST", "/admin/catalogue/titles/{t}/edit"), ("POST", "/admin/catalogue/copies/{i}/edit"),
          ("POST", "/admin/catalogue/copies/{i}/status"), ("POST", "/admin/catalogue/tags")]


@pytest.mark.parametrize("role", [Role.HELPER, Role.CLASS_TEACHER])
async def test_helpers_and_class_teachers_get_403_everywhere(console: TestClient, library: Library,
                                                             role: Role) -> None:
    add_class(library)
    title_id, _ = add_title(library)
    item_id = _items(library, title_id)[0].id
    add_staff(library, "xiao", role, PASSWORD, class_name="三年级2班" if role == Role.CLASS_TEACHER else None)
    assert (await sign_in(console, "xiao")).status == 302
    csrf = await page_csrf(console)
    assert 'href="/admin/catalogue"' not in await (await console.get("/admin")).text()
    for method, path in ROUTES:
        url = path.format(t=title_id, i=item_id)
        response = await console.request(method, url, data={"csrf": csrf} if method == "POST" else None)
        assert response.status == 403, (method, url)


async def test_posts_without_the_csrf_token_are_refused(console: TestClient, library: Library) -> None:
    title_id, _ = add_title(library)
    item_id = _items(library, title_id)[0].id
    await _as_librarian(console, library)
    for method, path in ROUTES:
        if method == "POST":
            url = path.format(t=title_id, i=item_id)
            response = await console.post(url, data={"title": "x", "change": "lost", "barcodes": "Z1"})
            assert response.status == 403, url
    assert _items(library, title_id)[0].status == ItemStatus.AVAILABLE
    with library.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Item)) == 1


async def test_search_says_so_while_the_index_is_still_taking_in_a_change(console: TestClient,
                                                                         library: Library) -> None:
    from console.catalogue import SEARCH

    add_title(library, "城南旧事", "林海音")
    csrf = await _as_librarian(console, library)
    assert "城南旧事" in await (await console.get("/admin/catalogue", params={"q": "城南旧事"})).text()
    search = console.app[SEARCH]
    search._build_lock.acquire()  # a rebuild under way elsewhere (a big catalogue's takes seconds)
    try:
        await console.post("/admin/catalogue/new", data={"csrf": csrf, "title": "青铜葵花", "count": "1",
                                                          "barcodes": "X9", "item_type": "general"})
        text = await (await console.get("/admin/catalogue", params={"q": "城南旧事"})).text()
        assert "搜索正在更新" in text and "城南旧事" in text  # answered from the previous index meanwhile
        by_barcode = await (await console.get("/admin/catalogue", params={"q": "x9"})).text()
        assert "条码 X9 是《" in by_barcode and "青铜葵花" in by_barcode  # read from the database at once
    finally:
        search._build_lock.release()
    text = await (await console.get("/admin/catalogue", params={"q": "青铜葵花"})).text()
    assert "搜索正在更新" not in text and "/admin/catalogue/titles/" in text
