"""The calendar page (/admin/calendar) over HTTP: every form's validation next to its field, nothing
half-written, the audit row, the role rules, names shown as text. SQLite and PostgreSQL.

DEFAULT_NOW is Wednesday 2026-11-18; tests.factories.add_term is the autumn term 2026-09-01..2027-01-22.
"""
from __future__ import annotations

import re
from datetime import date

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from core.circulation import CheckoutItem, checkout
from core.library import Library
from core.models import AuditEntry, CalendarDay, ReaderType
from core.school_calendar import list_terms
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, add_class, page_csrf, sign_in
from tests.factories import add_reader, add_term, add_title

PAGE = "/admin/calendar"


def field_error(html: str, field: str) -> str:
    """The message shown next to `field` (the page's `data-field` marker), or ''."""
    match = re.search(rf'class="error field-error" data-field="{field}">([^<]*)<', html)
    return match.group(1) if match else ""


async def post(client: TestClient, path: str, data: dict[str, str] | list[tuple[str, str]]) -> tuple[int, str, str]:
    """POST a form with the page's CSRF token: (status, body, Location)."""
    token = await page_csrf(client, PAGE)
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    response = await client.post(path, data=[*pairs, ("csrf", token)], allow_redirects=False)
    return response.status, await response.text(), response.headers.get("Location", "")


def audit_actions(library: Library) -> list[tuple[str, str]]:
    with library.read_uow() as uow:
        return [(a.action, a.actor) for a in uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if a.action.startswith("calendar_")]


def calendar_days(library: Library) -> dict[date, tuple[bool, str]]:
    with library.read_uow() as uow:
        return {d.day: (d.is_open, d.reason) for d in uow.session.scalars(select(CalendarDay))}


async def test_without_a_term_the_page_says_so_and_adds_one(console: TestClient, library: Library,
                                                            librarian: str) -> None:
    await sign_in(console, librarian)
    html = await (await console.get(PAGE)).text()
    assert 'id="no-term"' in html and "还没有录入学期" in html
    assert html.index('id="no-term"') < html.index('id="month"')  # at the top, with the form in it
    assert 'id="add-term"' in html[html.index('id="no-term"'):html.index('id="month"')]

    status, _, location = await post(console, f"{PAGE}/terms",
                                     {"name": "2026秋季学期", "start": "2026-09-01", "end": "2027-01-22"})
    assert status == 303 and location.startswith(f"{PAGE}?") and "done=term-added" in location
    html = await (await console.get(location)).text()
    assert 'id="no-term"' not in html and "当前学期：<strong>2026秋季学期</strong>" in html
    assert "已添加学期" in html
    assert [t.name for t in list_terms(library)] == ["2026秋季学期"]
    assert audit_actions(library) == [("calendar_term_add", "staff:wang")]


async def test_in_a_vacation_the_page_names_the_next_term(console: TestClient, library: Library,
                                                           librarian: str) -> None:
    add_term(library, date(2027, 2, 20), date(2027, 7, 5), name="2027春季学期")
    await sign_in(console, librarian)
    html = await (await console.get(PAGE)).text()
    warning = html[html.index('id="no-term"'):html.index('id="month"')]
    assert "今天不在学期内（假期）" in warning and "2027春季学期" in warning and 'id="add-term"' in warning
    assert "假期（不在学期内）" in html[html.index('id="day-2026-11-18"'):html.index('id="day-2026-11-19"')]
    status, html, _ = await post(console, f"{PAGE}/terms/{list_terms(library)[0].id}",
                                 {"name": "", "start": "2027-02-20", "end": "2027-07-05"})
    assert status == 400 and field_error(html, "name") == "请填写学期名称，例如“2026秋季学期”。"


