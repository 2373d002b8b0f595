"""集体借阅 in the console (/admin/desk-class): lend a scanned pile, move it whole, return it; helpers may not move."""
from __future__ import annotations

import html
import re

from aiohttp.test_utils import TestClient

from core.library import Library
from core.models import ItemType, ReaderType
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, page_csrf, sign_in
from tests.factories import add_reader, add_term, add_title


def _answer(page: str) -> tuple[str, str]:
    match = re.search(r'<div id="answer" class="answer (\w+) batch"[^>]*>(.*?)</div>', page, re.S)
    assert match is not None, page
    return match.group(1), html.unescape(re.sub(r"<[^>]+>|\s+", "", match.group(2)))


async def test_lend_move_and_return_a_class_set_in_the_console(console: TestClient, library: Library) -> None:
    add_term(library)
    for name in ("三年级2班", "三年级3班"):
        add_reader(library, f"{name}学生", ReaderType.STUDENT, class_name=name)
    _, codes = add_title(library, "草房子", copies=2)
    _, [ref] = add_title(library, "新华字典", item_type=ItemType.REFERENCE)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    csrf = await page_csrf(console, "/admin/desk-class")

    lent = await console.post("/admin/desk-class/lend", data={
        "csrf": csrf, "class": "三年级2班", "barcodes": f"{codes[0]}\n{codes[1].lower()}\n{ref}\n"})
    page = await lent.text()
    state, text = _answer(page)
    assert lent.status == 200 and state == "refused"
    assert "三年级2班班级图书角（C0001）：借出2本，1本没有借出（见下）。" in text
    assert f"✗{ref}《新华字典》不能借出：工具书、大型成套图书只在阅览室看，不外借" in text
    assert "共2本（上限100本）" in page  # what the class holds now, beside the forms

    moved = await console.post("/admin/desk-class/move", data={"csrf": csrf, "class": "三年级2班",
                                                              "to_class": "三年级3班"})
    assert _answer(await moved.text()) == ("ok", "✓三年级2班的2本书已转到三年级3班（漂流），还书日不变；两个班的借阅记录都保留。")

    back = await console.post("/admin/desk-class/return", data={"csrf": csrf, "class": "三年级3班", "barcodes": "",
                                                                "confirm": "2"})
    state, text = _answer(await back.text())
    assert state == "ok" and text.startswith("三年级3班班级图书角：归还2本。")

    empty = await console.post("/admin/desk-class/lend", data={"csrf": csrf, "class": "三年级2班", "barcodes": ""})
    assert empty.status == 400


async def test_a_helper_lends_to_a_class_but_may_not_move_it(console: TestClient, library: Library) -> None:
    add_term(library)
    add_reader(library, "学生", ReaderType.STUDENT, class_name="三年级2班")
    _, [code] = add_title(library, "小王子")
    add_staff(library, "xiaoming", Role.HELPER, PASSWORD)
    assert (await sign_in(console, "xiaoming")).status == 302
    csrf = await page_csrf(console, "/admin/desk-class")
    page = await (await console.get("/admin/desk-class")).text()
    assert "整班转借" not in page
    lent = await console.post("/admin/desk-class/lend", data={"csrf": csrf, "class": "三年级2班", "barcodes": code})
    assert _answer(await lent.text())[0] == "ok"
    moved = await console.post("/admin/desk-class/move", data={"csrf": csrf, "class": "三年级2班",
                                                              "to_class": "三年级3班"})
    assert moved.status == 403
    no_csrf = await console.post("/admin/desk-class/lend", data={"class": "三年级2班", "barcodes": code})
    assert no_csrf.status == 403


async def test_a_busy_move_is_an_answer_not_a_500(console: TestClient, library: Library, monkeypatch) -> None:
    from console import class_desk
    from core.circulation.collections import CollectionBusy

    add_term(library)
    for name in ("三年级2班", "三年级3班"):
        add_reader(library, f"{name}学生", ReaderType.STUDENT, class_name=name)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    csrf = await page_csrf(console, "/admin/desk-class")

    def busy(*_args, **_kwargs):
        raise CollectionBusy()

    monkeypatch.setattr(class_desk, "move_collection", busy)
    moved = await console.post("/admin/desk-class/move", data={"csrf": csrf, "class": "三年级2班",
                                                              "to_class": "三年级3班"})
    assert moved.status == 200
    assert _answer(await moved.text()) == ("refused", "这个班的书正在另一台电脑上处理，什么都没有改，请稍等再试一次。")


