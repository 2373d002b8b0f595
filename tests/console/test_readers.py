"""/admin/readers through the real app: search, edit, add, move, promotion, clearance, unbind, roles.

Every test runs on a SQLite file and on PostgreSQL (the `library` fixture), signed in through the form.
"""
from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.accounts import Binding, bind_directly
from core.circulation import CheckinItem, CheckoutItem, checkin, checkout
from core.library import Library
from core.messaging import SKIPPED, OutboundMessage
from core.models import AuditEntry, Reader, ReaderStatus, ReaderType, SchoolClass
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, add_class, page_csrf, sign_in
from tests.factories import add_guardian, add_reader, add_term, add_title


def _class_id(library: Library, name: str) -> int:
    with library.read_uow() as uow:
        found = uow.session.scalar(select(SchoolClass.id).where(SchoolClass.name == name))
        assert found is not None
        return found


def _reader(library: Library, reader_id: int) -> Reader:
    with library.read_uow() as uow:
        reader = uow.session.get(Reader, reader_id)
        assert reader is not None
        uow.session.expunge(reader)
        return reader


def _audits(library: Library, action: str) -> list[AuditEntry]:
    with library.read_uow() as uow:
        rows = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        uow.session.expunge_all()  # plain objects after the read transaction ends
        return rows


async def _as_librarian(console: TestClient, library: Library) -> str:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    return await page_csrf(console)


