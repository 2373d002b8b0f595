"""Issue 15 review fixes for 借阅目标 and 表彰名单, on the hand-computed school of dataset.py.

- 阅读之星 counts different titles: lending one copy again and again cannot make a star.
- `shuxiang report` without --config uses the targets the server would (the demo's on the demo school)
  and says which; the console and the CLI print the same 表彰名单.
- xlsx cells are numbers (0.00), grades are 三年级, not 3 or 3年级.
"""
from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.app import create_app
from bot.responder import HelpResponder
from core.clock import FixedClock, school_datetime
from core.library import Library
from core.models import InstallFact, Item, Loan, Reader
from core.reports import term_period
from core.reports.honours import build_honours, write_honours_workbook
from core.settings import Settings
from core.staff import Role, add_staff
from core.targets import Targets
from tests.console.conftest import PASSWORD, sign_in
from tests.librarian.dataset import build_school

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def rows(html: str) -> list[list[str]]:
    return [[c.strip() for c in CELL.findall(r)] for r in ROW.findall(html) if "<td" in r]


@pytest.fixture
def school(library: Library) -> Library:
    build_school(library)
    return library


def term(library: Library):
    with library.uow() as uow:
        return term_period(uow.session, library.today())


def relend(library: Library, card: str, barcode: str, times: int) -> None:
    """Lend and return the same copy `times` times this term (one school day apart)."""
    with library.uow() as uow:
        s = uow.session
        reader = s.query(Reader).filter_by(card_no=card).one()
        item = s.query(Item).filter_by(barcode=barcode).one()
        for n in range(times):
            day = date(2026, 9, 1) + timedelta(days=n)
            s.add(Loan(item_id=item.id, reader_id=reader.id, loaned_at=school_datetime(day, 9),
                       due_date=day + timedelta(days=14), returned_at=school_datetime(day, 15), is_open=False))
        uow.commit()


def mark_demo(library: Library) -> None:
    with library.uow() as uow:
        uow.session.add(InstallFact(key="demo_school", value="1"))
        uow.commit()


def test_relending_one_copy_forty_times_is_one_book(school: Library) -> None:
    relend(school, "S402", "CF2", 40)  # 陈二: 40 loans of 草房子
    honours = build_honours(school, term(school), stars_per_grade=1)
    # grade 4: 陈一 borrowed 1 title, 陈二 1 title (40 times): a tie, both first, by pinyin (chen er, chen yi)
    assert [(s.grade, s.place, s.name, s.books) for s in honours.stars if s.grade == 4] == [
        (4, 1, "陈二", 1), (4, 1, "陈一", 1)]
    # grade 3: 安一's 3 loans are 草房子 twice (CF1, CF2) and 三体: 2 titles, as many as 白一 and 白二
    assert [(s.name, s.books) for s in honours.stars if s.grade == 3] == [("安一", 2), ("白二", 2), ("白一", 2)]


