"""Issue 15's rules at the console through real HTTP: the total limit, theft, existing damage at the
desk, and suspending / lifting borrowing on the reader's page (with the page's CSRF token)."""
from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.library import Library
from core.models import AuditEntry, Charge, ChargeKind, Item, ItemType, Reader, ReaderType
from core.staff import Role
from tests.console.conftest import page_csrf
from tests.console.test_desk import answer, scan, signed_in
from tests.factories import add_reader, add_term, add_title


async def test_the_desk_refuses_a_third_book_across_types_for_a_teacher(console: TestClient,
                                                                       library: Library) -> None:
    add_term(library)
    _, [a] = add_title(library, "草房子")
    _, [b, c] = add_title(library, "给教师的建议", copies=2, item_type=ItemType.TEACHING_REFERENCE)
    _, card = add_reader(library, "张老师")
    csrf = await signed_in(console, library)
    await scan(console, csrf, a, card)
    second = await scan(console, csrf, b, card)
    assert "各类合计已借 2 本，最多 2 本" in second
    limits = re.sub(r"<[^>]+>|\s+", "", second.split('id="may-borrow"')[1].split("</p>")[0])
    # a type with nothing lent is full only because of the total: say so (finding 8)
    # A type not full itself says 合计已满 once; the total line after it gives the numbers.
    assert limits == (">普通图书已借1本，最多2本，合计已满；教学参考书已借1本，最多5本，合计已满；"
                      "期刊已借0本，最多2本，合计已满。各类合计已借2本，最多2本"), limits
    third = await scan(console, csrf, c, card)
    assert answer(third) == ("refused", "✗《给教师的建议》不能借出：张老师已借满2本（教师各类图书合计最多2本），先还一本再借")


async def test_damage_typed_beside_the_scan_is_recorded_and_named_at_return(console: TestClient,
                                                                             library: Library) -> None:
    add_term(library)
    _, [barcode] = add_title(library, "城南旧事")
    _, card = add_reader(library, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    csrf = await signed_in(console, library)
    await scan(console, csrf, card)
    lent = await console.post("/admin/desk", data={"csrf": csrf, "scan": barcode, "card": card,
                                                   "condition": "缺第12页"})
    kind, text = answer(await lent.text())
    assert kind == "ok" and "已记录书的原有损坏：缺第12页" in text
    back = await scan(console, csrf, barcode)
    assert "这本书原有损坏：缺第12页（" in answer(back)[1] and "月" in answer(back)[1]
    noted = await console.post("/admin/desk/condition", data={"csrf": csrf, "barcode": barcode,
                                                              "condition": "加记印章"})
    assert answer(await noted.text()) == ("ok", f"✓已记录《城南旧事》{barcode}的原有损坏：缺第12页；加记印章。还书时不会算在读者头上。")
    empty = await console.post("/admin/desk/condition", data={"csrf": csrf, "barcode": barcode, "condition": ""})
    assert empty.status == 400
    with library.read_uow() as uow:
        assert uow.session.scalar(select(Item.condition_note)) == "缺第12页；加记印章"
        assert len(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "condition_noted")).all()) == 2


async def test_a_helper_cannot_note_existing_damage_on_a_copy_out_on_loan(console: TestClient,
                                                                          library: Library) -> None:
    add_term(library)
    _, [barcode] = add_title(library, "城南旧事")
    _, card = add_reader(library, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    csrf = await signed_in(console, library, Role.HELPER)
    await scan(console, csrf, barcode, card)  # lent
    noted = await console.post("/admin/desk/condition", data={"csrf": csrf, "barcode": barcode,
                                                              "condition": "封面撕破"})
    kind, text = answer(await noted.text())
    assert kind == "refused" and "原有损坏只能在书在图书室时" in text, text
    back = await scan(console, csrf, barcode)
    assert "原有损坏" not in answer(back)[1] and "不要收费" not in back
    with library.read_uow() as uow:
        assert uow.session.scalar(select(Item.condition_note)) == ""


async def test_theft_is_charged_by_the_librarian_only(console: TestClient, library: Library) -> None:
    add_term(library)
    _, [barcode] = add_title(library, "三体", price_fen=2300)
    _, card = add_reader(library, "王小明", ReaderType.STUDENT, class_name="五年级1班")
    csrf = await signed_in(console, library)
    page = await scan(console, csrf, card)
    assert "偷窃赔偿（书价的10倍）" in page
    asked = await console.post("/admin/desk/theft", data={"csrf": csrf, "barcode": barcode, "card": card,
                                                         "note": "门口发现"})
    asked_html = await asked.text()
    assert answer(asked_html) == ("ok", "请确认：王小明《三体》偷窃赔偿230.00元（书价23.00元×10）。确认后记入欠款。"
                                  "确认登记偷窃赔偿230.00元")
    with library.read_uow() as uow:
        assert uow.session.scalar(select(Charge)) is None  # nothing charged before the confirmation
    confirm = re.search(r'<form[^>]*id="theft-confirm".*?</form>', asked_html, re.S).group(0)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', confirm))
    assert fields["confirm"] == "1" and fields["note"] == "门口发现" and fields["card"] == card
    charged = await console.post("/admin/desk/theft", data=fields)
    html = await charged.text()
    assert answer(html) == ("ok", "✓王小明《三体》：偷窃赔偿230.00元（书价23.00元×10），已记入欠款。")
    assert "偷窃赔偿" in html.split('id="charges"')[1]  # the charges table names the kind in Chinese
    no_reader = await console.post("/admin/desk/theft", data={"csrf": csrf, "barcode": barcode})
    assert no_reader.status == 400 and "请先扫读者证" in answer(await no_reader.text())[1]
    console.session.cookie_jar.clear()

    helper = await signed_in(console, library, Role.HELPER)
    assert "/admin/desk/theft" not in await scan(console, helper, card)
    refused = await console.post("/admin/desk/theft", data={"csrf": helper, "barcode": barcode, "card": card},
                                 allow_redirects=False)
    assert refused.status == 403
    with library.read_uow() as uow:
        assert [(c.kind, c.amount_fen) for c in uow.session.scalars(select(Charge))] == [(ChargeKind.THEFT, 23000)]


async def test_lists_name_theft_and_a_suspensions_reason(console: TestClient, library: Library) -> None:
    from core.circulation import ChargeTheft, SuspendReader, charge_theft, suspend_reader

    add_term(library)
    _, [barcode] = add_title(library, "三体", price_fen=2300)
    _, card = add_reader(library, "王小明", ReaderType.STUDENT, class_name="五年级1班")
    charge_theft(library, ChargeTheft(card, barcode))
    suspend_reader(library, SuspendReader(card, "偷拿图书"))
    await signed_in(console, library)
    charges = re.sub(r"<[^>]+>|\s+", "", await (await console.get("/admin/lists/charges")).text())
    assert "偷窃赔偿230.00" in charges
    paused = re.sub(r"<[^>]+>|\s+", "", await (await console.get("/admin/lists/suspended")).text())
    assert "图书室恢复为止偷拿图书" in paused and "9999" not in paused
    from io import BytesIO

    from openpyxl import load_workbook
    book = load_workbook(BytesIO(await (await console.get("/admin/lists/suspended?format=xlsx")).read()))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row]
    assert "图书室恢复为止" in cells and not any("9999" in c for c in cells), cells


