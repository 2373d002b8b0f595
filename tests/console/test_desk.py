"""The desk (借还台) through real HTTP: scan a card, lend, a refusal that names the rule, return; roles and CSRF."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.accounts import bind_directly
from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.library import Library
from core.messaging import OutboundMessage
from core.models import AuditEntry, Charge, ChargeStatus, Loan, ReaderType
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, page_csrf, sign_in
from tests.factories import add_guardian, add_reader, add_term, add_title

ANSWER = re.compile(r'<div id="answer" class="answer (\w+)"[^>]*>(.*?)</div>', re.S)


def answer(html: str) -> tuple[str, str]:
    """(ok | refused | idle, the answer's text without tags) of a desk page or fragment."""
    match = ANSWER.search(html)
    assert match is not None, html
    return match.group(1), re.sub(r"<[^>]+>|\s+", "", match.group(2))


async def signed_in(console: TestClient, library: Library, role: Role = Role.LIBRARIAN) -> str:
    """Sign in an account of `role`; returns the desk page's CSRF token."""
    name = {Role.LIBRARIAN: "wang", Role.HELPER: "xiaoming"}[role]
    add_staff(library, name, role, PASSWORD)
    assert (await sign_in(console, name)).status == 302
    return await page_csrf(console, "/admin/desk")


async def scan(console: TestClient, csrf: str, code: str, card: str = "", *, htmx: bool = False) -> str:
    headers = {"HX-Request": "true"} if htmx else {}
    response = await console.post("/admin/desk", data={"csrf": csrf, "scan": code, "card": card}, headers=headers)
    assert response.status == 200, await response.text()
    return await response.text()


@pytest.fixture
def school(library: Library) -> Library:
    add_term(library)
    return library


async def test_select_a_reader_lend_two_copies_a_refusal_names_the_rule_return_one(
        console: TestClient, school: Library) -> None:
    _, copies = add_title(school, "草房子", copies=3)
    _, card = add_reader(school, "陈思雨", ReaderType.STUDENT, class_name="三年级2班")
    csrf = await signed_in(console, school)

    page = await scan(console, csrf, card.lower())  # scanners and hands mix cases
    assert answer(page) == ("ok", "已选中读者：陈思雨（三年级2班）。请扫书。")
    assert 'id="reader-name">陈思雨' in page and f'name="card" value="{card}"' in page
    assert "普通图书已借 0 本，最多 2 本，还能借 2 本" in page

    first = await scan(console, csrf, copies[0], card)
    assert answer(first)[0] == "ok" and answer(first)[1].startswith("✓借出《草房子》给陈思雨，")
    second = await scan(console, csrf, copies[1], card, htmx=True)
    assert "<html" not in second and second.lstrip().startswith('<div id="desk"')  # only the panel, for htmx
    assert answer(second)[0] == "ok" and "普通图书已借 2 本，最多 2 本，<strong>已借满</strong>" in second

    refused = await scan(console, csrf, copies[2], card, htmx=True)
    assert answer(refused) == ("refused", "✗《草房子》不能借出：陈思雨已借满2本（学生普通图书上限2本）")

    back = await scan(console, csrf, copies[0])  # no reader selected: a lent copy is returned
    assert answer(back) == ("ok", "✓归还《草房子》（陈思雨）。")
    with school.read_uow() as uow:
        open_loans = uow.session.scalars(select(Loan.id).where(Loan.is_open.is_(True))).all()
        actors = set(uow.session.scalars(select(AuditEntry.actor).where(AuditEntry.action.in_(("checkout", "checkin")))))
    assert len(open_loans) == 1
    assert actors == {"staff:wang"}  # audited with the staff account as actor


async def test_each_refusal_names_whose_rule_and_how_much(console: TestClient, school: Library) -> None:
    _, copies = add_title(school, "城南旧事", copies=1, price_fen=3500)
    _, card = add_reader(school, "李老师")
    csrf = await signed_in(console, school)
    await scan(console, csrf, copies[0], card)
    lost = await console.post("/admin/desk/lost", data={"csrf": csrf, "barcode": copies[0], "card": card})
    assert answer(await lost.text()) == ("ok", "✓登记《城南旧事》丢失，照价赔偿35.00元（记为欠款）。")
    _, more = add_title(school, "小王子", copies=1)
    refused = await scan(console, csrf, more[0], card)
    assert answer(refused) == ("refused", "✗《小王子》不能借出：李老师欠款35.00元，超过20.00元的上限，缴清后才能借")
    unknown = await scan(console, csrf, "NOPE-1", card)
    assert answer(unknown) == ("refused", "没有找到条码或证号“NOPE-1”，请核对后再扫。")
    on_shelf = await scan(console, csrf, more[0])
    assert answer(on_shelf) == ("refused", "《小王子》在架上，要借出请先扫读者证。")


async def test_a_helper_lends_but_cannot_pay_or_waive_a_charge(console: TestClient, school: Library) -> None:
    _, copies = add_title(school, "三体", copies=2, price_fen=2300)
    _, card = add_reader(school, "赵老师")
    librarian_csrf = await signed_in(console, school)
    await scan(console, librarian_csrf, copies[0], card)
    await console.post("/admin/desk/lost", data={"csrf": librarian_csrf, "barcode": copies[0], "card": card})
    console.session.cookie_jar.clear()

    csrf = await signed_in(console, school, Role.HELPER)
    page = await scan(console, csrf, card)
    assert "有未缴欠款，请找图书管理员处理" in page and "23.00" not in page  # no money for helpers
    assert "/admin/desk/waive" not in page and "/admin/desk/lost" not in page
    refused = await scan(console, csrf, copies[1], card)
    assert answer(refused) == ("refused", "✗《三体》不能借出：赵老师有未缴欠款，请找图书管理员处理")  # no amount
    for action in ("waive", "pay"):
        refused = await console.post(f"/admin/desk/{action}", data={"csrf": csrf, "charge": "1", "note": "x",
                                                                     "card": card}, allow_redirects=False)
        assert refused.status == 403
    assert (await console.post("/admin/desk/lost", data={"csrf": csrf, "barcode": copies[1]})).status == 403
    with school.read_uow() as uow:
        assert uow.session.scalars(select(Charge.status)).all() == [ChargeStatus.OPEN]


async def test_a_librarian_waives_a_charge_only_with_a_note(console: TestClient, school: Library) -> None:
    _, copies = add_title(school, "窗边的小豆豆", copies=1, price_fen=1500)
    _, card = add_reader(school, "周老师")
    csrf = await signed_in(console, school)
    await scan(console, csrf, copies[0], card)
    await console.post("/admin/desk/lost", data={"csrf": csrf, "barcode": copies[0], "card": card})
    no_note = await console.post("/admin/desk/waive", data={"csrf": csrf, "charge": "1", "note": "", "card": card})
    assert no_note.status == 400
    assert answer(await no_note.text()) == ("refused", "免除欠款请写明原因（例如：家庭困难，经校长同意）。")
    waived = await console.post("/admin/desk/waive", data={"csrf": csrf, "charge": "1", "note": "家里困难",
                                                          "card": card})
    assert answer(await waived.text()) == ("ok", "✓欠款1（15.00元）已免除。")
    with school.read_uow() as uow:
        status, note = uow.session.execute(select(Charge.status, Charge.note)).one()
    assert status == ChargeStatus.WAIVED and "家里困难" in note


async def test_a_post_without_the_csrf_token_is_refused(console: TestClient, school: Library) -> None:
    _, copies = add_title(school, "西游记", copies=1)
    _, card = add_reader(school, "孙老师")
    await signed_in(console, school)
    for path, data in (("/admin/desk", {"scan": copies[0], "card": card}),
                       ("/admin/desk/waive", {"charge": "1", "note": "x"})):
        response = await console.post(path, data=data, allow_redirects=False)
        assert response.status == 403
    with school.read_uow() as uow:
        assert uow.session.scalars(select(Loan)).all() == []


async def test_a_class_teacher_may_not_use_the_desk(console: TestClient, school: Library) -> None:
    from tests.console.conftest import add_class

    add_class(school, "三年级1班")
    add_staff(school, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级1班")
    await sign_in(console, "li")
    csrf = await page_csrf(console)
    assert (await console.get("/admin/desk", allow_redirects=False)).status == 403
    assert (await console.post("/admin/desk", data={"csrf": csrf, "scan": "X1"}, allow_redirects=False)).status == 403


async def test_without_a_session_the_desk_asks_to_sign_in(console: TestClient, school: Library) -> None:
    response = await console.get("/admin/desk", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/admin/login?next=%2Fadmin%2Fdesk")


async def test_recall_notifies_the_reader_at_once_but_not_in_quiet_hours(
        console: TestClient, school: Library, clock: FixedClock) -> None:
    _, copies = add_title(school, "狼王梦", copies=1)
    student, card = add_reader(school, "刘小雨", ReaderType.STUDENT, class_name="三年级2班")
    bind_directly(school, "parent-openid-1", guardian_id=add_guardian(school, "刘妈妈", student))
    checkout(school, CheckoutItem(card, copies[0]))
    clock.set(clock().replace(hour=14))  # 22:00 in Shanghai: quiet hours
    csrf = await signed_in(console, school)
    recalled = await console.post("/admin/desk/recall", data={"csrf": csrf, "barcode": copies[0], "card": card})
    kind, text = answer(await recalled.text())
    assert kind == "ok" and text.startswith("✓已催还《狼王梦》，新的还书日") and "已通知借书人" in text
    with school.read_uow() as uow:
        rows = uow.session.execute(select(OutboundMessage.user_id, OutboundMessage.title, OutboundMessage.text,
                                          OutboundMessage.next_attempt_at)).all()
    assert [(r.user_id, r.title) for r in rows] == [("parent-openid-1", "催还通知")]
    assert "刘小雨借的《狼王梦》" in rows[0].text and "请提醒孩子" in rows[0].text
    assert rows[0].next_attempt_at == datetime(2026, 11, 18, 23, 30, tzinfo=UTC)  # held until 07:30 school time
    again = await console.post("/admin/desk/recall", data={"csrf": csrf, "barcode": copies[0], "card": card})
    assert answer(await again.text())[0] == "ok"
    with school.read_uow() as uow:
        assert len(uow.session.scalars(select(OutboundMessage.id)).all()) == 1  # the same recall: no second notice


async def test_names_and_titles_with_html_are_shown_as_text(console: TestClient, school: Library) -> None:
    _, copies = add_title(school, "<script>alert('书')</script>", copies=1)
    _, card = add_reader(school, "<b onmouseover=alert(1)>小明</b>", ReaderType.STUDENT, class_name="三年级2班")
    csrf = await signed_in(console, school)
    await scan(console, csrf, card)
    page = await scan(console, csrf, copies[0], card)
    assert "<script>alert" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(&#39;书&#39;)&lt;/script&gt;" in page and "&lt;b onmouseover=alert(1)&gt;" in page


async def test_until_a_term_exists_the_desk_says_so(console: TestClient, library: Library) -> None:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    await sign_in(console, "wang")
    page = await (await console.get("/admin/desk")).text()
    assert 'id="no-term"' in page and "现在没有当前学期" in page and "还没有录入学期" in page
    assert 'href="/admin/calendar"' in page
    add_term(library)
    assert 'id="no-term"' not in await (await console.get("/admin/desk")).text()


async def test_the_librarians_tools_renew_damage_repair_card_and_clearance(console: TestClient, school: Library) -> None:
    _, copies = add_title(school, "小王子", copies=2, price_fen=2000)
    _, card = add_reader(school, "吴老师")
    csrf = await signed_in(console, school)

    async def act(action: str, **data: str) -> tuple[str, str]:
        response = await console.post(f"/admin/desk/{action}", data={"csrf": csrf, **data})
        return answer(await response.text())

    await scan(console, csrf, copies[0], card)
    assert (await act("renew", barcode=copies[0], card=card))[1].startswith("✓续借《小王子》：")
    assert await act("renew", barcode=copies[0], card=card) == (
        "refused", "✗《小王子》不能续借：续借次数已用完（最多1次）")
    bad_fee = await console.post("/admin/desk/damaged", data={"csrf": csrf, "barcode": copies[0], "fee": "五块"})
    assert bad_fee.status == 400 and "修补费“五块”看不懂" in await bad_fee.text()
    kind, text = await act("damaged", barcode=copies[0], fee="5.5", note="封面撕破", card=card)
    assert kind == "ok" and text.startswith("✓登记《小王子》损坏，送修补，修补费5.50元（记为欠款）。✓归还《小王子》")
    assert await act("repaired", barcode=copies[0].lower(), card=card) == (
        "ok", f"✓{copies[0]}修好了，可以上架（有人预约会放到预约架）。")
    assert (await act("card-lost", card=card))[0] == "ok"
    lost_card = await scan(console, csrf, copies[1], card)
    assert answer(lost_card) == ("refused", "✗《小王子》不能借出：吴老师的借书证已挂失，补证后才能用")
    kind, text = await act("replace-card", card=card, new_card="NEW01")
    assert kind == "ok" and "已补办新证NEW01" in text
    assert await act("clear", card="NEW01") == ("refused", "✗不能清退：还有欠款5.50元未结清")
    assert (await act("pay", charge="1", card="NEW01"))[1] == "✓欠款1（5.50元）已缴清。"
    assert await act("clear", card="NEW01") == ("ok", "✓吴老师已结清注销。")


async def test_a_returned_copy_someone_reserved_goes_to_the_hold_shelf_and_shows_for_them(
        console: TestClient, school: Library) -> None:
    from core.circulation import PlaceReservation, place_reservation

    title_id, copies = add_title(school, "城南旧事", copies=1)
    _, lender = add_reader(school, "郑老师")
    waiting_id, waiting = add_reader(school, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    checkout(school, CheckoutItem(lender, copies[0]))
    place_reservation(school, PlaceReservation(waiting_id, title_id))
    csrf = await signed_in(console, school)
    kind, text = answer(await scan(console, csrf, copies[0]))
    assert kind == "ok" and "有人预约：请放到预约架，保留到" in text
    page = await scan(console, csrf, waiting)
    assert f"《城南旧事》{copies[0]}，保留到" in page
    assert answer(await scan(console, csrf, copies[0], waiting))[1].startswith("✓借出《城南旧事》给王小明")