def test_the_cli_uses_the_demo_targets_on_the_demo_school_and_says_so(
        school: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.report import report

    monkeypatch.setattr("cli.report.system_clock", FixedClock(school.now()))
    url = str(school.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    plain = runner.invoke(report, ["honours", "--db", url])
    assert plain.exit_code == 0, plain.output
    assert "没有设置 [targets]，按每学期生均4本" in plain.output and "还没有班级达到生均目标" in plain.output
    monkeypatch.setitem(__import__("core.demo.targets", fromlist=["x"]).BOOKS_PER_GRADE, 3, 2)
    mark_demo(school)
    demo = runner.invoke(report, ["honours", "--db", url])
    assert demo.exit_code == 0, demo.output
    assert "演示学校的目标" in demo.output and "三年级2班：生均2.00册，目标2" in demo.output
    term_text = runner.invoke(report, ["term", "--db", url]).output
    assert "三年级2班 生均2.00册（目标2，已达标）" in term_text and "目标2" in term_text  # the demo's 2 rotations
    assert "演示学校的目标" in term_text
    config = tmp_path / "config.toml"
    config.write_text("[targets]\nbooks_per_student = 1\n", encoding="utf-8")
    own = runner.invoke(report, ["honours", "--db", url, "--config", str(config)]).output
    assert f"{config} 的 [targets]" in own and "三年级1班" in own  # 1.33 ≥ 1
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    assert "演示学校的目标" in runner.invoke(report, ["honours", "--db", url, "--config", str(empty)]).output


@pytest.fixture
async def demo_console(school: Library, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
                       aiohttp_client: Callable[..., Awaitable[TestClient]]) -> TestClient:
    """The console as `serve --demo` builds it: build_settings fills in the demo's targets."""
    from bot.bootstrap import build_settings

    monkeypatch.setitem(__import__("core.demo.targets", fromlist=["x"]).BOOKS_PER_GRADE, 3, 2)
    mark_demo(school)
    settings = build_settings(demo=True, db=str(school.engine.url))
    add_staff(school, "wang", Role.LIBRARIAN, PASSWORD)
    app: web.Application = create_app(Settings(targets=settings.targets), responder=HelpResponder(), clock=clock,
                                      library=school)
    return await aiohttp_client(app)


async def test_console_and_cli_print_the_same_honours_on_the_demo(
        demo_console: TestClient, school: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.report import report

    await sign_in(demo_console, "wang")
    html = await (await demo_console.get("/admin/lists/honours")).text()
    got = rows(html)
    classes = [r[1] for r in got if len(r) == 5 and r[1].endswith("班") and "." in r[2]]
    assert classes == ["三年级2班"]
    assert ["三年级", "1", "安一", "三年级1班", "2"] in got  # grade as 三年级; 2 different titles
    monkeypatch.setattr("cli.report.system_clock", FixedClock(school.now()))
    url = str(school.engine.url.render_as_string(hide_password=False))
    text = CliRunner().invoke(report, ["honours", "--db", url]).output
    listed = re.findall(r"^  (\S+班)：生均", text, re.M)
    assert listed == classes


async def test_xlsx_numbers_are_numbers_with_two_decimals(demo_console: TestClient) -> None:
    await sign_in(demo_console, "wang")
    book = load_workbook(io.BytesIO(await (await demo_console.get("/admin/lists/targets?format=xlsx")).read()))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, sheet[2], strict=True))
    assert first["班级"].value == "三年级1班" and first["年级"].value == "三年级"
    assert isinstance(first["生均借阅"].value, float) and first["生均借阅"].number_format == "0.00"
    assert round(first["生均借阅"].value, 2) == 1.33
    assert first["生均目标"].value == 2 and first["还差（册/人）"].data_type == "n"
    html = await (await demo_console.get("/admin/lists/targets")).text()
    assert ["三年级1班", "三年级", "3", "4", "1.33", "2", "0.67", "未达标", "0", "2"] in rows(html)
    book = load_workbook(io.BytesIO(await (await demo_console.get("/admin/lists/honours?format=xlsx")).read()))
    classes = book.worksheets[1]
    assert [c.value for c in classes[2]][:2] == ["三年级", "三年级2班"]
    assert classes[2][2].data_type == "n" and classes[2][2].number_format == "0.00"


def test_honours_workbook_and_page_name_grades_in_chinese(school: Library, tmp_path: Path) -> None:
    from cli.honours import render_honours_html

    honours = build_honours(school, term(school), targets=Targets.from_config({"books_per_student": 2}))
    book = load_workbook(write_honours_workbook(honours, tmp_path / "h.xlsx"))
    assert [r[0].value for r in book["阅读之星"].iter_rows(min_row=2)][0] == "三年级"
    per_student = book["先进班级"]["C2"]
    assert per_student.data_type == "n" and per_student.number_format == "0.00"
    page = render_honours_html(honours, "书香小学")
    assert "<td>三年级</td>" in page and "<td>3年级</td>" not in page


def test_tied_stars_are_ordered_by_the_surname_as_a_surname_is_read() -> None:
    from core.lists import name_sort_key
    from core.reports.honours import pick_stars
    from core.reports.stats import StudentRow

    names = ["周航悦", "曾悦泽", "程思宇", "陈思雨", "单小明"]
    rows = [StudentRow(f"S{i}", name, "三年级2班", 3, 7, 7) for i, name in enumerate(names)]
    # 曾 is zeng1 as a surname (not ceng2, before 程), 单 is shan4 (not dan1)
    assert [s.name for s in pick_stars(rows, 3)] == ["陈思雨", "程思宇", "单小明", "曾悦泽", "周航悦"]
    assert sorted(["单于明", "丁一", "曾一", "尉迟恭"], key=name_sort_key) == ["丁一", "单于明", "尉迟恭", "曾一"]
