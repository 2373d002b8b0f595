"""`shuxiang desk class-loan / class-return / class-move / class-show`: a class's set at the terminal."""
from __future__ import annotations

from click.testing import CliRunner

from cli.main import main
from core.library import Library
from core.models import ItemType, ReaderType
from tests.factories import add_reader, add_term, add_title


def test_class_loan_move_and_return_from_the_command_line(library: Library, db_url: str) -> None:
    add_term(library)
    _, codes = add_title(library, "草房子", copies=3)
    _, [reference] = add_title(library, "新华字典", copies=1, item_type=ItemType.REFERENCE)
    for name in ("三年级2班", "三年级3班"):
        add_reader(library, f"{name}学生", ReaderType.STUDENT, class_name=name)
    runner = CliRunner()
    lent = runner.invoke(main, ["desk", "--db", db_url, "class-loan", "三年级2班", *codes, reference])
    assert lent.exit_code == 1, lent.output  # one copy refused: scripts see it
    assert "三年级2班班级图书角（C0001）：借出3本，1本没有借出（见下）。" in lent.output
    assert f"✗ {reference} 《新华字典》不能借出：工具书、大型成套图书只在阅览室看，不外借" in lent.output
    assert lent.output.count("借出，") == 3
    shown = runner.invoke(main, ["desk", "--db", db_url, "class-show", "3年级2班"])
    assert shown.exit_code == 0 and "共3本（上限100本）" in shown.output
    moved = runner.invoke(main, ["desk", "--db", db_url, "class-move", "三年级2班", "三年级3班"])
    assert moved.exit_code == 0 and "三年级2班的3本书已转到三年级3班" in moved.output
    one = runner.invoke(main, ["desk", "--db", db_url, "class-return", codes[0]])
    assert one.exit_code == 0 and "归还1本" in one.output and "（三年级3班班级图书角）" in one.output
    rest = runner.invoke(main, ["desk", "--db", db_url, "class-return", "三年级3班"])
    assert rest.exit_code == 0 and "三年级3班班级图书角：归还2本。" in rest.output
    assert rest.output.startswith("整班归还：三年级3班班级图书角借着2本。\n")  # the count, before the lines
    unknown = runner.invoke(main, ["desk", "--db", db_url, "class-move", "三年级3班", "火星班"])
    assert unknown.exit_code == 1 and "没有找到班级“火星班”" in unknown.output


def test_a_busy_move_prints_what_to_do(library: Library, db_url: str, monkeypatch) -> None:
    from cli import desk
    from core.circulation.collections import CollectionBusy

    def busy(*_args, **_kwargs):
        raise CollectionBusy()

    monkeypatch.setattr(desk, "move_collection", busy)
    moved = CliRunner().invoke(main, ["desk", "--db", db_url, "class-move", "三年级2班", "三年级3班"])
    assert moved.exit_code == 1 and "什么都没有改，请稍等再试一次" in moved.output
    assert "Traceback" not in moved.output


def test_a_barcode_scanned_twice_is_reported_not_dropped(library: Library, db_url: str) -> None:
    add_term(library)
    _, codes = add_title(library, "草房子", copies=2)
    add_reader(library, "学生", ReaderType.STUDENT, class_name="三年级2班")
    lent = CliRunner().invoke(main, ["desk", "--db", db_url, "class-loan", "三年级2班", codes[0], codes[1], codes[0]])
    assert lent.exit_code == 0, lent.output  # a repeat is not a refusal
    assert "借出2本，1本重复扫描已忽略。" in lent.output
    assert lent.output.rstrip().endswith(f"· {codes[0]} 重复扫描，已忽略")
