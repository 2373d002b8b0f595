"""`shuxiang calendar` end to end (click's runner, a real SQLite file, the clock injected)."""
from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner, Result

from cli.calendar import calendar
from core.clock import FixedClock
from core.library import Library


@pytest.fixture
def run(sqlite_url: str, clock: FixedClock):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(calendar, ["--db", sqlite_url, *args], obj={"clock": clock})
    return invoke


def test_a_fresh_install_is_told_to_add_a_term_then_walks_the_whole_path(run, sqlite_url: str, clock: FixedClock) -> None:
    shown = run("show")
    assert shown.exit_code == 0 and "还没有录入学期" in shown.output and "2026年11月校历" in shown.output
    listed = run("term", "list")
    assert "还没有录入学期" in listed.output and "calendar term add" in listed.output

    added = run("term", "add", "2026秋季学期", "2026-09-01", "2027-01-22")
    assert added.exit_code == 0 and "已添加学期“2026秋季学期”：2026-09-01（周二） 至 2027-01-22（周五），共 144 天" in added.output
    assert "← 当前" in run("term", "list").output

    preview = run("holidays", "2026", "--dry-run")
    assert preview.exit_code == 0 and "预览，未写入" in preview.output
    assert "2026-10-01（周四） 至 2026-10-07（周三）  国庆节（7 天）" in preview.output
    assert "2026-10-10（周六）  国庆节调休上课" in preview.output
    assert "春节（9 天）  ※不在学期内" in preview.output
    loaded = run("holidays", "2026")
    assert loaded.exit_code == 0 and "已写入" in loaded.output
    assert "已经导入过了" in run("holidays", "2026").output

    closed = run("closed", "add", "2026-12-24..2026-12-25", "--reason", "期末考试")
    assert closed.exit_code == 0 and "（2 天），原因：期末考试" in closed.output
    opened = run("open", "add", "2026-12-05")
    assert opened.exit_code == 0 and "2026-12-05（周六） 开馆（调休上课）" in opened.output

    october = run("show", "--month", "2026-10")
    assert "当前学期：2026秋季学期" in october.output
    assert "国庆节：闭馆，这期间到期的书顺延到 2026-10-08（周四）" in october.output
    assert "2026-10-10（周六）  国庆节调休上课：开馆" in october.output
    december = run("show", "--month", "2026-12")
    assert "期末考试：闭馆，这期间到期的书顺延到 2026-12-28（周一）" in december.output
    assert "5调" in december.output and "24✗" in december.output
    january = run("show", "--month", "2027-01")
    assert "22末" in january.output and "23假" in january.output and "最后一天：到期日不会晚于这天" in january.output

    library = Library.open(sqlite_url, clock=clock, migrate=False)
    try:
        calendar_now = library.school_calendar()
        assert not calendar_now.is_open(date(2026, 12, 24)) and calendar_now.is_open(date(2026, 12, 5))
        assert not calendar_now.is_open(date(2026, 10, 2)) and calendar_now.is_open(date(2026, 9, 20))
    finally:
        library.close()


@pytest.mark.parametrize(("args", "words"), [
    (("term", "add", "2027春季学期", "2027-02-30", "2027-07-09"), "✗ 第一天：“2027-02-30”不是有效的日期"),
    (("term", "add", "2027春季学期", "2027-07-09", "2027-02-22"), "✗ 最后一天：最后一天不能早于第一天"),
    (("term", "add", "秋", "2026-10-01", "2026-10-30"), "✗ 第一天：和学期“2026秋季学期”"),
    (("closed", "add", "下周一"), "✗ 日期：“下周一”不是有效的日期"),
    (("closed", "add", "2026-12-25..2026-12-24"), "✗ 结束日期：结束日期不能早于开始日期"),
    (("open", "add", "2026-11-25"), "✗ 日期：2026-11-25（周三）本来就开馆"),
    (("open", "add", "2027-02-06"), "不在任何学期内"),
    (("closed", "remove", "2026-12-01"), "没有单独设置过"),
    (("show", "--month", "2026-13"), "✗ --month：“2026-13”不是有效的月份"),
    (("term", "edit", "没有这个学期", "--end", "2027-01-29"), "✗ 学期：找不到叫“没有这个学期”的学期"),
    (("weekdays", "8"), "✗ 星期：“8”看不懂"),
])
def test_bad_input_names_the_field_and_exits_1(run, args: tuple[str, ...], words: str) -> None:
    assert run("term", "add", "2026秋季学期", "2026-09-01", "2027-01-22").exit_code == 0
    result = run(*args)
    assert result.exit_code == 1 and words in result.output


def test_a_year_not_published_yet(run) -> None:
    result = run("holidays", "2099")
    assert result.exit_code == 1 and "✗ 年份：还没有 2099 年的放假安排" in result.output


def test_term_edit_delete_and_closed_weekdays(run) -> None:
    run("term", "add", "2026秋季学期", "2026-09-01", "2027-01-22")
    edited = run("term", "edit", "2026秋季学期", "--name", "2026-2027学年第一学期", "--end", "2027-01-29")
    assert edited.exit_code == 0 and "“2026-2027学年第一学期”：2026-09-01（周二） 至 2027-01-29（周五）" in edited.output
    weekly = run("weekdays", "3", "6", "7")
    assert weekly.exit_code == 0 and "每周闭馆：周三、周六、周日" in weekly.output
    assert "25✗" in run("show", "--month", "2026-11").output  # Wednesday the 25th
    assert "每天开馆" in run("weekdays").output
    deleted = run("term", "delete", "2026-2027学年第一学期")
    assert deleted.exit_code == 0 and "已删除" in deleted.output
    assert "还没有录入学期" in run("term", "list").output


def test_this_month_and_today_are_the_schools_not_utcs(run, clock: FixedClock) -> None:
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))  # 00:30 on 1 December in Shanghai
    assert "2026年12月校历" in run("show").output
    run("term", "add", "2026秋季学期", "2026-09-01", "2026-11-30")
    assert "已于 2026-11-30 结束" in run("term", "list").output  # 30 November is over at school
