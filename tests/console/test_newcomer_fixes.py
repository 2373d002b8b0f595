"""What a newcomer found in the demo console: class and name order, class names as typed, full-width scans,
home figures as links, and the desk's loan actions and limits. Each through HTTP on the real app.

Today is Wednesday 2026-11-18 (DEFAULT_NOW) in the autumn term.
"""
from __future__ import annotations

import re
from datetime import date

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.library import Library
from core.lists import class_sort_key, name_sort_key
from core.models import Charge, ChargeKind, ChargeStatus, ReaderType, SchoolClass
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, sign_in
from tests.console.test_lists import lend, rows
from tests.factories import add_reader, add_title

# Each class with one pupil, in the order a code-point sort gives (the bug).
CLASSES = ("一年级1班", "七年级1班", "三年级10班", "三年级2班", "九年级1班", "二年级1班")
GRADE_ORDER = ["一年级1班", "二年级1班", "三年级2班", "三年级10班", "七年级1班", "九年级1班"]


def add_class(lib: Library, name: str, grade: int) -> None:
    with lib.uow() as uow:
        uow.session.add(SchoolClass(name=name, grade=grade))
        uow.commit()


def school_of_classes(lib: Library) -> None:
    """One overdue pupil and one open charge in each class; three more pupils in 三年级2班 (周, 于, 吴)."""
    for name in CLASSES:
        add_class(lib, name, class_sort_key(name)[1])
    for i, name in enumerate(CLASSES):
        reader, _ = add_reader(lib, f"学生{i}", ReaderType.STUDENT, class_name=name)
        _, (barcode,) = add_title(lib, f"书{i}")
        lend(lib, reader, barcode, date(2026, 11, 13))  # all 3 days late: only the class orders them
        with lib.uow() as uow:
            uow.session.add(Charge(reader_id=reader, kind=ChargeKind.OVERDUE, amount_fen=100, note="",
                                   status=ChargeStatus.OPEN, created_at=lib.now()))
            uow.commit()
    for name in ("周", "于", "吴"):
        add_reader(lib, name + "小明", ReaderType.STUDENT, class_name="三年级2班")