async def test_suspend_and_lift_on_the_readers_page(console: TestClient, library: Library) -> None:
    add_term(library)
    reader_id, card = add_reader(library, "李小明", ReaderType.STUDENT, class_name="三年级2班")
    _, [barcode] = add_title(library, "草房子")
    await signed_in(console, library)
    page_path = f"/admin/readers/{reader_id}"
    csrf = await page_csrf(console, page_path)

    no_token = await console.post(f"{page_path}/suspend", data={"reason": "损坏图书"}, allow_redirects=False)
    assert no_token.status == 403
    missing = await console.post(f"{page_path}/suspend", data={"csrf": csrf, "reason": " "})
    assert missing.status == 400 and "请写明暂停借书的原因" in await missing.text()
    bad_date = await console.post(f"{page_path}/suspend", data={"csrf": csrf, "reason": "x", "until": "明天"})
    assert bad_date.status == 400 and "2026-12-31" in await bad_date.text()

    done = await console.post(f"{page_path}/suspend", data={"csrf": csrf, "reason": "多次损坏图书", "until": ""},
                              allow_redirects=False)
    assert done.status == 302 and done.headers["Location"] == f"{page_path}?saved=suspended"
    html = await (await console.get(f"{page_path}?saved=suspended")).text()
    assert "暂停借阅到图书室恢复为止（原因：多次损坏图书）" in html and "恢复借书资格" in html
    header = re.sub(r"<[^>]+>|\s+", "", html.split("</h1>")[1].split("</p>", 2)[1])
    assert "暂停借书（多次损坏图书，到图书室恢复为止）" in header and "正常" not in header, header
    shorter = await console.post(f"{page_path}/suspend", data={"csrf": csrf, "reason": "损坏图书", "until": "2026-12-01"},
                                 allow_redirects=False)
    assert shorter.headers["Location"] == f"{page_path}?saved=suspended_kept"
    kept = re.sub(r"<[^>]+>|\s+", "", await (await console.get(shorter.headers["Location"])).text())
    assert "原来的暂停更长，仍暂停到图书室恢复为止" in kept, kept
    assert "暂停借书（损坏图书，到图书室恢复为止）" in kept
    invisible = await console.post(f"{page_path}/suspend", data={"csrf": csrf, "reason": "\u3000\u200b\u200b"})
    assert invisible.status == 400 and "请写明暂停借书的原因" in await invisible.text()
    done = await console.post(f"{page_path}/suspend", data={"csrf": csrf, "reason": "多次损坏图书", "until": ""},
                              allow_redirects=False)

    desk_csrf = await page_csrf(console, "/admin/desk")
    refused = await scan(console, desk_csrf, barcode, card)
    assert answer(refused) == ("refused", "✗《草房子》不能借出：李小明暂停借阅到图书室恢复为止（多次损坏图书）")
    assert "暂停借阅到图书室恢复为止（原因：多次损坏图书）" in re.sub(r"\s+", "", refused)

    lifted = await console.post(f"{page_path}/lift", data={"csrf": csrf}, allow_redirects=False)
    assert lifted.status == 302
    again = await console.post(f"{page_path}/lift", data={"csrf": csrf})
    assert again.status == 400 and "现在没有被暂停借书" in await again.text()
    assert answer(await scan(console, desk_csrf, barcode, card))[0] == "ok"
    with library.read_uow() as uow:
        reader = uow.session.get(Reader, reader_id)
        assert (reader.suspended_until, reader.suspension_reason) == (None, "")
        actions = uow.session.scalars(select(AuditEntry.actor).where(
            AuditEntry.action.in_(("suspend", "lift_suspension")))).all()
        assert actions == ["wang"] * 4  # suspend, the kept one, suspend again, lift


async def test_a_helper_cannot_suspend(console: TestClient, library: Library) -> None:
    reader_id, _ = add_reader(library, "李小明", ReaderType.STUDENT, class_name="三年级2班")
    csrf = await signed_in(console, library, Role.HELPER)
    response = await console.post(f"/admin/readers/{reader_id}/suspend", data={"csrf": csrf, "reason": "x"},
                                  allow_redirects=False)
    assert response.status == 403
