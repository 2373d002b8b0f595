"""The front desk: a scanner types a code and Enter; cards select the reader, barcodes lend or return."""
from __future__ import annotations

import pytest

from cli.desk import Desk
from core.circulation.results import LoanCreated, LoanReturned
from core.desk import DeskState, NeedReader, ReaderSummary, UnknownCode, reader_summary, scan
from core.errors import Reason, Refused
from core.library import Library
from core.models import ReaderType
from tests.factories import add_reader, add_term, add_title


@pytest.fixture
def desk_library(library: Library) -> Library:
    add_term(library)
    return library


def test_card_then_barcodes_lend_and_a_lent_barcode_returns(desk_library: Library) -> None:
    _, barcodes = add_title(desk_library, "草房子", copies=3)
    _, card = add_reader(desk_library, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    state = DeskState()
    assert isinstance(scan(desk_library, state, barcodes[0]), NeedReader)
    selected = scan(desk_library, state, card.lower())  # scanners and hands mix cases
    assert isinstance(selected, ReaderSummary) and selected.name == "王小明" and state.card_no == card
    assert isinstance(scan(desk_library, state, barcodes[0]), LoanCreated)
    assert isinstance(scan(desk_library, state, barcodes[1]), LoanCreated)
    with pytest.raises(Refused) as refused:
        scan(desk_library, state, barcodes[2])
    assert refused.value.reasons == (Reason.LIMIT_REACHED,)
    returned = scan(desk_library, DeskState(), barcodes[0])
    assert isinstance(returned, LoanReturned) and returned.reader_name == "王小明"
    assert isinstance(scan(desk_library, state, "NOPE"), UnknownCode)
    assert [o.barcode for o in reader_summary(desk_library, card).loans] == [barcodes[1]]


def test_desk_lines_answer_in_chinese(desk_library: Library) -> None:
    _, barcodes = add_title(desk_library, "城南旧事", copies=2, price_fen=1800)
    _, card = add_reader(desk_library, "张老师")
    desk = Desk(desk_library)
    assert "读者：张老师" in desk.handle(card)
    assert desk.handle(barcodes[0]).startswith("✓ 借出《城南旧事》给张老师")
    assert "续借《城南旧事》" in desk.handle(f"续借 {barcodes[0]}")
    assert "不能续借：续借次数已用完（最多1次）" in desk.handle(f"续借 {barcodes[0]}")
    assert "丢失，照价赔偿18.00元" in desk.handle(f"丢失 {barcodes[0]}")
    summary = desk.handle(f"查 {card}")
    assert "欠款1：丢书赔偿 18.00元" in summary
    assert desk.handle("缴费 1") == "✓ 欠款1（18.00元）已缴清。"
    assert desk.handle("免除 1") == "✗ 不能免除：欠款1已经结清了。"  # the librarian's words: core.desk_words
    assert "损坏" in desk.handle(f"损坏 {barcodes[1]} 5元 封面撕破")
    assert "修好了" in desk.handle(f"修好 {barcodes[1]}")
    assert desk.handle("续借").startswith("请在“续借”后面写上")
    assert "没有找到条码或证号" in desk.handle("ZZZ")


def test_card_lost_replaced_and_clearance(desk_library: Library) -> None:
    _, barcodes = add_title(desk_library, "小王子", copies=1)
    _, card = add_reader(desk_library, "李老师")
    desk = Desk(desk_library)
    desk.handle(f"借出 {card} {barcodes[0]}")
    assert "已挂失" in desk.handle(f"挂失 {card}")
    assert "此证已挂失，不能借书" in desk.handle(card)
    assert "不能借出：李老师的借书证已挂失" in desk.handle(f"借出 {card} {barcodes[0]}")
    assert "已补办新证 NEW01" in desk.handle(f"补证 {card} NEW01")
    assert "不能清退：还有1本书没还" in desk.handle("清退 NEW01")
    assert "归还《小王子》" in desk.handle(barcodes[0])
    assert "已结清注销" in desk.handle("清退 NEW01")


def test_desk_command_line_from_a_pipe(desk_library: Library, db_url: str) -> None:
    from click.testing import CliRunner

    from cli.main import main

    _, barcodes = add_title(desk_library, "三体", copies=1)
    _, card = add_reader(desk_library, "赵老师")
    runner = CliRunner()
    result = runner.invoke(main, ["desk", "--db", db_url], input=f"{card}\n{barcodes[0]}\n完\n{barcodes[0]}\n退出\n")
    assert result.exit_code == 0, result.output
    assert "借出《三体》给赵老师" in result.output and "归还《三体》（赵老师）" in result.output
    one = runner.invoke(main, ["desk", "--db", db_url, "checkin", barcodes[0]])
    assert one.exit_code == 1 and "这本书没有借出" in one.output


def test_issue_card_at_the_desk(desk_library: Library) -> None:
    _, barcodes = add_title(desk_library, "狼王梦", copies=1)
    desk = Desk(desk_library)
    assert desk.handle("办证 s2026001 王小明 3(2)班") == "✓ 已办证：王小明（三年级2班），证号 S2026001。可以直接扫书借出。"
    assert "借出《狼王梦》给王小明" in desk.handle(barcodes[0])
    assert "不能办证：证号S2026001已被使用" in desk.handle("办证 S2026001 李四")
    assert "看不懂" in desk.handle("办证 S2026002 李四 火星班")
    assert "（教师）" in desk.handle("办证 T9 刘老师")


def test_shuxiang_desk_recall_queues_the_readers_notice(desk_library: Library) -> None:
    from sqlalchemy import select

    from core.accounts import bind_directly
    from core.messaging import OutboundMessage
    from core.settings import Settings

    _, barcodes = add_title(desk_library, "狼王梦", copies=1)
    reader_id, card = add_reader(desk_library, "钱老师")
    bind_directly(desk_library, "teacher-openid-1", reader_id=reader_id)
    desk = Desk(desk_library, settings=Settings())
    desk.handle(f"借出 {card} {barcodes[0]}")
    assert desk.handle(f"催还 {barcodes[0]}").startswith("✓ 已催还《狼王梦》，新的还书日")
    with desk_library.read_uow() as uow:
        rows = uow.session.execute(select(OutboundMessage.user_id, OutboundMessage.text)).all()
    assert [r.user_id for r in rows] == ["teacher-openid-1"] and "您借的《狼王梦》" in rows[0].text


def test_shuxiang_desk_recall_of_a_reader_nobody_can_reach_says_so(desk_library: Library) -> None:
    from core.settings import Settings

    _, barcodes = add_title(desk_library, "狼王梦", copies=1)
    _, card = add_reader(desk_library, "王小明", ReaderType.STUDENT, class_name="三年级2班")  # no parent bound
    desk = Desk(desk_library, settings=Settings())
    desk.handle(f"借出 {card} {barcodes[0]}")
    answer = desk.handle(f"催还 {barcodes[0]}")
    assert answer.startswith("✓ 已催还《狼王梦》，新的还书日") and "已通知" not in answer
    assert "还没有绑定微信" in answer and "请另行告知" in answer
