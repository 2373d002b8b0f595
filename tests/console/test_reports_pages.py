"""统计 pages on the hand-computed school of tests/librarian/dataset.py (grade 3 target 2, grade 4 target 3):
the same figures as `shuxiang report`, the charts inline, the downloads, and who may open what."""
from __future__ import annotations

import base64
import io
import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import create_app
from bot.responder import HelpResponder
from core.clock import FixedClock
from core.library import Library
from core.models import Reader
from core.settings import Settings
from core.staff import Role, add_staff
from tests.console.conftest import PASSWORD, sign_in
from tests.librarian.dataset import build_school

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)
INLINE_PNG = re.compile(r'src="data:image/png;base64,([^"]+)"')
SETTINGS = Settings(targets={"books_per_student": 3, "grade": {"3": {"books_per_student": 2}}})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rows(html: str) -> list[list[str]]:
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in CELL.findall(r)] for r in ROW.findall(html)]


def reader_id(library: Library, card: str) -> int:
    with library.read_uow() as uow:
        return int(uow.session.scalar(select(Reader.id).where(Reader.card_no == card)))


@pytest.fixture
async def console(library: Library, clock: FixedClock,
                  aiohttp_client: Callable[..., Awaitable[TestClient]]) -> TestClient:
    build_school(library)
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    add_staff(library, "ma", Role.CLASS_TEACHER, PASSWORD, class_name="三年级1班")
    add_staff(library, "xiao", Role.HELPER, PASSWORD)
    app: web.Application = create_app(SETTINGS, responder=HelpResponder(), clock=clock, library=library)
    return await aiohttp_client(app)


async def as_user(console: TestClient, name: str) -> None:
    console.session.cookie_jar.clear()
    assert (await sign_in(console, name)).status == 302


async def test_term_report_shows_the_cli_figures_with_targets_and_three_charts(console: TestClient) -> None:
    await as_user(console, "wang")
    response = await console.get("/admin/reports")
    assert response.status == 200
    html = await response.text()
    got = rows(html)
    assert ["借阅总册次", "11"] in got and ["在校学生数", "7"] in got and ["生均借阅（册）", "1.29"] in got
    assert ["达到生均目标的班级", "1/3"] in got
    # 班级排名 as `shuxiang report term` ranks it: 生均 beside the grade's target
    assert ["1", "三年级2班", "2", "4", "2.00", "2", "已达标", "100%", "1", "0", "0", "—"] in got
    assert ["2", "三年级1班", "3", "4", "1.33", "2", "差0.7本", "67%", "1", "0", "0", "—"] in got
    assert ["3", "四年级1班", "2", "1", "0.50", "3", "差2.5本", "50%", "1", "0", "0", "—"] in got
    assert ["三年级", "2", "5", "8", "1.60", "2", "1/2"] in got
    charts = [base64.b64decode(data) for data in INLINE_PNG.findall(html)]
    assert len(charts) == 3 and all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in charts)
    assert "《草房子》" in html and "阅读之星" in html


async def test_week_report_shows_no_targets_and_names_a_bad_date(console: TestClient) -> None:
    await as_user(console, "wang")
    html = await (await console.get("/admin/reports/week?week_of=2026-11-18")).text()
    assert ["借阅总册次", "2"] in rows(html) and "2026-11-16 这一周" in html
    assert "达到生均目标的班级" not in html and "一周的统计不比目标" in html
    bad = await console.get("/admin/reports/week?week_of=11月18日")
    assert bad.status == 400 and "2026-11-18 这样的日期" in await bad.text()


async def test_unknown_term_and_class_are_named(console: TestClient) -> None:
    await as_user(console, "wang")
    term = await console.get("/admin/reports?term=2030年秋季")
    assert term.status == 404 and "没有找到学期“2030年秋季”" in await term.text()
    klass = await console.get("/admin/reports/class?class=九年级9班")
    assert klass.status == 404 and "九年级9班" in await klass.text()
    chooser = await console.get("/admin/reports/class")
    assert chooser.status == 200 and '<option value="四年级1班">' in await chooser.text()


async def test_downloads_are_xlsx_with_embedded_charts_and_png(console: TestClient) -> None:
    await as_user(console, "wang")
    response = await console.get("/admin/reports?format=xlsx")
    assert response.status == 200 and response.content_type == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()))
    assert book.sheetnames[:3] == ["概况", "图表", "班级排名"]
    pictures = book["图表"]._images
    assert len(pictures) == 3 and all(p._data().startswith(b"\x89PNG") for p in pictures)
    assert [c.value for c in book["班级排名"][2]][:2] == [1, "三年级2班"]
    for chart in ("classes", "weeks", "titles"):
        png = await console.get(f"/admin/reports/week?week_of=2026-11-18&format=png&chart={chart}")
        assert png.status == 200 and png.content_type == "image/png", chart
        assert (await png.read()).startswith(b"\x89PNG")
    assert (await console.get("/admin/reports?format=png&chart=pie")).status == 404


async def test_class_report_lists_students_with_their_parents_report(console: TestClient, library: Library) -> None:
    await as_user(console, "wang")
    html = await (await console.get("/admin/reports/class?class=三年级2班")).text()
    assert ["借阅总册次", "4"] in rows(html)
    assert ["白一", "2", "2", "阅读报告"] in rows(html)
    link = f"/admin/reports/student?reader={reader_id(library, 'S311')}"
    assert link in html
    sheet = await console.get(link)
    text = await sheet.text()
    assert sheet.status == 200 and "白一同学的阅读报告" in text and "《小王子》" in text and "正在读" in text
    assert len(INLINE_PNG.findall(text)) == 1


