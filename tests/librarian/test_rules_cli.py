"""Issue 15's rules from the terminal: `shuxiang readers suspend|lift` and the desk's 偷窃 and 原有损坏."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.desk import Desk
from cli.main import main
from core.clock import system_clock
from core.library import Library
from core.models import AuditEntry, Charge, ChargeKind, Item, Reader, ReaderType
from tests.factories import add_reader, add_term, add_title


@pytest.fixture
def cli_library(sqlite_url: str) -> Iterator[Library]:
    """The CLI runs on the real clock: the test's own data goes in on the same one."""
    lib = Library.open(sqlite_url, clock=system_clock, migrate=False, live=False)
    yield lib
    lib.close()


@pytest.mark.parametrize(("until", "shown"), [([], "图书室恢复为止"), (["--until", "2099-12-31"], "12月31日")])
def test_readers_suspend_then_lift(cli_library: Library, sqlite_url: str, until: list[str], shown: str) -> None:
    reader_id, card = add_reader(cli_library, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    runner = CliRunner()
    done = runner.invoke(main, ["readers", "suspend", card.lower(), "--reason", "多次损坏图书", *until,
                                "--db", sqlite_url])
    assert done.exit_code == 0, done.output
    assert "✓ 已暂停王小明的借书资格到" in done.output
    assert shown in done.output and "原因：多次损坏图书" in done.output
    summary = runner.invoke(main, ["desk", "--db", sqlite_url, "reader", card])
    assert "暂停借阅到" in summary.output and "原因：多次损坏图书" in summary.output

    lifted = runner.invoke(main, ["readers", "lift", card, "--db", sqlite_url])
    assert lifted.exit_code == 0 and "✓ 已恢复王小明的借书资格" in lifted.output
    again = runner.invoke(main, ["readers", "lift", card, "--db", sqlite_url])
    assert again.exit_code != 0 and "现在没有被暂停借书" in again.output
    with cli_library.read_uow() as uow:
        assert uow.session.get(Reader, reader_id).suspended_until is None
        actions = uow.session.scalars(select(AuditEntry.action).where(AuditEntry.reader_id == reader_id)).all()
        assert actions == ["suspend", "lift_suspension"]


@pytest.mark.parametrize(("args", "message"), [
    (["--reason", " "], "请写明暂停借书的原因"),
    (["--reason", "x", "--until", "2001-01-01"], "已经过去了"),
    (["--reason", "x", "--until", "下周"], "2026-12-31"),
])
def test_readers_suspend_refuses_what_it_cannot_record(cli_library: Library, sqlite_url: str, args: list[str],
                                                       message: str) -> None:
    _, card = add_reader(cli_library, "王小明", ReaderType.STUDENT)
    result = CliRunner().invoke(main, ["readers", "suspend", card, *args, "--db", sqlite_url])
    assert result.exit_code != 0 and message in result.output
    unknown = CliRunner().invoke(main, ["readers", "suspend", "NOPE", "--reason", "x", "--db", sqlite_url])
    assert unknown.exit_code != 0 and "没有证号为NOPE的读者" in unknown.output


def test_desk_theft_and_existing_damage_lines(cli_library: Library) -> None:
    add_term(cli_library)
    _, [priced] = add_title(cli_library, "三体", price_fen=2300)
    _, [unpriced] = add_title(cli_library, "草房子", price_fen=0)
    _, [worn] = add_title(cli_library, "城南旧事")
    _, card = add_reader(cli_library, "王小明", ReaderType.STUDENT, class_name="五年级1班")
    desk = Desk(cli_library)
    assert desk.handle(f"偷窃 {card} {priced} 门口发现") == \
        "✓ 登记偷窃赔偿：王小明《三体》，书价23.00元×10 = 230.00元（记为欠款1）。"
    assert "没有登记书价" in desk.handle(f"偷窃 {card} {unpriced}")
    assert "书价18.00元×10 = 180.00元" in desk.handle(f"偷窃 {card} {unpriced} 18元")
    assert "偷窃赔偿 230.00元" in desk.handle(f"查 {card}")

    _, other = add_reader(cli_library, "李小红", ReaderType.STUDENT, class_name="五年级1班")  # owes nothing
    assert desk.handle(f"借出 {other} {worn} 原有损坏 缺页 污损").endswith("已记录书的原有损坏：缺页 污损。")
    assert "原有损坏：缺页 污损" in desk.handle(worn)  # returned: named, not charged
    assert "缺页 污损；加记印章" in desk.handle(f"原有损坏 {worn} 加记印章")
    assert "一次一本" in desk.handle(f"借出 {other} {worn} {priced} 原有损坏 缺页")
    with cli_library.read_uow() as uow:
        assert [c.kind for c in uow.session.scalars(select(Charge))] == [ChargeKind.THEFT, ChargeKind.THEFT]
        assert uow.session.scalar(select(Item.condition_note).where(Item.barcode == worn)) == "缺页 污损；加记印章"


def test_desk_theft_reads_a_note_that_starts_with_a_digit_as_the_note(cli_library: Library,
                                                                       sqlite_url: str) -> None:
    add_term(cli_library)
    _, [priced, other] = add_title(cli_library, "三体", copies=2, price_fen=2300)
    _, [unpriced] = add_title(cli_library, "草房子", price_fen=0)
    _, card = add_reader(cli_library, "王小明", ReaderType.STUDENT, class_name="五年级1班")
    desk = Desk(cli_library)
    assert "书价23.00元×10" in desk.handle(f"偷窃 {card} {priced} 3楼门口发现")
    assert "没有登记书价" in desk.handle(f"偷窃 {card} {unpriced} 3楼门口发现")
    assert "书价12.50元×10" in desk.handle(f"偷窃 {card} {unpriced} 12.5元 3楼门口发现")
    assert "书价太高，请核对" in desk.handle(f"偷窃 {card} {unpriced} 1000000")
    runner = CliRunner()
    noted = runner.invoke(main, ["desk", "--db", sqlite_url, "theft", card, other, "--note", "2楼走廊"])
    assert noted.exit_code == 0 and "书价23.00元×10" in noted.output, noted.output
    with cli_library.read_uow() as uow:
        notes = [c.note for c in uow.session.scalars(select(Charge).order_by(Charge.id))]
    assert notes == ["书价23.00元×10；3楼门口发现", "书价12.50元×10；3楼门口发现", "书价23.00元×10；2楼走廊"]


def test_desk_subcommands_for_theft_and_damage(cli_library: Library, sqlite_url: str) -> None:
    add_term(cli_library)
    _, [book] = add_title(cli_library, "草房子", price_fen=0)
    _, card = add_reader(cli_library, "王小明", ReaderType.STUDENT, class_name="五年级1班")
    runner = CliRunner()
    lent = runner.invoke(main, ["desk", "--db", sqlite_url, "checkout", card, book, "--condition", "缺页"])
    assert lent.exit_code == 0 and "已记录书的原有损坏：缺页" in lent.output
    noted = runner.invoke(main, ["desk", "--db", sqlite_url, "condition", book, "加记印章"])  # out on loan
    assert noted.exit_code == 1 and "只能在书在图书室时" in noted.output, noted.output
    no_price = runner.invoke(main, ["desk", "--db", sqlite_url, "theft", card, book])
    assert no_price.exit_code == 1 and "没有登记书价" in no_price.output
    theft = runner.invoke(main, ["desk", "--db", sqlite_url, "theft", card, book, "--price", "12.5", "--note", "门口"])
    assert theft.exit_code == 0 and "书价12.50元×10 = 125.00元" in theft.output
