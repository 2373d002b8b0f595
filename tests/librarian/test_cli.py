"""The librarian's commands end to end: import, report, inventory (click's runner, a real SQLite file)."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from core.clock import FixedClock
from core.library import Library
from tests.librarian import files
from tests.librarian.dataset import build_school
from tests.librarian.files import CATALOGUE_HEADER, CATALOGUE_ROWS


def test_import_catalog_dry_run_then_import_then_reimport(sqlite_url: str, tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "馆藏.csv", CATALOGUE_HEADER, CATALOGUE_ROWS, encoding="gbk")
    runner = CliRunner()
    preview = runner.invoke(main, ["import", "catalog", str(path), "--dry-run", "--db", sqlite_url])
    assert preview.exit_code == 0, preview.output
    assert "CSV，编码 GBK" in preview.output and "新增复本 T000001" in preview.output and "这是预览" in preview.output
    done = runner.invoke(main, ["import", "catalog", str(path), "--db", sqlite_url])
    assert done.exit_code == 0 and "导入完成" in done.output
    again = runner.invoke(main, ["import", "catalog", str(path), "--db", sqlite_url])
    assert "无变化 4" in again.output and "没有改动" in again.output


def test_import_with_bad_rows_fails_until_accepted(sqlite_url: str, tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "名单.csv", ["班级", "学号", "姓名"], [["三年级1班", "S1", "甲"], ["火星班", "S2", "乙"]])
    runner = CliRunner()
    refused = runner.invoke(main, ["import", "readers", str(path), "--db", sqlite_url])
    assert refused.exit_code == 1 and "第3行：班级“火星班”看不懂" in refused.output and "没有写入任何数据" in refused.output
    accepted = runner.invoke(main, ["import", "readers", str(path), "--accept-partial", "--db", sqlite_url])
    assert accepted.exit_code == 0 and "导入完成" in accepted.output
    unreadable = runner.invoke(main, ["import", "readers", str(tmp_path / "none.csv"), "--db", sqlite_url])
    assert unreadable.exit_code == 2 and "找不到文件" in unreadable.output


def test_reports_as_text_xlsx_and_png(sqlite_url: str, tmp_path: Path, clock: FixedClock, monkeypatch) -> None:
    import cli.report

    library = Library.open(sqlite_url, clock=clock, migrate=False)
    build_school(library)
    library.close()
    monkeypatch.setattr(cli.report, "system_clock", clock)
    runner = CliRunner()
    text = runner.invoke(main, ["report", "term", "--db", sqlite_url])
    assert text.exit_code == 0, text.output
    assert "1. 三年级2班 生均2.00册" in text.output and "三年级：安一（三年级1班，2种）" in text.output
    out = tmp_path / "t.xlsx"
    assert runner.invoke(main, ["report", "term", "--format", "xlsx", "--out", str(out), "--db", sqlite_url]).exit_code == 0
    assert out.exists()
    png = runner.invoke(main, ["report", "class", "三年级2班", "--format", "png", "--out", str(tmp_path), "--db", sqlite_url])
    assert png.exit_code == 0 and len(list(tmp_path.glob("*.png"))) == 3
    week = runner.invoke(main, ["report", "week", "--week-of", "2026-11-18", "--db", sqlite_url])
    assert "借阅总册次：2" in week.output
    student = runner.invoke(main, ["report", "student", "S301", "--png", str(tmp_path / "s.png"), "--db", sqlite_url])
    assert "一共借阅 4 本" in student.output and (tmp_path / "s.png").exists()


def test_inventory_commands(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    path = files.write_csv(tmp_path / "馆藏.csv", CATALOGUE_HEADER, CATALOGUE_ROWS)
    runner.invoke(main, ["import", "catalog", str(path), "--db", sqlite_url])
    start = runner.invoke(main, ["inventory", "start", "期末清点", "--db", sqlite_url])
    assert "清点号 1" in start.output
    scans = tmp_path / "scans.txt"
    scans.write_text("T000001\nT000002\nT000003\n", encoding="utf-8")
    assert "记录了3本" in runner.invoke(main, ["inventory", "scan", "1", str(scans), "--shelf", "二楼A架",
                                              "--db", sqlite_url]).output
    report = runner.invoke(main, ["inventory", "report", "1", "--db", sqlite_url]).output
    assert "缺失 T000004" in report and "错架 T000003《城南旧事》在二楼A架，应在二楼B架" in report
    weeded = runner.invoke(main, ["inventory", "weed", "T000004", "--reason", "丢失注销", "--db", sqlite_url]).output
    assert "✓ 注销 T000004《小王子》" in weeded
    assert "第1次清点已结束" in runner.invoke(main, ["inventory", "close", "1", "--db", sqlite_url]).output
    late = runner.invoke(main, ["inventory", "scan", "1", str(scans), "--db", sqlite_url])
    assert late.exit_code != 0 and "已结束，不能再扫描" in late.output
    assert "错架 T000003" in runner.invoke(main, ["inventory", "report", "1", "--db", sqlite_url]).output


def test_roster_xls_preview_names_the_dropped_identity_card_column(sqlite_url: str) -> None:
    path = Path(__file__).parent / "data" / "roster_registry.xls"  # made by LibreOffice, see data/README.md
    preview = CliRunner().invoke(main, ["import", "readers", str(path), "--dry-run", "--db", sqlite_url])
    assert preview.exit_code == 0, preview.output
    assert "（XLS）" in preview.output and "新增读者 G110101201601012345" in preview.output
    assert "提醒 第2行（表头）：“身份证件号”列是（或含有）身份证号，已整列忽略、不会保存" in preview.output
    assert "110101201601012356" not in preview.output
