"""清单 through HTTP on a small hand-computed school: each list, its xlsx, the role rules, names as text.

Today is Wednesday 2026-11-18 (DEFAULT_NOW) in the autumn term; Thursday 2026-11-12 is closed.
Days late are open days after the due day through today:
  due Tue 11-17 → 1; due Fri 11-13 → Mon 16, Tue 17, Wed 18 = 3; due Tue 11-10 → 11, 13, 16, 17, 18 = 5
  (the 12th is closed); due Fri 11-20 → not late.
"""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

from aiohttp.test_utils import TestClient
from openpyxl import load_workbook
from sqlalchemy import select, update

from core import lists, queries
from core.circulation.checkin import checkin
from core.circulation.commands import CheckinItem
from core.clock import FixedClock
from core.library import Library
from core.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    Item,
    ItemStatus,
    Loan,
    Reader,
    ReaderType,
    Reservation,
    ReservationStatus,
)
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, sign_in
from tests.factories import add_closed_days, add_reader, add_title

TODAY = date(2026, 11, 18)
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def lend(lib: Library, reader_id: int, barcode: str, due: date, *, renewals: int = 0,
         loaned: date = date(2026, 11, 2)) -> int:
    """An open loan as checkout leaves it (copy on loan), with a chosen due date."""
    with lib.uow() as uow:
        item = uow.session.scalar(select(Item).where(Item.barcode == barcode))
        assert item is not None
        item.status = ItemStatus.ON_LOAN
        loan = Loan(item_id=item.id, reader_id=reader_id, loaned_at=datetime(loaned.year, loaned.month, loaned.day, 2,
                                                                              tzinfo=lib.now().tzinfo),
                    due_date=due, is_open=True, renewal_count=renewals)
        uow.session.add(loan)
        uow.commit()
        return loan.id


def school(lib: Library) -> dict[str, int]:
    """Three overdue loans in two classes, one teacher's overdue loan, one loan not yet due."""
    add_closed_days(lib, date(2026, 11, 12))
    ming, _ = add_reader(lib, "李明", ReaderType.STUDENT, class_name="三年级2班")
    hong, _ = add_reader(lib, "王红", ReaderType.STUDENT, class_name="三年级2班")
    gang, _ = add_reader(lib, "赵刚", ReaderType.STUDENT, class_name="四年级1班")
    teacher, _ = add_reader(lib, "张老师")
    _, (b1,) = add_title(lib, "草房子")
    _, (b2,) = add_title(lib, "<script>alert('书')</script>")
    _, (b3,) = add_title(lib, "小王子")
    _, (b4,) = add_title(lib, "城南旧事")
    _, (b5,) = add_title(lib, "西游记")
    lend(lib, ming, b1, date(2026, 11, 17))  # 1 day
    lend(lib, hong, b2, date(2026, 11, 10))  # 5 days
    lend(lib, gang, b3, date(2026, 11, 13))  # 3 days
    lend(lib, teacher, b4, date(2026, 11, 13))  # 3 days, no class
    lend(lib, ming, b5, date(2026, 11, 20))  # not late
    return {"ming": ming, "hong": hong, "gang": gang, "teacher": teacher}