async def test_a_class_report_shows_the_real_grade_figure_and_no_school_holdings(console: TestClient) -> None:
    """Newcomer: 三年级2班's report showed its own 2.00 as 三年级's 生均 (班级数 1), and the school's 馆藏册数 and 流通率."""
    await as_user(console, "wang")
    html = await (await console.get("/admin/reports/class?class=三年级2班")).text()
    got = rows(html)
    assert ["三年级", "2", "5", "8", "1.60", "2", "1/2"] in got  # the grade as the school report shows it
    assert ["3年级生均借阅 / 目标（册）", "1.60 / 2"] in got
    assert "馆藏册数" not in html and "流通率" not in html
    assert ["借阅总册次", "4"] in got and ["在校学生数", "2"] in got  # the class's own figures stay
    book = load_workbook(io.BytesIO(await (await console.get("/admin/reports/class?class=三年级2班&format=xlsx")).read()))
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert "馆藏册数" not in summary and not any("流通率" in str(name) for name in summary)
    assert summary["3年级生均借阅 / 目标（册）"] == "1.60 / 2"
    assert list(book["年级目标"].iter_rows(min_row=2, values_only=True)) == [(3, 2, 5, 8, 1.6, 2, 1)]
    school = rows(await (await console.get("/admin/reports")).text())
    assert ["馆藏册数", next(r[1] for r in school if r and r[0] == "馆藏册数")] in school  # the school keeps them


async def test_class_teacher_sees_only_their_own_class(console: TestClient, library: Library) -> None:
    await as_user(console, "ma")
    own = await console.get("/admin/reports/class")
    html = await own.text()
    assert own.status == 200 and "三年级1班" in html and "安一" in html and "白一" not in html
    assert 'href="/admin/reports/class"' in html and 'href="/admin/reports"' not in html  # 本班统计 only
    xlsx = await console.get("/admin/reports/class?format=xlsx")
    assert xlsx.status == 200 and xlsx.content_type == XLSX
    names = {row[3] for row in load_workbook(io.BytesIO(await xlsx.read()))["学生借阅"].iter_rows(
        min_row=2, values_only=True)}
    assert names == {"安一", "安二", "安三"}
    own_student = await console.get(f"/admin/reports/student?reader={reader_id(library, 'S301')}")
    assert own_student.status == 200 and "安一同学的阅读报告" in await own_student.text()
    for path in ("/admin/reports/class?class=三年级2班", "/admin/reports/class?class=三年级2班&format=xlsx",
                 f"/admin/reports/student?reader={reader_id(library, 'S311')}",
                 f"/admin/reports/student?reader={reader_id(library, 'T001')}",
                 "/admin/reports?format=xlsx", "/admin/reports?term=x", "/admin/reports/week"):
        assert (await console.get(path, allow_redirects=False)).status == 403, path
    school = await console.get("/admin/reports", allow_redirects=False)  # 统计 from a bookmark: their class's
    assert school.status == 302 and school.headers["Location"] == "/admin/reports/class"


async def test_helper_opens_no_report(console: TestClient, library: Library) -> None:
    await as_user(console, "xiao")
    for path in ("/admin/reports", "/admin/reports/week", "/admin/reports/class", "/admin/reports?format=xlsx",
                 "/admin/reports?format=png&chart=classes",
                 f"/admin/reports/student?reader={reader_id(library, 'S301')}"):
        assert (await console.get(path, allow_redirects=False)).status == 403, path
    assert "/admin/reports" not in await (await console.get("/admin")).text()


async def test_no_term_in_the_calendar_says_what_to_do(library: Library, clock: FixedClock,
                                                       aiohttp_client: Callable[..., Awaitable[TestClient]]) -> None:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    client = await aiohttp_client(create_app(SETTINGS, responder=HelpResponder(), clock=clock, library=library))
    await sign_in(client, "wang")
    response = await client.get("/admin/reports")
    assert response.status == 409 and "校历" in await response.text()


async def test_without_a_chinese_font_the_figures_still_show(console: TestClient,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from console import reports
    from core.reports.fonts import NoChineseFont

    def no_font(report: object, slug: str) -> bytes:
        raise NoChineseFont("没有找到中文字体")

    monkeypatch.setattr(reports, "chart_png", no_font)
    await as_user(console, "wang")
    html = await (await console.get("/admin/reports")).text()
    assert ["借阅总册次", "11"] in rows(html) and "这次没有图表" in html and not INLINE_PNG.findall(html)
    book = load_workbook(io.BytesIO(await (await console.get("/admin/reports?format=xlsx")).read()))
    assert "图表" not in book.sheetnames
    assert (await console.get("/admin/reports?format=png&chart=classes")).status == 503


async def test_a_missing_student_or_term_gets_a_page_that_says_where_to_go(console: TestClient,
                                                                          library: Library) -> None:
    await as_user(console, "wang")
    for path in ("/admin/reports/student?reader=999999", "/admin/reports/student?reader=abc",
                 f"/admin/reports/student?reader={reader_id(library, 'S301')}&term=2030年秋季"):
        response = await console.get(path)
        text = await response.text()
        assert response.status == 404 and "班级统计" in text and "<h1>没有找到</h1>" in text, path