async def as_librarian(console: TestClient, lib: Library) -> TestClient:
    add_staff(lib, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    return console


def test_the_shared_keys_order_by_grade_and_number_and_by_pinyin() -> None:
    assert sorted(CLASSES, key=class_sort_key) == GRADE_ORDER
    assert sorted(["", "毕业生", "二年级1班"], key=class_sort_key) == ["二年级1班", "毕业生", ""]
    assert sorted(["周", "于", "吴", "李"], key=name_sort_key) == ["李", "吴", "于", "周"]


async def test_lists_sort_classes_by_grade_and_names_by_pinyin(console: TestClient, lib: Library) -> None:
    school_of_classes(lib)
    await as_librarian(console, lib)
    by_class = rows(await (await console.get("/admin/lists/overdue?sort=class")).text())
    assert [r[1] for r in by_class] == GRADE_ORDER
    by_days = rows(await (await console.get("/admin/lists/overdue")).text())
    assert [r[1] for r in by_days] == GRADE_ORDER  # same days late: class order breaks the tie
    charges = rows(await (await console.get("/admin/lists/charges")).text())
    assert [r[1] for r in charges if r[1]] == GRADE_ORDER
    overdue_form = await (await console.get("/admin/lists/overdue")).text()
    options = re.findall(r"<option value=\"([^\"]*班)\">", overdue_form)
    assert options == GRADE_ORDER
    chooser = await (await console.get("/admin/lists/class")).text()
    assert re.findall(r"<option value=\"([^\"]*班)\">", chooser) == GRADE_ORDER
    not_borrowed = rows(await (await console.get("/admin/lists/class", params={"class": "三年级2班"})).text())
    names = [r[1] for r in not_borrowed if len(r) == 3]
    assert names == ["吴小明", "于小明", "周小明"]


async def test_readers_pages_sort_classes_by_grade_and_a_roster_by_pinyin(console: TestClient, lib: Library) -> None:
    school_of_classes(lib)
    await as_librarian(console, lib)
    home = await (await console.get("/admin/readers")).text()
    assert re.findall(r"[一二三四五六七八九]年级\d+班", home.split('class="classes"')[1]) == GRADE_ORDER
    with lib.read_uow() as uow:
        class_id = uow.session.scalar(select(SchoolClass.id).where(SchoolClass.name == "三年级2班"))
    roster = await (await console.get(f"/admin/readers/classes/{class_id}")).text()
    body = roster.split('id="students"')[1]
    assert re.findall(r"[吴于周]小明|学生\d", body) == ["吴小明", "学生3", "于小明", "周小明"]
    found = await (await console.get("/admin/readers", params={"q": "小明"})).text()
    assert re.findall(r"[吴于周]小明", found.split("<table")[1]) == ["吴小明", "于小明", "周小明"]


async def test_class_filters_read_a_class_the_way_the_reader_search_does(console: TestClient, lib: Library) -> None:
    school_of_classes(lib)
    await as_librarian(console, lib)
    for typed in ("三年级2班", "三年级二班", "3年级2班", "３（２）班", " 3(2)班 "):
        answer = await console.get("/admin/lists/overdue", params={"class": typed})
        assert answer.status == 200, typed
        assert [r[1] for r in rows(await answer.text())] == ["三年级2班"], typed
        one = await console.get("/admin/lists/class", params={"class": typed})
        assert one.status == 200, typed
        assert "三年级2班 逾期未还" in await one.text()
        found = await (await console.get("/admin/readers", params={"q": typed})).text()
        assert "周小明" in found, typed
    assert [r[1] for r in rows(await (await console.get("/admin/lists/overdue", params={"class": "三年级10班"})).text())] \
        == ["三年级10班"]  # 10 is not 1 and 0
    unknown = await console.get("/admin/lists/overdue", params={"class": "五年级二班"})
    assert unknown.status == 400 and "没有这个班级" in await unknown.text()


async def test_a_class_teacher_may_name_their_class_as_they_write_it(console: TestClient, lib: Library) -> None:
    school_of_classes(lib)
    add_staff(lib, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")
    assert (await sign_in(console, "li")).status == 302
    own = await console.get("/admin/lists/class", params={"class": "3年级二班"})
    assert own.status == 200 and "三年级2班 逾期未还" in await own.text()
    other = await console.get("/admin/lists/class", params={"class": "二年级一班"})
    assert other.status == 403


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The cells of one table's body rows (rows with a class attribute too), as text with inner tags kept."""
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    return [[c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def full_width(text: str) -> str:
    """What an input method in full-width mode types: ｓ３０２０１ for s30201."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


async def test_full_width_and_lower_case_scans_work_at_the_desk_and_in_the_search(
        console: TestClient, lib: Library) -> None:
    from tests.console.test_desk import answer, scan

    _, (barcode,) = add_title(lib, "草房子")
    _, card = add_reader(lib, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    await as_librarian(console, lib)
    csrf = re.search(r'name="csrf" value="([^"]+)"', await (await console.get("/admin/desk")).text())
    assert csrf is not None
    typed_card = full_width(card.lower()) + "\u3000"
    assert typed_card != card
    picked = await scan(console, csrf.group(1), typed_card)
    assert answer(picked) == ("ok", "已选中读者：陈思雨（三年级2班）。请扫书。")
    lent = await scan(console, csrf.group(1), full_width(barcode.lower()), typed_card)  # the card field too
    assert answer(lent)[0] == "ok" and "借出《草房子》给陈思雨" in answer(lent)[1]
    back = await scan(console, csrf.group(1), full_width(barcode))
    assert answer(back) == ("ok", "✓归还《草房子》（陈思雨）。")
    page = await (await console.get("/admin/desk", params={"card": typed_card})).text()
    assert 'id="reader-name">陈思雨' in page
    found = await (await console.get("/admin/readers", params={"q": full_width(card.lower())})).text()
    assert "陈思雨" in found.split("<table")[1]


async def test_the_desk_offers_no_renewal_for_a_late_book_and_says_limits_plainly(
        console: TestClient, lib: Library) -> None:
    reader, card = add_reader(lib, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    _, (late,) = add_title(lib, "草房子")
    _, (fine,) = add_title(lib, "小王子")
    lend(lib, reader, late, date(2026, 11, 13))  # 3 open days late
    lend(lib, reader, fine, date(2026, 11, 30))
    await as_librarian(console, lib)
    desk = await (await console.get("/admin/desk", params={"card": card})).text()
    loans = {r[1]: r for r in table_rows(desk, "loans")}
    assert set(loans) == {late, fine}
    assert ">续借</button>" not in loans[late][3] and "/renew" not in loans[late][3] and "逾期不能续借，请先还书" in loans[late][3]
    assert ">续借</button>" in loans[fine][3]
    assert "普通图书已借 2 本，最多 2 本，<strong>已借满</strong>" in desk
    assert "0/2" not in desk and "2/2" not in desk


async def test_a_readers_page_lists_the_books_they_have_out(console: TestClient, lib: Library) -> None:
    reader, _ = add_reader(lib, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    other, _ = add_reader(lib, "李明", ReaderType.STUDENT, class_name="三年级2班")
    _, (late,) = add_title(lib, "草房子")
    _, (fine,) = add_title(lib, "小王子")
    _, (theirs,) = add_title(lib, "西游记")
    lend(lib, reader, late, date(2026, 11, 13))
    lend(lib, reader, fine, date(2026, 11, 30))
    lend(lib, other, theirs, date(2026, 11, 30))
    await as_librarian(console, lib)
    html = await (await console.get(f"/admin/readers/{reader}")).text()
    assert "在借 2 本" in html
    listed = table_rows(html, "reader-loans")
    assert listed == [["《草房子》", late, "2026-11-13 <strong>逾期</strong>"], ["《小王子》", fine, "2026-11-30"]]
    nothing = await (await console.get(f"/admin/readers/{other}")).text()
    assert "西游记" in nothing and "草房子" not in nothing


async def test_the_promotion_preview_lists_a_grades_classes_by_number(console: TestClient, lib: Library) -> None:
    school_of_classes(lib)
    await as_librarian(console, lib)
    preview = await (await console.get("/admin/readers/promotion", params={"on": "2026-11-18"})).text()
    moved = re.findall(r"<tr><td>([^<]*班)</td><td>[^<]*</td>", preview)
    # moves (highest grade first, as applied), then the graduating 九年级
    assert moved[:6] == ["七年级1班", "三年级2班", "三年级10班", "二年级1班", "一年级1班", "九年级1班"], moved