async def test_search_edit_and_move_a_student(console: TestClient, library: Library) -> None:
    add_class(library, "三年级2班", 3)
    add_class(library, "四年级1班", 4)
    reader_id, card = add_reader(library, "李小明", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    csrf = await _as_librarian(console, library)

    for query in ("小明", "s302", "3(2)班", "三年级2班"):  # name, card (any case), class in either spelling
        found = await (await console.get("/admin/readers", params={"q": query})).text()
        assert f'href="/admin/readers/{reader_id}"' in found, query
    assert "没有找到" in await (await console.get("/admin/readers", params={"q": "王五"})).text()

    bad = await console.post(f"/admin/readers/{reader_id}", data={"csrf": csrf, "name": "李小明", "phone": "12345",
                                                                "class_id": ""}, allow_redirects=False)
    assert bad.status == 400 and "手机号要 11 位数字" in await bad.text()
    assert _reader(library, reader_id).phone == ""  # nothing written

    script = "<script>alert(1)</script>"
    saved = await console.post(f"/admin/readers/{reader_id}", data={
        "csrf": csrf, "name": script, "phone": "138 0013 8000", "class_id": str(_class_id(library, "三年级2班"))},
        allow_redirects=False)
    assert saved.status == 302
    assert (_reader(library, reader_id).name, _reader(library, reader_id).phone) == (script, "13800138000")
    shown = await (await console.get(f"/admin/readers/{reader_id}")).text()
    assert "<script>alert(1)" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    listed = await (await console.get("/admin/readers", params={"q": card})).text()
    assert "<script>alert(1)" not in listed

    moved = await console.post(f"/admin/readers/{reader_id}/move",
                               data={"csrf": csrf, "class_id": str(_class_id(library, "四年级1班"))})
    assert moved.status == 200 and "已调班，现在在 四年级1班" in await moved.text()
    assert _reader(library, reader_id).class_id == _class_id(library, "四年级1班")
    (move,) = _audits(library, "reader_move")
    assert move.actor == "staff:wang" and move.reader_id == reader_id
    (edit,) = _audits(library, "reader_edit")
    assert edit.detail == {"fields": "name,phone"}  # which fields, never the values


async def test_add_a_reader_with_errors_beside_the_field(console: TestClient, library: Library) -> None:
    add_reader(library, "张老师", ReaderType.TEACHER, card_no="T0001")
    csrf = await _as_librarian(console, library)
    form = {"csrf": csrf, "card_no": "S40101", "name": "赵一", "class_name": "火星班", "phone": ""}
    refused = await console.post("/admin/readers/new", data=form)
    assert refused.status == 400
    text = await refused.text()
    assert "班级“火星班”看不懂" in text and 'id="class_name-error"' in text and 'value="赵一"' in text
    taken = await console.post("/admin/readers/new", data={**form, "card_no": "t0001", "class_name": "四年级1班"})
    assert taken.status == 400 and "借阅证号 T0001 已经有人用过" in await taken.text()
    added = await console.post("/admin/readers/new", data={**form, "class_name": "4(1)班"}, allow_redirects=False)
    assert added.status == 302
    reader_id = int(added.headers["Location"].split("/")[-1].split("?")[0])
    reader = _reader(library, reader_id)
    assert (reader.card_no, reader.reader_type, reader.class_id) == ("S40101", ReaderType.STUDENT,
                                                                    _class_id(library, "四年级1班"))
    (issued,) = _audits(library, "issue_card")
    assert issued.actor == "staff:wang"


def _school_with_graduates(library: Library) -> tuple[int, int, str]:
    """Grades 1–6 (a 小学); in 六年级1班 one student with a book out, one with nothing."""
    add_term(library)
    for grade, name in enumerate(("一年级1班", "二年级1班", "三年级1班", "四年级1班", "五年级1班", "六年级1班"), 1):
        add_class(library, name, grade)
    owing, owing_card = add_reader(library, "钱多多", ReaderType.STUDENT, class_name="六年级1班")
    clear, _ = add_reader(library, "孙清清", ReaderType.STUDENT, class_name="六年级1班")
    add_reader(library, "周小五", ReaderType.STUDENT, class_name="五年级1班")
    _, barcodes = add_title(library, "城南旧事")
    checkout(library, CheckoutItem(owing_card, barcodes[0]))
    return owing, clear, barcodes[0]


async def test_promotion_preview_then_apply_once(console: TestClient, library: Library) -> None:
    owing, clear, barcode = _school_with_graduates(library)
    csrf = await _as_librarian(console, library)
    preview = await (await console.get("/admin/readers/promotion", params={"on": "2026-11-18"})).text()
    assert "本校最高是 <strong>6 年级</strong>" in preview
    assert re.search(r"<td>五年级1班</td><td>六年级1班</td>", preview)
    assert re.search(r"<td>六年级1班</td><td>2026届六年级1班</td>", preview)
    assert "钱多多" in preview and barcode in preview and "孙清清" not in preview

    future = await console.post("/admin/readers/promotion", data={"csrf": csrf, "on": "2027-09-01"})
    assert future.status == 409 and "还没到" in await future.text()
    assert _class_id(library, "五年级1班")  # nothing moved

    done = await console.post("/admin/readers/promotion", data={"csrf": csrf, "on": "2026-11-18"})
    text = await done.text()
    assert done.status == 200 and "5 个班升了一级" in text and "1 名毕业生还有书或欠费没清" in text
    with library.read_uow() as uow:
        classes = {c.name: c.grade for c in uow.session.scalars(select(SchoolClass))}
    assert classes == {"二年级1班": 2, "三年级1班": 3, "四年级1班": 4, "五年级1班": 5, "六年级1班": 6,
                       "2026届六年级1班": 0}
    assert _reader(library, clear).status == ReaderStatus.LEFT
    assert _reader(library, owing).status == ReaderStatus.ACTIVE  # can still bring the book back
    assert len(_audits(library, "graduated")) == 1 and _audits(library, "promotion")[0].actor == "staff:wang"

    again = await console.post("/admin/readers/promotion", data={"csrf": csrf, "on": "2026-11-20"})
    assert again.status == 409 and "本学年已经在 2026-11-18 升过年级了" in await again.text()
    assert _class_id(library, "六年级1班")


async def test_a_school_with_junior_grades_graduates_grade_nine(console: TestClient, library: Library) -> None:
    add_class(library, "六年级1班", 6)
    add_class(library, "七年级1班", 7)
    await _as_librarian(console, library)
    preview = await (await console.get("/admin/readers/promotion", params={"on": "2026-11-18"})).text()
    assert "本校最高是 <strong>9 年级</strong>" in preview
    assert re.search(r"<td>六年级1班</td><td>七年级1班</td>", preview)  # 六年级 moves up, does not graduate
    assert "没有要毕业的班" in preview
    bad = await console.get("/admin/readers/promotion", params={"on": "明年"})
    assert bad.status == 400 and "日期请写成 2027-09-01 这样" in await bad.text()


async def test_grade_clearance_lists_who_still_owes(console: TestClient, library: Library) -> None:
    _school_with_graduates(library)
    await _as_librarian(console, library)
    page = await console.get("/admin/readers/clearance", params={"grade": "6"})
    text = await page.text()
    assert page.status == 200 and "共 2 人，已还清 1 人" in text and "还有书或欠费 1 人" in text
    assert "钱多多" in text and "《城南旧事》" in text and "孙清清" not in text
    assert "/admin/static/readers.css" in text and "window.print()" in text
    css = await (await console.get("/admin/static/readers.css")).text()
    assert "@media print" in css and "size: A4" in css


async def test_unbind_one_parent_keeps_their_other_child(console: TestClient, library: Library) -> None:
    add_class(library, "三年级2班", 3)
    first, _ = add_reader(library, "陈一", ReaderType.STUDENT, class_name="三年级2班")
    second, _ = add_reader(library, "陈二", ReaderType.STUDENT, class_name="三年级2班")
    guardian = add_guardian(library, "陈一的家长", first, second)
    bind_directly(library, "wx-parent", guardian_id=guardian)
    bind_directly(library, "wx-own", reader_id=first)
    csrf = await _as_librarian(console, library)
    with library.read_uow() as uow:
        parent_binding = uow.session.scalar(select(Binding.id).where(Binding.user_id == "wx-parent"))
        own_binding = uow.session.scalar(select(Binding.id).where(Binding.user_id == "wx-own"))
    shown = await (await console.get(f"/admin/readers/{first}")).text()
    assert f"/unbind/{parent_binding}" in shown and f"/unbind/{own_binding}" in shown

    wrong = await console.post(f"/admin/readers/{first}/unbind/999999", data={"csrf": csrf})
    assert wrong.status == 400 and "已经不在了" in await wrong.text()
    done = await console.post(f"/admin/readers/{first}/unbind/{parent_binding}", data={"csrf": csrf})
    assert done.status == 200 and "已解除绑定" in await done.text()
    from core.accounts import identify
    parent = identify(library, "wx-parent")
    assert parent is not None and [c.reader_id for c in parent.children] == [second]
    with library.uow() as uow:  # a reminder held for quiet hours, naming the reader
        uow.session.add(OutboundMessage(key="due:1", channel="wechat", user_id="wx-own", text="到期提醒",
                                        created_at=library.now(), next_attempt_at=library.now()))
        uow.commit()
    await console.post(f"/admin/readers/{first}/unbind/{own_binding}", data={"csrf": csrf})
    assert identify(library, "wx-own") is None
    with library.read_uow() as uow:
        assert uow.session.scalar(select(OutboundMessage.status).where(OutboundMessage.key == "due:1")) == SKIPPED
    assert [a.actor for a in _audits(library, "unbind_by_staff")] == ["staff:wang", "staff:wang"]


async def test_who_may_use_the_readers_pages(console: TestClient, library: Library) -> None:
    add_class(library, "三年级2班", 3)
    add_class(library, "三年级3班", 3)
    mine, theirs = _class_id(library, "三年级2班"), _class_id(library, "三年级3班")
    reader_id, _ = add_reader(library, "学生甲", ReaderType.STUDENT, class_name="三年级2班")
    add_staff(library, "helper", Role.HELPER, PASSWORD)
    add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")

    anonymous = await console.get("/admin/readers", allow_redirects=False)
    assert anonymous.status == 302 and anonymous.headers["Location"].startswith("/admin/login?next=")

    await sign_in(console, "helper")
    for path in ("/admin/readers", f"/admin/readers/{reader_id}", f"/admin/readers/classes/{mine}",
                 "/admin/readers/promotion", "/admin/readers/clearance?grade=3"):
        assert (await console.get(path)).status == 403, path

    console.session.cookie_jar.clear()
    await sign_in(console, "li")
    csrf = await page_csrf(console)
    for path in ("/admin/readers", f"/admin/readers/{reader_id}", "/admin/readers/promotion"):
        assert (await console.get(path)).status == 403, path
    assert (await console.post("/admin/readers/promotion", data={"csrf": csrf, "on": "2026-11-18"})).status == 403
    own = await console.get("/admin/readers/my-class")
    text = await own.text()
    assert own.status == 200 and "学生甲" in text and f'href="/admin/readers/{reader_id}"' not in text  # read-only
    assert (await console.get(f"/admin/readers/classes/{theirs}")).status == 404
    assert (await console.post(f"/admin/readers/classes/{theirs}/slips", data={"csrf": csrf})).status == 404
    assert (await console.post(f"/admin/readers/classes/{mine}/slips")).status == 403  # no CSRF token
    assert (await console.post(f"/admin/readers/{reader_id}", data={"name": "x"})).status == 403


async def test_a_transfer_leaves_only_when_everything_is_back(console: TestClient, library: Library) -> None:
    owing, _, barcode = _school_with_graduates(library)
    csrf = await _as_librarian(console, library)
    refused = await console.post(f"/admin/readers/{owing}/leave", data={"csrf": csrf})
    assert refused.status == 400 and "还有 1 本书没还：还清后才能办离校" in await refused.text()
    assert _reader(library, owing).status == ReaderStatus.ACTIVE
    checkin(library, CheckinItem(barcode))
    done = await console.post(f"/admin/readers/{owing}/leave", data={"csrf": csrf})
    assert done.status == 200 and "已办离校" in await done.text()
    assert _reader(library, owing).status == ReaderStatus.LEFT
    assert _audits(library, "cleared")[0].actor == "staff:wang"


async def test_a_graduate_who_still_owes_keeps_their_class_when_edited(console: TestClient, library: Library) -> None:
    owing, _, _ = _school_with_graduates(library)
    csrf = await _as_librarian(console, library)
    await console.post("/admin/readers/promotion", data={"csrf": csrf, "on": "2026-11-18"})
    graduated = _class_id(library, "2026届六年级1班")
    page = await (await console.get(f"/admin/readers/{owing}")).text()
    assert f'<option value="{graduated}" selected>2026届六年级1班</option>' in page
    move_options = page.split('id="move-class"')[1].split("</select>")[0]
    assert "2026届" not in move_options and "六年级1班" in move_options