async def test_term_form_errors_are_next_to_their_fields_and_nothing_is_written(
        console: TestClient, library: Library, librarian: str) -> None:
    await sign_in(console, librarian)
    status, html, _ = await post(console, f"{PAGE}/terms", {"name": "", "start": "2026-13-01", "end": ""})
    assert status == 400
    assert field_error(html, "name") == "请填写学期名称，例如“2026秋季学期”。"
    assert "不是有效的日期" in field_error(html, "start")
    assert field_error(html, "end") == "请填写日期。"
    status, html, _ = await post(console, f"{PAGE}/terms",
                                 {"name": "秋季", "start": "2026-09-01", "end": "2026-08-01"})
    assert status == 400 and field_error(html, "end") == "最后一天不能早于第一天。"
    assert 'value="秋季"' in html  # what was typed is kept
    assert list_terms(library) == [] and audit_actions(library) == []

    add_term(library)
    status, html, _ = await post(console, f"{PAGE}/terms", {"name": "重叠", "start": "2026-12-01", "end": "2027-02-01"})
    assert status == 400 and "和学期“2026秋季学期”" in field_error(html, "start")
    assert [t.name for t in list_terms(library)] == ["2026秋季学期"]


async def test_edit_and_delete_a_term(console: TestClient, library: Library, librarian: str) -> None:
    add_term(library)
    add_term(library, date(2027, 2, 20), date(2027, 7, 5), name="2027春季学期")
    autumn, spring = list_terms(library)
    await sign_in(console, librarian)
    status, html, _ = await post(console, f"{PAGE}/terms/{spring.id}",
                                 {"name": "2027春季学期", "start": "2027-01-10", "end": "2027-07-05"})
    assert status == 400 and "和学期“2026秋季学期”" in field_error(html, "start")
    status, _, _ = await post(console, f"{PAGE}/terms/{autumn.id}",
                              {"name": "秋季", "start": "2026-09-01", "end": "2027-01-15"})
    assert status == 303
    assert [(t.name, t.end) for t in list_terms(library)][0] == ("秋季", date(2027, 1, 15))
    status, _, _ = await post(console, f"{PAGE}/terms/{spring.id}/delete", {})
    assert status == 303 and [t.name for t in list_terms(library)] == ["秋季"]
    status, html, _ = await post(console, f"{PAGE}/terms/{spring.id}/delete", {})
    assert status == 400 and "找不到这个学期" in html
    assert [a for a, _ in audit_actions(library)] == ["calendar_term_edit", "calendar_term_delete"]


async def test_closing_a_day_shows_in_the_month_and_moves_a_due_date(
        console: TestClient, library: Library, librarian: str) -> None:
    add_term(library)
    _, card = add_reader(library, "张老师", ReaderType.TEACHER)
    _, copies = add_title(library, "草房子", copies=2)
    assert checkout(library, CheckoutItem(card, copies[0])).due_date == date(2026, 11, 25)
    await sign_in(console, librarian)
    status, html, _ = await post(console, f"{PAGE}/closed", {"day": "2026-11-25", "last": "2026-11-24", "reason": ""})
    assert status == 400 and field_error(html, "last") == "结束日期不能早于开始日期。"
    status, html, _ = await post(console, f"{PAGE}/closed", {"day": "2026-11-25", "reason": "长" * 61})
    assert status == 400 and "原因太长了" in field_error(html, "reason")
    status, html, _ = await post(console, f"{PAGE}/closed", {"day": "", "reason": "运动会"})
    assert status == 400 and field_error(html, "day") == "请填写日期。"
    assert calendar_days(library) == {}

    status, _, location = await post(console, f"{PAGE}/closed", {"day": "2026-11-25", "reason": "运动会", "month": ""})
    assert status == 303 and "month=2026-11" in location
    html = await (await console.get(location)).text()
    cell = html[html.index('id="day-2026-11-25"'):html.index('id="day-2026-11-26"')]
    assert "closed" in cell and "运动会" in cell and "到期顺延至 11月26日" in cell
    assert checkout(library, CheckoutItem(card, copies[1])).due_date == date(2026, 11, 26)
    assert audit_actions(library) == [("calendar_close", "staff:wang")]


