"""Statistics against figures computed by hand on tests/librarian/dataset.py."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.library import Library
from core.reports import build_report, student_reading, term_period, week_period
from core.reports.workbook import write_workbook
from tests.librarian.dataset import build_school


@pytest.fixture
def school(library: Library) -> Library:
    build_school(library)
    return library


def term(library: Library):
    with library.uow() as uow:
        return term_period(uow.session, library.today())


def test_term_headline_figures(school: Library) -> None:
    report = build_report(school, term(school))
    assert (report.holdings, report.loans, report.student_loans, report.teacher_loans) == (10, 11, 9, 2)
    assert (report.students, report.borrowers, report.overdue) == (7, 5, 3)
    assert report.per_student == pytest.approx(9 / 7)
    assert report.circulation_rate == pytest.approx(1.1)
    assert report.coverage == pytest.approx(5 / 7)
    assert report.overdue_rate == pytest.approx(3 / 11)


def test_class_ranking_by_loans_per_student(school: Library) -> None:
    rows = build_report(school, term(school)).classes
    assert [(c.rank, c.name, c.students, c.loans, c.borrowers, c.overdue) for c in rows] == [
        (1, "三年级2班", 2, 4, 2, 1), (2, "三年级1班", 3, 4, 2, 1), (3, "四年级1班", 2, 1, 1, 1)]
    assert rows[1].per_student == pytest.approx(4 / 3) and rows[1].coverage == pytest.approx(2 / 3)


def test_reading_stars_per_grade_and_top_titles(school: Library) -> None:
    report = build_report(school, term(school))
    assert {g: [(s.name, s.loans) for s in stars] for g, stars in report.stars.items()} == {
        3: [("安一", 3), ("白一", 2), ("白二", 2)], 4: [("陈一", 1)]}
    assert [(t.title, t.loans) for t in report.top_titles] == [("草房子", 5), ("三体", 4), ("小王子", 2)]
    per_student = {s.card_no: s.loans for s in report.students_rows}
    assert per_student == {"S301": 3, "S302": 1, "S303": 0, "S311": 2, "S312": 2, "S401": 1, "S402": 0}


def test_weekly_trend(school: Library) -> None:
    weeks = dict(build_report(school, term(school)).weeks)
    assert weeks[date(2026, 8, 31)] == 0 and weeks[date(2026, 9, 7)] == 3
    assert weeks[date(2026, 10, 12)] == 3 and weeks[date(2026, 11, 16)] == 2
    assert sum(weeks.values()) == 11 and min(weeks) == date(2026, 8, 31) and max(weeks) == date(2026, 11, 16)  # no empty future weeks


def test_week_and_class_reports(school: Library) -> None:
    week = build_report(school, week_period(date(2026, 11, 18)))
    assert (week.loans, week.student_loans, week.borrowers) == (2, 1, 1)
    one = build_report(school, term(school), class_name="三年级2班")
    assert (one.loans, one.students, one.overdue) == (4, 2, 1)
    assert [c.name for c in one.classes] == ["三年级2班"]
    with pytest.raises(LookupError):
        build_report(school, term(school), class_name="九年级9班")


def test_workbook_has_one_sheet_per_table(school: Library, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_workbook(build_report(school, term(school)), tmp_path / "term.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["概况", "图表", "班级排名", "年级目标", "学生借阅", "阅读之星", "热门图书", "每周趋势"]
    pictures = wb["图表"]._images  # openpyxl keeps the embedded pictures it read back here
    assert len(pictures) == 3 and all(p._data().startswith(b"\x89PNG") for p in pictures)
    assert [p.anchor._from.row for p in pictures] == sorted({p.anchor._from.row for p in pictures})  # not stacked
    assert [c.value for c in wb["班级排名"][2]][:5] == [1, "三年级2班", 3, 2, 4]
    summary = {row[0].value: row[1].value for row in wb["概况"].iter_rows(min_row=2)}
    assert summary["流通率（借阅册次/馆藏，%）"] == 110.0 and summary["生均借阅（册）"] == 1.29


def test_student_reading_report_for_parents(school: Library) -> None:
    from sqlalchemy import select

    from core.models import Reader

    with school.uow() as uow:
        reader_id = uow.session.scalar(select(Reader.id).where(Reader.card_no == "S301"))
    reading = student_reading(school, reader_id)
    assert (reading.name, reading.class_name, reading.total) == ("安一", "三年级1班", 4)
    assert reading.by_month == [("2026-08", 1), ("2026-09", 1), ("2026-10", 2)]
    assert reading.entries[0].title == "三体" and reading.chart_png is not None
    assert reading.chart_png.startswith(b"\x89PNG")
    this_term = student_reading(school, reader_id, period=term(school), chart=False)
    assert this_term.total == 3
