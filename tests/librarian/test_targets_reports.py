"""[targets] beside the actual figures, and the 表彰 list, on the hand-computed school of dataset.py.

By hand (term loans of students): 三年级1班 4 books / 3 students = 1.33; 三年级2班 4 / 2 = 2.00;
四年级1班 1 / 2 = 0.50. Grade 3: 8 / 5 = 1.60; grade 4: 0.50.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.honours import render_honours_html
from core.library import Library
from core.reports import build_report, term_period
from core.reports.charts import class_chart
from core.reports.honours import build_honours
from core.reports.workbook import write_workbook
from core.targets import Targets
from tests.librarian.dataset import build_school

# Grade 3 must read 2 per student (三年级2班 reaches it exactly), grade 4 has none this term.
TARGETS = Targets.from_config({"books_per_student": 3, "grade": {"3": {"books_per_student": 2}},
                               "term": {"2026秋季学期": {"grade": {"4": {"books_per_student": 0}}}}})


@pytest.fixture
def school(library: Library) -> Library:
    build_school(library)
    return library


def term(library: Library):
    with library.uow() as uow:
        return term_period(uow.session, library.today())


def test_each_class_and_grade_beside_its_target(school: Library) -> None:
    report = build_report(school, term(school), targets=TARGETS)
    assert report.period.name == "2026秋季学期"
    rows = {c.name: (round(c.per_student, 2), c.target, round(c.gap, 2), c.reached) for c in report.classes}
    assert rows == {"三年级2班": (2.0, 2.0, 0.0, True), "三年级1班": (1.33, 2.0, 0.67, False),
                    "四年级1班": (0.5, 0.0, 0.0, None)}
    assert [(g.grade, g.students, g.loans, g.per_student, g.target, g.classes_reached) for g in report.grades] == [
        (3, 5, 8, 1.6, 2.0, 1), (4, 2, 1, 0.5, 0.0, 0)]


def test_a_class_report_gives_its_grade_whole_and_no_school_holdings(school: Library) -> None:
    """`shuxiang report class` and the console's class page share this: the grade row is the whole grade's."""
    from cli.report import render_text

    report = build_report(school, term(school), class_name="三年级2班", targets=TARGETS)
    assert [c.name for c in report.classes] == ["三年级2班"]
    assert [(g.grade, g.classes, g.students, g.loans, g.per_student) for g in report.grades] == [(3, 2, 5, 8, 1.6)]
    text = render_text(report)
    assert "3年级生均借阅 / 目标（册）：1.60 / 2" in text
    assert "馆藏册数" not in text and "流通率" not in text
    assert "馆藏册数" in render_text(build_report(school, term(school), targets=TARGETS))


def test_default_target_is_the_plans_four_books(school: Library) -> None:
    report = build_report(school, term(school))
    assert {c.target for c in report.classes} == {4.0}
    assert not any(c.reached for c in report.classes)


def test_workbook_and_chart_show_the_target(school: Library, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    report = build_report(school, term(school), targets=TARGETS)
    wb = load_workbook(write_workbook(report, tmp_path / "t.xlsx"))
    header = [c.value for c in wb["班级排名"][1]]
    second = dict(zip(header, [c.value for c in wb["班级排名"][3]], strict=True))
    assert (second["班级"], second["生均目标"], second["与目标差距"], second["是否达标"]) == ("三年级1班", 2, 0.67, "未达标")
    summary = {row[0].value: row[1].value for row in wb["概况"].iter_rows(min_row=2)}
    assert summary["达到生均目标的班级"] == "1/2" and summary["3年级生均借阅 / 目标（册）"] == "1.60 / 2"
    assert [c.value for c in wb["年级目标"][3]] == [4, 1, 2, 1, 0.5, "—", "—"]
    assert class_chart(report).startswith(b"\x89PNG")


def test_honours_stars_per_grade_with_ties_and_classes_at_target(school: Library) -> None:
    honours = build_honours(school, term(school), targets=TARGETS, stars_per_grade=2)
    # grade 3 counts different titles: 安一 borrowed 草房子 twice and 三体 (2), 白一 and 白二 2 each: all
    # three tie for first and are in (by name: an yi, bai er, bai yi)
    assert [(s.grade, s.place, s.name, s.books) for s in honours.stars] == [
        (3, 1, "安一", 2), (3, 1, "白二", 2), (3, 1, "白一", 2), (4, 1, "陈一", 1)]
    # 三年级2班 reached grade 3's target; grade 4 has none this term: its best class
    assert [(c.name, c.target) for c in honours.classes] == [("三年级2班", 2.0), ("四年级1班", 0.0)]
    page = render_honours_html(honours, "书香小学")
    assert "阅读之星" in page and "白二" in page and "<script" not in page


def test_cli_honours_writes_xlsx_and_html(school: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import load_workbook

    from cli.report import report
    from core.clock import FixedClock

    monkeypatch.setattr("cli.report.system_clock", FixedClock(school.now()))
    url = str(school.engine.url.render_as_string(hide_password=False))
    config = tmp_path / "config.toml"
    config.write_text('[targets]\nbooks_per_student = 2\n', encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(report, ["honours", "--db", url, "--config", str(config), "--format", "xlsx",
                                 "--out", str(tmp_path / "h.xlsx")])
    assert out.exit_code == 0, out.output
    wb = load_workbook(tmp_path / "h.xlsx")
    assert [r[1].value for r in wb["先进班级"].iter_rows(min_row=2)] == ["三年级2班"]
    out = runner.invoke(report, ["honours", "--db", url, "--format", "html", "--out", str(tmp_path / "h.html")])
    assert out.exit_code == 0, out.output
    assert "先进班级" in (tmp_path / "h.html").read_text(encoding="utf-8")
    text = runner.invoke(report, ["term", "--db", url, "--config", str(config)]).output
    assert "三年级2班 生均2.00册（目标2，已达标）" in text and "三年级1班 生均1.33册（目标2，差0.7本）" in text


@pytest.mark.parametrize(("table", "message"), [
    ({"books_per_student": "四"}, "[targets] books_per_student: expected a number"),
    ({"books_per_student": -1}, "[targets] books_per_student: expected a number ≥ 0"),
    ({"bookz": 4}, "unknown setting [targets] bookz"),
    ({"grade": {"十": {"books_per_student": 4}}}, "[targets.grade].十: a grade is a number"),
    ({"grade": {"3": {"class_rotations": 1.5}}}, "[targets.grade.3] class_rotations: expected a whole number"),
    ({"term": {"2026秋季学期": {"grade": {"2": {"books": 1}}}}}, 'unknown setting [targets.term."2026秋季学期".grade.2] books'),
])
def test_bad_targets_name_the_key(table: dict, message: str) -> None:
    from core.settings import SettingsError

    with pytest.raises(SettingsError) as caught:
        Targets.from_config(table)
    assert message in str(caught.value)


def test_targets_lookup_order() -> None:
    t = Targets.from_config({"books_per_student": 4, "class_rotations": 1,
                             "grade": {"1": {"books_per_student": 2}},
                             "term": {"T": {"class_rotations": 3, "grade": {"1": {"books_per_student": 1}}}}})
    assert (t.for_grade(1).books_per_student, t.for_grade(1).class_rotations) == (2, 1)
    assert (t.for_grade(1, "T").books_per_student, t.for_grade(1, "T").class_rotations) == (1, 3)
    assert (t.for_grade(2, "T").books_per_student, t.for_grade(2, "other").books_per_student) == (4, 4)


def test_config_file_targets_are_validated_at_load(tmp_path: Path) -> None:
    from core.settings import SettingsError, load_settings

    path = tmp_path / "c.toml"
    path.write_text('[targets.grade.3]\nbooks_per_student = "x"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\[targets.grade.3\] books_per_student"):
        load_settings(path, environ={})


def test_the_demo_has_a_target_for_every_grade() -> None:
    from bot.bootstrap import build_settings
    from core.demo.people import GRADES

    targets = Targets.from_config(build_settings(None, demo=True).targets)
    assert all(targets.for_grade(g).books_per_student > 0 and targets.for_grade(g).class_rotations for g in GRADES)
    assert targets.for_grade(3).books_per_student == 4


def test_a_weeks_report_shows_no_term_target(school: Library) -> None:
    from datetime import date

    from core.reports import week_period

    report = build_report(school, week_period(date(2026, 11, 18)), targets=TARGETS)
    assert {(c.target, c.reached) for c in report.classes} == {(0.0, None)}
