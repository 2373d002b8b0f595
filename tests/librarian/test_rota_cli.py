"""`shuxiang rota` end to end (click's runner, a real SQLite file, the clock injected)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook

from cli.rota import rota
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from core.rota import class_rota, timetable
from tests.factories import add_reader, add_term


@pytest.fixture
def run(sqlite_url: str, clock: FixedClock):  # type: ignore[no-untyped-def]
    library = Library.open(sqlite_url, clock=clock, migrate=False)
    add_term(library)
    for name in ("三年级1班", "三年级2班", "四年级1班"):
        add_reader(library, f"{name}学生", ReaderType.STUDENT, class_name=name)
    library.close()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(rota, ["--db", sqlite_url, *args], obj={"clock": clock})
    return invoke


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_set_show_and_remove_from_the_terminal(run) -> None:  # type: ignore[no-untyped-def]
    assert "还没有设置借阅轮流表" in run("show").output
    done = run("set", "三年级二班", "周三", "12:10-12:50", "--every", "2", "--place", "阅览室")
    assert done.exit_code == 0, done.output  # 隔周 without --from: from the term's first week, not this week
    assert "✓ 三年级2班：隔周三（从8月31日那周起） 12:10-12:50 阅览室" in done.output
    assert "下次：2026-11-25（周三）12:10" in done.output
    shown = run("show")
    assert "三年级2班：隔周三" in shown.output and "未设置借阅时间的班级（2个）：三年级1班、四年级1班" in shown.output
    assert "三年级2班" in run("show", "3(2)班").output
    bad = run("set", "三年级2班", "周八", "12:50-12:10")
    assert bad.exit_code == 1 and "✗ 星期" in bad.output and "✗ 时间" in bad.output
    unknown = run("set", "九年级9班", "周三", "12:10-12:50")
    assert unknown.exit_code == 1 and "没有找到班级“九年级9班”" in unknown.output
    assert "已删除 1 个" in run("remove", "三年级2班", "周三").output


def test_import_writes_the_whole_timetable_or_nothing(run, tmp_path: Path, sqlite_url: str,  # type: ignore[no-untyped-def]
                                                     clock: FixedClock) -> None:
    run("set", "四年级1班", "周五", "8:00-8:40")
    bad = _workbook(tmp_path / "bad.xlsx", [
        ["班级", "星期", "时间", "间隔", "地点"],
        ["三年级1班", "周一", "12:10-12:50", 1, "图书室"],
        ["三年级2班", "周八", "12:10-12:50", 2, "阅览室"],
        ["五年级3班", "周二", "中午", "", ""],
    ])
    refused = run("import", str(bad))
    assert refused.exit_code == 1 and "什么也没有写入" in refused.output
    assert "第3行 B列（星期）" in refused.output
    assert "第4行 A列（班级）：没有找到班级“五年级3班”" in refused.output and "第4行 C列（时间）" in refused.output
    library = Library.open(sqlite_url, clock=clock, migrate=False)
    try:
        assert [r.class_name for r in class_rota(library) if r.turns] == ["四年级1班"]  # nothing half-written
    finally:
        library.close()

    good = _workbook(tmp_path / "good.xlsx", [
        ["借阅轮流表"],
        ["班级", "星期", "时间", "间隔", "起始", "地点"],
        ["三年级1班", "周一", "12:10-12:50", 1, None, "图书室"],
        ["3(2)班", "星期三", "12：10-12：50", "隔周", "2026-11-16", "阅览室"],
        ["三年级2班", "周五", "13:00-13:40", 2, "2026-11-23", "阅览室"],
    ])
    done = run("import", str(good))
    assert done.exit_code == 0, done.output
    assert "已导入 2 个班、3 个借阅时间" in done.output
    shown = run("show").output
    assert "三年级2班：隔周三（从11月16日那周起） 12:10-12:50 阅览室；隔周五（从11月23日那周起） 13:00-13:40 阅览室" in shown
    assert "四年级1班：每周五 08:00-08:40" in shown  # not in the file: kept


def test_skipped_lists_turns_without_loans(run, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    run("set", "三年级1班", "周一", "12:10-12:50", "--from", "2026-11-02")
    listed = run("skipped", "--from", "2026-11-01", "--to", "2026-11-17")
    assert listed.exit_code == 0
    assert "轮到借书但没有人借的（3次）" in listed.output and "2026-11-16（周一） 三年级1班  12:10-12:50" in listed.output
    assert "每个班轮到时都有人借书" in run("skipped", "--from", "2026-11-18", "--to", "2026-11-18").output


def test_import_names_a_repeated_row_and_a_file_without_headers(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repeated = _workbook(tmp_path / "repeated.xlsx", [
        ["班级", "星期", "时间"],
        ["三年级1班", "周一", "12:10-12:50"],
        ["三年级一班", "星期一", "12:10-12:40"],
    ])
    refused = run("import", str(repeated))
    assert refused.exit_code == 1
    assert "第3行 C列（时间）：和第2行时间重叠（三年级1班周一 12:10-12:50 和 12:10-12:40）" in refused.output
    headless = _workbook(tmp_path / "headless.xlsx", [["三年级1班", "周一", "12:10-12:50"]])
    assert "第一行要有表头" in run("import", str(headless)).output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    assert "文件打不开" in run("import", str(broken)).output


def _turns(sqlite_url: str, clock: FixedClock) -> list[object]:
    library = Library.open(sqlite_url, clock=clock, migrate=False)
    try:
        return [(r.class_name, r.turns) for r in class_rota(library)]
    finally:
        library.close()


def test_reimporting_an_unchanged_file_changes_nothing(run, tmp_path: Path, sqlite_url: str,  # type: ignore[no-untyped-def]
                                                      clock: FixedClock) -> None:
    book = _workbook(tmp_path / "rota.xlsx", [
        ["班级", "星期", "时间", "间隔"],
        ["三年级1班", "周一", "12:10-12:50", 1],
        ["三年级1班", "周三", "12:10-12:50", "单周"],
        ["三年级2班", "周三", "12:10-12:50", "双周"],
        ["四年级1班", "周四", "12:10-12:50", "隔周"],
    ])
    assert run("import", str(book)).exit_code == 0
    first = _turns(sqlite_url, clock)
    odd, even = first[0][1][1], first[1][1][0]  # type: ignore[index]
    assert odd.first_week != even.first_week  # 单周 and 双周 come on different weeks
    clock.advance(days=8)
    assert run("import", str(book)).exit_code == 0
    assert _turns(sqlite_url, clock) == first


def test_import_refuses_a_file_longer_than_the_limit(run, tmp_path: Path, sqlite_url: str,  # type: ignore[no-untyped-def]
                                                    clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timetable, "MAX_ROWS", 3)
    rows: list[list[object]] = [["班级", "星期", "时间"]]
    rows += [["三年级1班", day, "12:10-12:50"] for day in ("周一", "周二", "周三", "周四")]
    refused = run("import", str(_workbook(tmp_path / "long.xlsx", rows)))
    assert refused.exit_code == 1 and "最多导入3行" in refused.output and "第5行起没有读" in refused.output
    assert all(not turns for _, turns in _turns(sqlite_url, clock))  # type: ignore[misc]
    exactly = rows[:4] + [[None, None, None]] * 4  # the limit, then empty rows: imported
    assert run("import", str(_workbook(tmp_path / "full.xlsx", exactly))).exit_code == 0


def test_import_names_formulas_without_a_value(run, tmp_path: Path, sqlite_url: str,  # type: ignore[no-untyped-def]
                                               clock: FixedClock) -> None:
    book = _workbook(tmp_path / "formula.xlsx", [
        ["班级", "星期", "时间"],
        ["三年级1班", "周一", "12:10-12:50"],
        ["三年级2班", '=IF(1,"周二","")', "12:10-12:50"],
    ])
    refused = run("import", str(book))
    assert refused.exit_code == 1 and "第3行 B列：是公式，请复制后选择性粘贴为数值" in refused.output
    assert all(not turns for _, turns in _turns(sqlite_url, clock))  # type: ignore[misc]


def test_import_reports_every_problem_of_a_row_and_reads_excel_dates(run, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                    sqlite_url: str, clock: FixedClock) -> None:
    bad = _workbook(tmp_path / "bad.xlsx", [
        ["班级", "星期", "时间", "间隔", "起始", "地点"],
        ["三年级1班", "周八", "中午", "九", "下周", "图书\u202e室"],
    ])
    out = run("import", str(bad)).output
    for column in ("B列（星期）", "C列（时间）", "D列（间隔）", "E列（起始）", "F列（地点）"):
        assert f"第2行 {column}" in out
    dates = _workbook(tmp_path / "dates.xlsx", [
        ["班级", "星期", "时间", "间隔", "起始"],
        ["三年级1班", "周一", "12:10-12:50", 2, 46342],  # Excel's number for 2026-11-16
        ["三年级2班", "周一", "12:10-12:50", 2, datetime(2026, 11, 23)],
    ])
    done = run("import", str(dates))
    assert done.exit_code == 0, done.output
    shown = run("show").output
    assert "隔周一（从11月16日那周起）" in shown and "隔周一（从11月23日那周起）" in shown


def test_import_and_set_warn_of_turns_that_never_come_or_start_later(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = _workbook(tmp_path / "rota.xlsx", [
        ["班级", "星期", "时间", "间隔", "起始"],
        ["三年级1班", "周日", "09:00-09:40", 1, None],
        ["三年级2班", "周一", "12:10-12:50", 1, "2028-03-06"],
        ["四年级1班", "周二", "12:10-12:50", 1, "2026-12-07"],
        ["四年级1班", "周三", "12:10-12:50", 1, None],
    ])
    done = run("import", str(book))
    assert done.exit_code == 0, done.output
    assert "第2行 三年级1班：周日学校不开馆，这个借阅时间轮不到" in done.output
    assert "第3行 三年级2班：一年内没有开馆的周一轮到这个时间" in done.output
    assert "第4行 四年级1班：每周二（从12月7日那周起） 12:10-12:50，这之前不轮。" in done.output
    assert "第5行" not in done.output
    assert "每周二（从12月7日那周起）" in run("show", "四年级1班").output
    sunday = run("set", "三年级1班", "周日", "10:00-10:40")
    assert sunday.exit_code == 0 and "注意：周日学校不开馆" in sunday.output