async def test_make_up_day_clear_and_weekdays(console: TestClient, library: Library, librarian: str) -> None:
    add_term(library)
    await sign_in(console, librarian)
    status, html, _ = await post(console, f"{PAGE}/open", {"day": "2026-11-18"})
    assert status == 400 and "本来就开馆" in field_error(html, "day")
    status, html, _ = await post(console, f"{PAGE}/open", {"day": "2027-02-06"})
    assert status == 400 and "不在任何学期内" in field_error(html, "day")
    status, _, location = await post(console, f"{PAGE}/open", {"day": "2026-11-28", "reason": ""})
    assert status == 303
    html = await (await console.get(location)).text()
    cell = html[html.index('id="day-2026-11-28"'):html.index('id="day-2026-11-29"')]
    assert "makeup" in cell and "调休上课" in cell
    assert calendar_days(library) == {date(2026, 11, 28): (True, "调休上课")}

    status, html, _ = await post(console, f"{PAGE}/clear", {"day": "2026-11-27"})
    assert status == 400 and "没有单独设置过" in field_error(html, "day")
    assert (await post(console, f"{PAGE}/clear", {"day": "2026-11-28"}))[0] == 303
    assert calendar_days(library) == {}

    status, html, _ = await post(console, f"{PAGE}/weekdays", [("weekday", str(d)) for d in range(7)])
    assert status == 400 and "不能每天都闭馆" in field_error(html, "weekdays")
    status, html, _ = await post(console, f"{PAGE}/weekdays", [("weekday", "x")])
    assert status == 400 and field_error(html, "weekdays")
    assert (await post(console, f"{PAGE}/weekdays", [("weekday", "2"), ("weekday", "5"), ("weekday", "6")]))[0] == 303
    assert library.school_calendar().closed_weekdays == frozenset({2, 5, 6})
    html = await (await console.get(PAGE)).text()
    assert re.search(r'value="2" checked', html) and not re.search(r'value="0" checked', html)
    assert "每周三闭馆" in html[html.index('id="day-2026-11-25"'):html.index('id="day-2026-11-26"')]
    assert [a for a, _ in audit_actions(library)] == ["calendar_open", "calendar_clear", "calendar_weekdays"]


async def test_national_holidays_preview_then_accept(console: TestClient, library: Library, librarian: str) -> None:
    add_term(library)
    await sign_in(console, librarian)
    bad = await console.get(f"{PAGE}/holidays?year=26")
    assert bad.status == 400 and field_error(await bad.text(), "year") == "请填写四位数的年份，例如 2026。"
    unknown = await console.get(f"{PAGE}/holidays?year=2099")
    assert unknown.status == 400 and "还没有 2099 年的放假安排" in field_error(await unknown.text(), "year")

    status, html, _ = await post(console, f"{PAGE}/holidays", {"year": "二〇二六"})
    assert status == 400 and field_error(html, "year") == "请填写四位数的年份，例如 2026。"
    # 10-10 is a national 调休 workday; the school closes it instead: that setting is kept and listed.
    assert (await post(console, f"{PAGE}/closed", {"day": "2026-10-10", "reason": "学校安排"}))[0] == 303
    preview = await (await console.get(f"{PAGE}/holidays?year=2026")).text()
    assert calendar_days(library) == {date(2026, 10, 10): (False, "学校安排")}  # a preview writes nothing
    added = int(re.search(r'id="add-count">(\d+)<', preview).group(1))
    assert "2026-10-01" in preview and "国庆节" in preview and "不在学期内，不影响借还" in preview  # 1月1日
    assert "2026-10-10" not in preview.split('id="plan-add"')[1].split("</table>")[0]
    kept = preview.split('id="plan-kept"')[1].split("</ul>")[0]
    assert "2026-10-10" in kept and "保留你的设置" in kept

    status, _, location = await post(console, f"{PAGE}/holidays", {"year": "2026"})
    assert status == 303 and f"n={added}" in location
    days = calendar_days(library)
    assert days[date(2026, 10, 1)] == (False, "国庆节") and days[date(2026, 10, 10)] == (False, "学校安排")
    assert len(days) == added + 1
    october = await (await console.get(f"{PAGE}?month=2026-10")).text()
    assert "10月1日（周四）至 10月7日（周三）：国庆节，到期日顺延至 10月8日" in october  # one line for the run
    assert "到期顺延至 10月8日" in october[october.index('id="day-2026-10-03"'):october.index('id="day-2026-10-04"')]
    again = await (await console.get(f"{PAGE}/holidays?year=2026")).text()
    assert 'id="nothing"' in again and 'id="accept"' not in again
    assert [a for a, _ in audit_actions(library)] == ["calendar_close", "calendar_holidays"]