async def test_returning_a_whole_class_asks_first_and_is_for_librarians(console: TestClient, library: Library) -> None:
    add_term(library)
    add_reader(library, "学生", ReaderType.STUDENT, class_name="三年级2班")
    _, codes = add_title(library, "草房子", copies=3)
    add_staff(library, "xiaoming", Role.HELPER, PASSWORD)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "xiaoming")).status == 302
    csrf = await page_csrf(console, "/admin/desk-class")
    page = await (await console.get("/admin/desk-class")).text()
    assert "全部归还" not in page
    lent = await console.post("/admin/desk-class/lend", data={"csrf": csrf, "class": "三年级2班",
                                                             "barcodes": "\n".join(codes)})
    assert _answer(await lent.text())[0] == "ok"
    whole = await console.post("/admin/desk-class/return", data={"csrf": csrf, "class": "三年级2班", "barcodes": ""})
    assert whole.status == 403
    assert _answer(await whole.text()) == ("refused", "整班归还请找图书管理员；也可以把书一本本扫进“归还的条码”框里归还。")
    forced = await console.post("/admin/desk-class/return", data={"csrf": csrf, "class": "三年级2班", "barcodes": "",
                                                                 "confirm": "3"})
    assert forced.status == 403
    scanned = await console.post("/admin/desk-class/return", data={"csrf": csrf, "class": "三年级2班",
                                                                  "barcodes": codes[0]})
    assert _answer(await scanned.text()) == ("ok", f"三年级2班班级图书角：归还1本。{codes[0]}✓归还《草房子》（三年级2班班级图书角）。")

    await console.post("/admin/logout", data={"csrf": csrf})
    assert (await sign_in(console, "wang")).status == 302
    csrf = await page_csrf(console, "/admin/desk-class")
    ask = await console.post("/admin/desk-class/return", data={"csrf": csrf, "class": "3年级2班", "barcodes": ""})
    page = await ask.text()
    assert ask.status == 200 and 'id="answer"' not in page
    assert "三年级2班班级图书角现在借着2本书，确定全部归还吗？" in html.unescape(page)
    assert 'name="confirm" value="2"' in page and "确定归还这2本" in page
    assert 'name="class" value="三年级2班"' in page  # the class's own name, however it was typed
    with library.read_uow() as uow:
        from sqlalchemy import func, select

        from core.models import Loan
        assert uow.session.scalar(select(func.count()).select_from(Loan).where(Loan.is_open.is_(True))) == 2
    stale = await console.post("/admin/desk-class/return", data={"csrf": csrf, "class": "三年级2班", "barcodes": "",
                                                                "confirm": "5"})
    assert "现在借着2本书，确定全部归还吗？" in html.unescape(await stale.text())  # the count changed: ask again
    done = await console.post("/admin/desk-class/return", data={"csrf": csrf, "class": "三年级2班", "barcodes": "",
                                                               "confirm": "2"})
    state, text = _answer(await done.text())
    assert state == "ok" and text.startswith("三年级2班班级图书角：归还2本。")


async def test_a_class_card_at_the_ordinary_desk_offers_no_renewal_or_theft_charge(console: TestClient,
                                                                                    library: Library) -> None:
    from core.circulation.collections import lend_to_class

    add_term(library)
    add_reader(library, "学生", ReaderType.STUDENT, class_name="三年级2班")
    _, codes = add_title(library, "草房子", copies=2)
    lent = lend_to_class(library, "三年级2班", codes)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    csrf = await page_csrf(console, "/admin/desk")
    card = lent.borrower.card_no
    page = await (await console.post("/admin/desk", data={"csrf": csrf, "card": "", "scan": card})).text()
    loans = page.split('<table id="loans">', 1)[1].split("</table>", 1)[0]
    assert loans.count("班级集体借阅不能续借") == 2 and ">续借<" not in loans
    assert "丢失" in loans  # a class can still lose a book: its class teacher answers for it
    assert 'id="theft"' not in page and "偷窃赔偿" not in page
    theft = await console.post("/admin/desk/theft", data={"csrf": csrf, "card": card, "barcode": codes[0]})
    assert theft.status == 400
    assert "班级图书角的书不登记偷窃赔偿" in html.unescape(await theft.text())

    person = add_reader(library, "张老师")[1]
    page = await (await console.post("/admin/desk", data={"csrf": csrf, "card": "", "scan": person})).text()
    assert 'id="theft"' in page  # a person's panel keeps it


async def test_each_answer_line_has_its_own_colour_and_each_form_its_heading(console: TestClient,
                                                                            library: Library) -> None:
    add_term(library)
    add_reader(library, "学生", ReaderType.STUDENT, class_name="三年级2班")
    _, [code] = add_title(library, "草房子")
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    csrf = await page_csrf(console, "/admin/desk-class")
    lent = await console.post("/admin/desk-class/lend", data={"csrf": csrf, "class": "三年级2班",
                                                             "barcodes": f"{code}\nNOPE\n{code}"})
    page = await lent.text()
    box = page.split('id="answer"', 1)[1].split("</div>", 1)[0]
    assert 'class="answer refused batch"' in page  # the box itself is neutral; its lines carry the colour
    assert f'<p class="good">✓ {code}' in box and '<p class="bad">✗ NOPE' in box
    assert f'<p class="note">· {code} 重复扫描，已忽略</p>' in box
    assert '<p class="head">三年级2班班级图书角' in box
    for heading in ("借出", "归还", "漂流"):
        assert re.search(rf"<h2[^>]*>[^<]*{heading}", page), heading
    move_form = page.split('action="/admin/desk-class/move"', 1)[1].split("</form>", 1)[0]
    assert 'name="class" list="class-names" value=""' in move_form  # 从 is not filled from the loan


async def test_the_class_teachers_list_shows_the_class_book_corner(console: TestClient, library: Library) -> None:
    from core.circulation.collections import lend_to_class

    add_term(library)
    add_reader(library, "学生", ReaderType.STUDENT, class_name="三年级2班")
    _, codes = add_title(library, "草房子", copies=2)
    lend_to_class(library, "三年级2班", codes)
    add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")
    assert (await sign_in(console, "li")).status == 302
    page = html.unescape(await (await console.get("/admin/lists/class")).text())
    assert "三年级2班 班级图书角（集体借阅）" in page
    block = page.split("班级图书角（集体借阅）", 1)[1]
    assert all(code in block for code in codes) and "草房子" in block and "2027-01-22" in block