def rows(html: str) -> list[list[str]]:
    """The body rows of the page's tables, as cell texts."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.S))
    return [[c.strip() for c in CELL.findall(r)] for r in ROW.findall(body)]


async def librarian_client(console: TestClient, library: Library) -> TestClient:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    assert (await sign_in(console, "wang")).status == 302
    return console


async def test_overdue_list_counts_days_as_the_bot_does_and_filters(console: TestClient, lib: Library) -> None:
    ids = school(lib)
    await librarian_client(console, lib)
    response = await console.get("/admin/lists/overdue")
    assert response.status == 200
    html = await response.text()
    for header in ("读者", "班级", "书名", "条形码", "应还日期", "逾期天数"):
        assert f">{header}</th>" in html
    got = [(r[0], r[1], r[4], r[5]) for r in rows(html)]
    assert got == [("王红", "三年级2班", "2026-11-10", "5"), ("赵刚", "四年级1班", "2026-11-13", "3"),
                   ("张老师", "", "2026-11-13", "3"), ("李明", "三年级2班", "2026-11-17", "1")]
    # The same count the reader reads in 我的借阅 (and the pushes and the fine use).
    bot_days = {loan.overdue_days for rid in ids.values() for loan in queries.open_loans(lib, rid)
                if loan.overdue_days}
    assert bot_days == {5, 3, 1}

    by_class = rows(await (await console.get("/admin/lists/overdue?sort=class")).text())
    assert [r[0] for r in by_class] == ["王红", "李明", "赵刚", "张老师"]
    one_class = rows(await (await console.get("/admin/lists/overdue", params={"class": "三年级2班"})).text())
    assert [r[0] for r in one_class] == ["王红", "李明"]
    at_least_3 = rows(await (await console.get("/admin/lists/overdue?min_days=3")).text())
    assert [r[0] for r in at_least_3] == ["王红", "赵刚", "张老师"]


def test_a_loan_joins_the_list_when_the_bot_calls_it_late(lib: Library, clock: FixedClock) -> None:
    """Due Friday 11-20: not late on Saturday or Sunday (closed), 1 day late on Monday — list and bot agree."""
    reader, _ = add_reader(lib, "李明", ReaderType.STUDENT, class_name="三年级2班")
    _, (barcode,) = add_title(lib, "草房子")
    lend(lib, reader, barcode, date(2026, 11, 20))
    for day, late in ((21, 0), (22, 0), (23, 1), (24, 2)):
        clock.set(datetime(2026, 11, day, 2, tzinfo=UTC))
        listed = [r.days_late for r in lists.overdue(lib).rows]
        assert listed == ([late] if late else []), day
        assert [loan.overdue_days for loan in queries.open_loans(lib, reader)] == [late], day


async def test_overdue_filters_answer_in_chinese_next_to_the_field(console: TestClient, lib: Library) -> None:
    school(lib)
    await librarian_client(console, lib)
    bad_days = await console.get("/admin/lists/overdue?min_days=abc")
    assert bad_days.status == 400
    assert "逾期天数请填 1 到 400 之间的整数" in await bad_days.text()
    no_class = await console.get("/admin/lists/overdue", params={"class": "九年级9班"})
    assert no_class.status == 400
    assert "没有这个班级" in await no_class.text()
    xlsx = await console.get("/admin/lists/overdue?min_days=0&format=xlsx")
    assert xlsx.status == 400 and xlsx.content_type == "text/html"


async def test_overdue_xlsx_has_the_same_rows_and_a_safe_file_name(console: TestClient, lib: Library) -> None:
    school(lib)
    await librarian_client(console, lib)
    response = await console.get("/admin/lists/overdue?format=xlsx&class=三年级2班")
    assert response.status == 200
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="overdue-2026-11-18.xlsx"; ')
    assert "filename*=UTF-8''%E9%80%BE%E6%9C%9F%E6%B8%85%E5%8D%95-2026-11-18.xlsx" in disposition  # 逾期清单
    disposition.encode("ascii")  # header is pure ASCII
    sheet = load_workbook(io.BytesIO(await response.read())).worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["读者", "班级", "书名", "条形码", "应还日期", "逾期天数"]
    assert [(r[0], r[2], r[4].date(), r[5]) for r in values[1:]] == [
        ("王红", "<script>alert('书')</script>", date(2026, 11, 10), 5),
        ("李明", "草房子", date(2026, 11, 17), 1)]


async def test_a_formula_as_a_title_stays_text_in_the_xlsx(console: TestClient, lib: Library) -> None:
    reader, _ = add_reader(lib, "李明", ReaderType.STUDENT, class_name="三年级2班")
    _, (barcode,) = add_title(lib, '=HYPERLINK("http://evil.example","点我")')
    lend(lib, reader, barcode, date(2026, 11, 17))
    await librarian_client(console, lib)
    sheet = load_workbook(io.BytesIO(await (await console.get("/admin/lists/overdue?format=xlsx")).read())).active
    cell = sheet["C2"]
    assert cell.value == '=HYPERLINK("http://evil.example","点我")' and cell.data_type == "s"


async def test_a_script_title_is_shown_as_text(console: TestClient, lib: Library) -> None:
    school(lib)
    add_reader(lib, "<img src=x onerror=alert(1)>", ReaderType.STUDENT, class_name="三年级2班")
    await librarian_client(console, lib)
    for path in ("/admin/lists/overdue", "/admin/lists/not-borrowed"):
        html = await (await console.get(path)).text()
        assert "<script>alert" not in html and "<img src=x" not in html
    html = await (await console.get("/admin/lists/overdue")).text()
    assert "&lt;script&gt;alert(&#39;书&#39;)&lt;/script&gt;" in html
    html = await (await console.get("/admin/lists/not-borrowed")).text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


async def test_charges_suspended_and_the_academic_office_list(console: TestClient, lib: Library) -> None:
    ids = school(lib)
    _, (renewed,) = add_title(lib, "水浒传")
    lend(lib, ids["gang"], renewed, date(2026, 11, 17), renewals=1)
    checkin(lib, CheckinItem(renewed))  # 1 day late after a renewal: 教务处, suspended, one day's fine
    fine = lib.policy.fine_per_day_fen
    with lib.uow() as uow:
        uow.session.add_all([
            Charge(reader_id=ids["hong"], kind=ChargeKind.LOST, amount_fen=2500, note="丢失《小王子》",
                   created_at=lib.now() - timedelta(days=2)),
            Charge(reader_id=ids["ming"], kind=ChargeKind.DAMAGE, amount_fen=300, note="paid", status=ChargeStatus.PAID,
                   created_at=lib.now())])
        uow.session.execute(update(Reader).where(Reader.id == ids["teacher"]).values(suspended_until=TODAY
                                                                                       - timedelta(days=1)))
        uow.commit()
    await librarian_client(console, lib)
    charges = await (await console.get("/admin/lists/charges")).text()
    got = rows(charges)
    assert [(r[0], r[2], r[3]) for r in got] == [("王红", "丢书赔偿", "25.00"), ("赵刚", "逾期罚款", f"{fine / 100:.2f}")]
    assert f"{(2500 + fine) / 100:.2f}" in charges  # the total
    page = await (await console.get("/admin/lists/suspended")).text()
    until = (TODAY + timedelta(days=lib.policy.suspension_days)).isoformat()
    got = rows(page)
    assert got[0] == ["赵刚", "四年级1班", got[0][2], until, "续借后再次逾期"]  # the teacher's suspension has ended
    assert got[1] == ["2026-11-18", "赵刚", "四年级1班", "水浒传", renewed, "1", until]
    assert len(got) == 2
    book = load_workbook(io.BytesIO(await (await console.get("/admin/lists/suspended?format=xlsx")).read()))
    assert [ws.max_row for ws in book.worksheets] == [2, 2]


async def test_holds_repair_lost_and_not_borrowed(console: TestClient, lib: Library) -> None:
    ids = school(lib)
    title_id, (held, broken, gone) = add_title(lib, "窗边的小豆豆", copies=3)
    with lib.uow() as uow:
        s = uow.session
        s.execute(update(Item).where(Item.barcode == held).values(status=ItemStatus.HELD))
        s.execute(update(Item).where(Item.barcode == broken).values(status=ItemStatus.IN_REPAIR))
        gone_id = s.scalar(select(Item.id).where(Item.barcode == gone))
        s.execute(update(Item).where(Item.id == gone_id).values(status=ItemStatus.LOST))
        s.add(Loan(item_id=gone_id, reader_id=ids["gang"], loaned_at=lib.now() - timedelta(days=30),
                   due_date=date(2026, 11, 1), is_open=False, lost_at=lib.now() - timedelta(days=1)))
        held_id = s.scalar(select(Item.id).where(Item.barcode == held))
        s.add(Reservation(title_id=title_id, reader_id=ids["hong"], created_at=lib.now() - timedelta(days=5),
                          status=ReservationStatus.READY, item_id=held_id, ready_at=lib.now() - timedelta(days=1),
                          hold_until=date(2026, 11, 20)))
        uow.commit()
    _, li_card = add_reader(lib, "孙丽", ReaderType.STUDENT, class_name="四年级1班")  # never borrowed
    await librarian_client(console, lib)
    assert rows(await (await console.get("/admin/lists/holds")).text()) == [
        ["王红", "三年级2班", "窗边的小豆豆", held, "2026-11-17", "2026-11-20", "等待取书"]]
    assert [r[1] for r in rows(await (await console.get("/admin/lists/repair")).text())] == [broken]
    lost = rows(await (await console.get("/admin/lists/lost")).text())
    assert [(r[1], r[5], r[6], r[7]) for r in lost] == [(gone, "赵刚", "四年级1班", "2026-11-17")]
    # 李明, 王红 and 赵刚 borrowed this term (loans on 11-02); 孙丽 did not.
    assert rows(await (await console.get("/admin/lists/not-borrowed")).text()) == [["四年级1班", "孙丽", li_card]]


async def test_not_borrowed_outside_a_term_says_so(console: TestClient, library: Library) -> None:
    await librarian_client(console, library)
    response = await console.get("/admin/lists/not-borrowed")
    assert response.status == 409
    assert "请先在“校历”页添加本学期" in await response.text()


async def test_role_rules(console: TestClient, lib: Library) -> None:
    school(lib)
    add_staff(lib, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")
    add_staff(lib, "xiaoming", Role.HELPER, PASSWORD)
    assert (await console.get("/admin/lists/overdue", allow_redirects=False)).status == 302  # no session

    await sign_in(console, "xiaoming")
    for path in ("/admin/lists", "/admin/lists/overdue", "/admin/lists/class", "/admin/lists/overdue?format=xlsx",
                 "/admin/lists/class?format=xlsx"):
        assert (await console.get(path, allow_redirects=False)).status == 403, path

    console.session.cookie_jar.clear()
    await sign_in(console, "li")
    for path in ("/admin/lists", "/admin/lists/overdue", "/admin/lists/charges", "/admin/lists/not-borrowed"):
        assert (await console.get(path, allow_redirects=False)).status == 403, path
    own = await console.get("/admin/lists/class")
    html = await own.text()
    assert own.status == 200 and "赵刚" not in html and "张老师" not in html
    assert [r[0] for r in rows(html)][:2] == ["王红", "李明"]  # overdue only; both borrowed this term
    assert "生均目标" in html  # then the class's 生均 against its target (console/targets.py)
    assert "本学期每个学生都借过书了" in html
    assert (await console.get("/admin/lists/class", params={"class": "三年级2班"})).status == 200
    other = await console.get("/admin/lists/class", params={"class": "四年级1班"})
    assert other.status == 403 and "赵刚" not in await other.text()
    assert (await console.get("/admin/lists/class", params={"class": "四年级1班", "format": "xlsx"})).status == 403
    book = load_workbook(io.BytesIO(await (await console.get("/admin/lists/class?format=xlsx")).read()))
    assert [ws.max_row for ws in book.worksheets] == [3, 1, 2, 1]  # the last: the empty 班级图书角
    # Read-only: nothing to post.
    assert (await console.post("/admin/lists/class", allow_redirects=False)).status in (403, 405)

    console.session.cookie_jar.clear()
    await sign_in(console, "xiaoming")  # the helper again after the teacher: still nothing
    assert (await console.get("/admin/lists/class", params={"class": "三年级2班"})).status == 403


async def test_a_librarian_picks_a_class_on_the_class_page(console: TestClient, lib: Library) -> None:
    school(lib)
    await librarian_client(console, lib)
    chooser = await (await console.get("/admin/lists/class")).text()
    assert '<option value="三年级2班">' in chooser and '<option value="四年级1班">' in chooser
    four = rows(await (await console.get("/admin/lists/class", params={"class": "四年级1班"})).text())
    assert [r[0] for r in four] == ["赵刚"]
    assert (await console.get("/admin/lists/class", params={"class": "没有班"})).status == 404