async def test_month_links_and_a_bad_month(console: TestClient, library: Library, librarian: str) -> None:
    add_term(library)
    await sign_in(console, librarian)
    html = await (await console.get(PAGE)).text()
    assert "2026年11月" in html and 'href="/admin/calendar?month=2026-10"' in html
    assert 'href="/admin/calendar?month=2026-12"' in html and 'class="open today' in html
    january = await (await console.get(f"{PAGE}?month=2027-01")).text()
    assert "学期最后一天（最晚到期日）" in january and 'href="/admin/calendar?month=2027-02"' in january
    december = await (await console.get(f"{PAGE}?month=2026-12")).text()
    assert 'href="/admin/calendar?month=2027-01"' in december
    bad = await (await console.get(f"{PAGE}?month=<b>x</b>")).text()
    assert "不是有效的月份" in bad and "<b>x</b>" not in bad and "2026年11月" in bad


async def test_other_roles_and_strangers_are_refused(console: TestClient, library: Library) -> None:
    add_class(library)
    add_staff(library, "xiaoming", Role.HELPER, PASSWORD)
    add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班")
    stranger = await console.get(PAGE, allow_redirects=False)
    assert stranger.status == 302 and stranger.headers["Location"].startswith("/admin/login?next=%2Fadmin%2Fcalendar")
    for name in ("xiaoming", "li"):
        console.session.cookie_jar.clear()
        await sign_in(console, name)
        token = await page_csrf(console, "/admin")
        for path in (PAGE, f"{PAGE}/holidays?year=2026"):
            assert (await console.get(path, allow_redirects=False)).status == 403
        for path, data in ((f"{PAGE}/terms", {"name": "x", "start": "2026-09-01", "end": "2027-01-01"}),
                           (f"{PAGE}/closed", {"day": "2026-11-25"}), (f"{PAGE}/holidays", {"year": "2026"}),
                           (f"{PAGE}/weekdays", {"weekday": "0"})):
            refused = await console.post(path, data={**data, "csrf": token}, allow_redirects=False)
            assert refused.status == 403, path
    assert list_terms(library) == [] and calendar_days(library) == {}


async def test_a_post_without_the_csrf_token_is_refused(console: TestClient, library: Library, librarian: str) -> None:
    await sign_in(console, librarian)
    refused = await console.post(f"{PAGE}/terms", data={"name": "x", "start": "2026-09-01", "end": "2027-01-01"},
                                 allow_redirects=False)
    assert refused.status == 403 and list_terms(library) == []


async def test_names_and_reasons_with_html_are_text(console: TestClient, library: Library, librarian: str) -> None:
    await sign_in(console, librarian)
    script = "<script>alert(1)</script>"
    assert (await post(console, f"{PAGE}/terms", {"name": script, "start": "2026-09-01", "end": "2027-01-22"}))[0] == 303
    assert (await post(console, f"{PAGE}/closed", {"day": "2026-11-20", "reason": "<img src=x onerror=alert(2)>"}))[0] == 303
    html = await (await console.get(PAGE)).text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
