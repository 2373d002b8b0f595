"""The librarian's and class teacher's requests by message, at the handler level.

The router runs as in production (identity, pending questions, run-once aside) with a parser that
emits the new intents for the scripted messages and defers to the real parser for everything else
("确认", "算了", 借出/归还), so these tests do not wait for the parser's rules. The same requests through
/wechat with the real parser: tests/handlers/test_staff_scenarios.py.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from bot.messages import IncomingMessage
from bot.nlp import Parser
from bot.router import Router
from core import accounts
from core.circulation import (
    CheckoutItem,
    MarkItemLost,
    ReportCardLost,
    SettleCharge,
    checkout,
    mark_lost,
    report_card_lost,
    settle_charge,
)
from core.clock import FixedClock
from core.library import Library
from core.models import (
    AuditEntry,
    Charge,
    ChargeKind,
    ChargeStatus,
    Item,
    ItemStatus,
    Loan,
    Reader,
    RetiredCard,
)
from core.search import CatalogueSearch
from core.settings import Settings
from tests.factories import add_guardian, add_term, add_title
from tests.handlers.staff_school import (
    HEAD,
    HELPER,
    LIBRARIAN,
    PARENT,
    SCRIPT,
    SETTINGS,
    STRANGER,
    TEACHER,
    School,
    ScriptedParser,
    build_school,
)


def make_router(library: Library, parser: Parser, settings: Settings = SETTINGS) -> Router:
    return Router(library, ScriptedParser(parser), CatalogueSearch(library.session_factory, background=False),  # type: ignore[arg-type]
                  settings=settings)


@pytest.fixture
def school(library: Library) -> School:
    add_term(library)
    return build_school(library)


@pytest.fixture
def ask(library: Library, parser: Parser, school: School) -> Any:
    router = make_router(library, parser)

    def send(user_id: str, text: str) -> str:
        return router.handle(IncomingMessage("wechat", user_id, "text", text))
    return send


def _item_status(library: Library, barcode: str) -> ItemStatus:
    with library.uow() as uow:
        return uow.session.scalar(select(Item.status).where(Item.barcode == barcode))  # type: ignore[return-value]


def _charges(library: Library, card_no: str) -> list[tuple[ChargeKind, int, ChargeStatus]]:
    with library.uow() as uow:
        return [tuple(row) for row in uow.session.execute(  # type: ignore[misc]
            select(Charge.kind, Charge.amount_fen, Charge.status).join(Reader, Reader.id == Charge.reader_id)
            .where(Reader.card_no == card_no).order_by(Charge.id))]


# ---- 损坏 ------------------------------------------------------------------------------------------

def test_librarian_marks_a_lent_copy_damaged_it_is_returned_and_goes_to_repair(library: Library, ask: Any) -> None:
    reply = ask(LIBRARIAN, "损坏 10000003")
    assert "已登记《草房子》损坏" in reply and "已归还《草房子》（王小明）" in reply
    assert "没有收修补费" in reply and "损坏 10000003 5元" in reply
    assert _item_status(library, "10000003") == ItemStatus.IN_REPAIR
    assert _charges(library, "S30211") == []
    with library.uow() as uow:
        assert uow.session.scalar(select(Loan.is_open).join(Item).where(Item.barcode == "10000003")) is False


def test_a_repair_fee_in_the_message_is_charged_to_the_borrower(library: Library, ask: Any) -> None:
    reply = ask(LIBRARIAN, "损坏 10000003 5元")
    assert "修补费5.00元记在王小明（S30211）名下" in reply and "缴费 证号" in reply
    assert _charges(library, "S30211") == [(ChargeKind.DAMAGE, 500, ChargeStatus.OPEN)]


def test_damage_by_anyone_else_is_refused_and_changes_nothing(library: Library, ask: Any) -> None:
    helper = ask(HELPER, "损坏 10000003")
    assert "登记损坏只有图书管理员能办" in helper and "小图书管理员可以借出、归还" in helper
    for user in (TEACHER, PARENT, HEAD):
        refused = ask(user, "损坏 10000003")
        assert "这是图书管理员的操作" in refused and "登记损坏只有图书管理员能办" in refused
    assert "这是图书管理员的操作" in ask(STRANGER, "损坏 10000003")
    assert _item_status(library, "10000003") == ItemStatus.ON_LOAN


def test_an_unknown_barcode_is_explained(ask: Any) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(SCRIPT, "损坏 99999999", ("mark_damaged", {"barcode": "99999999"}))
        assert "没办成：没有这个条码的书" in ask(LIBRARIAN, "损坏 99999999")


# ---- 借出 / 归还 / 催还 / 丢失 with the roles ---------------------------------------------------------------

def test_a_helper_lends_and_returns_but_never_sees_money(library: Library, ask: Any, clock: FixedClock,
                                                         school: School) -> None:
    lent = ask(HELPER, f"借出 {school.xiaowangzi} S30201")
    assert "已借出《小王子》给陈思雨" in lent
    clock.advance(days=30)  # 14 loan days: late by many open days
    back = ask(HELPER, f"归还 {school.xiaowangzi}")
    assert "已归还《小王子》（陈思雨）" in back and "已记录" in back and "元" not in back
    librarians = ask(LIBRARIAN, f"归还 {school.santi}")
    assert "罚金" in librarians and "元" in librarians
    for intent_text in (f"催还 {school.damaged_copy}", f"丢失 {school.damaged_copy}"):
        assert "只有图书管理员能办" in ask(HELPER, intent_text)
    assert _item_status(library, school.damaged_copy) == ItemStatus.ON_LOAN


def test_teachers_and_parents_cannot_lend(ask: Any, school: School) -> None:
    for user in (TEACHER, HEAD, PARENT):
        reply = ask(user, f"借出 {school.xiaowangzi} S30201")
        assert "这是图书管理员的操作" in reply and "图书管理员和小图书管理员" in reply


# ---- 缴费 ------------------------------------------------------------------------------------------

def test_payment_shows_the_amount_then_records_it_on_confirm(library: Library, ask: Any, school: School) -> None:
    ask(LIBRARIAN, f"丢失 {school.damaged_copy}")  # 草房子, 25.00 元
    asked = ask(LIBRARIAN, "缴费 S30211")
    assert "王小明（S30211，三年级2班）共欠25.00元" in asked and "丢书赔偿25.00元" in asked
    assert "回复“确认”" in asked
    assert _charges(library, "S30211") == [(ChargeKind.LOST, 2500, ChargeStatus.OPEN)]  # not yet
    done = ask(LIBRARIAN, "确认")
    assert "已登记王小明缴费25.00元（1笔）" in done and "欠款已结清" in done
    assert _charges(library, "S30211") == [(ChargeKind.LOST, 2500, ChargeStatus.PAID)]
    assert "现在没有要缴的欠款" in ask(LIBRARIAN, "缴费 S30211")
    with library.uow() as uow:
        assert uow.session.scalar(select(AuditEntry.actor).where(AuditEntry.action == "pay")) == f"wechat:{LIBRARIAN}"


def test_payment_called_off_records_nothing(library: Library, ask: Any, school: School) -> None:
    ask(LIBRARIAN, f"丢失 {school.damaged_copy}")
    ask(LIBRARIAN, "缴费 S30211")
    assert "不办了" in ask(LIBRARIAN, "算了")
    assert _charges(library, "S30211") == [(ChargeKind.LOST, 2500, ChargeStatus.OPEN)]


def test_confirm_pays_only_the_charges_shown(library: Library, ask: Any, school: School) -> None:
    ask(LIBRARIAN, f"丢失 {school.damaged_copy}")
    ask(LIBRARIAN, "缴费 S30211")
    mark_lost(library, MarkItemLost(school.santi))  # at the console, after the amount was shown
    done = ask(LIBRARIAN, "确认")
    assert "缴费25.00元（1笔）" in done and "发送“缴费 S30211”再登记" in done
    assert [status for *_, status in _charges(library, "S30211")] == [ChargeStatus.PAID, ChargeStatus.OPEN]


def test_a_charge_paid_at_the_console_meanwhile_is_not_paid_twice(library: Library, ask: Any,
                                                                   school: School) -> None:
    ask(LIBRARIAN, f"丢失 {school.damaged_copy}")
    ask(LIBRARIAN, "缴费 S30211")
    with library.uow() as uow:
        charge_id = uow.session.scalar(select(Charge.id))
    settle_charge(library, SettleCharge(charge_id))  # type: ignore[arg-type]
    assert "已经登记过缴费" in ask(LIBRARIAN, "确认")
    with library.uow() as uow:
        assert uow.session.scalar(select(AuditEntry.id).where(AuditEntry.actor == f"wechat:{LIBRARIAN}",
                                                              AuditEntry.action == "pay")) is None


def test_payment_is_for_the_librarian_only(library: Library, ask: Any, school: School) -> None:
    ask(LIBRARIAN, f"丢失 {school.damaged_copy}")
    helper = ask(HELPER, "缴费 S30211")
    assert "登记缴费只有图书管理员能办" in helper and "元" not in helper
    parent = ask(PARENT, "缴费 S30211")
    assert "这是图书管理员的操作" in parent and "王小明" not in parent and "元" not in parent
    assert _charges(library, "S30211") == [(ChargeKind.LOST, 2500, ChargeStatus.OPEN)]


# ---- 补办 ------------------------------------------------------------------------------------------

def test_replacing_a_card_needs_the_new_number_then_keeps_loans_and_bindings(library: Library, ask: Any,
                                                                             school: School) -> None:
    with library.uow() as uow:
        boy = uow.session.scalar(select(Reader.id).where(Reader.card_no == "S30211"))
    accounts.bind_directly(library, "wx-xm-parent", guardian_id=add_guardian(library, "王爸爸", boy))  # type: ignore[arg-type]
    asked = ask(LIBRARIAN, "补办 S30211")
    assert "给王小明（S30211，三年级2班）补办新证" in asked and "补办 S30211 新证号" in asked
    with library.uow() as uow:
        assert uow.session.get(RetiredCard, "S30211") is None  # asked, not done
    done = ask(LIBRARIAN, "补办 S30211 S30299")
    assert "已为王小明补办新证S30299，旧证S30211作废" in done and "在借的2本书" in done
    with library.uow() as uow:
        assert uow.session.get(RetiredCard, "S30211") is not None
    assert "王小明（S30299，三年级2班）借了2本" in ask(LIBRARIAN, "S30299借了什么")
    assert "S30211这个证号已作废（补办过新证）" in ask(LIBRARIAN, "S30211借了什么")
    assert "王小明" in ask("wx-xm-parent", "我的借阅") and "草房子" in ask("wx-xm-parent", "我的借阅")


def test_replacing_a_card_is_for_the_librarian_only(library: Library, ask: Any) -> None:
    assert "补办借阅证只有图书管理员能办" in ask(HELPER, "补办 S30211 S30299")
    assert "这是图书管理员的操作" in ask(TEACHER, "补办 S30211 S30299")
    with library.uow() as uow:
        assert uow.session.get(RetiredCard, "S30211") is None


# ---- S30211借了什么 -------------------------------------------------------------------------------------

def test_librarian_sees_a_readers_loans_with_due_dates_and_overdue_marks(library: Library, ask: Any,
                                                                        clock: FixedClock, school: School) -> None:
    now = ask(LIBRARIAN, "S30211借了什么")
    assert "王小明（S30211，三年级2班）借了2本" in now
    assert "《草房子》10000003，12月2日（周三）到期" in now and "《三体》" in now and "已逾期" not in now
    clock.advance(days=20)
    late = ask(LIBRARIAN, "S30211借了什么")
    assert "已逾期" in late and "逾期罚金已累计" in late and "催还 10000003" in late
    assert "缴费 S30211" not in late  # nothing to pay yet: fines become a charge at the return
    helper = ask(HELPER, "S30211借了什么")
    assert "王小明（S30211，三年级2班）借了2本" in helper and "已逾期" in helper
    assert "元" not in helper and "欠款" not in helper and "罚金" not in helper
    mark_lost(library, MarkItemLost(school.santi))
    assert "欠款25.00元，缴费请发送：缴费 S30211" in ask(LIBRARIAN, "S30211借了什么")


def test_a_parent_learns_nothing_about_another_card(ask: Any) -> None:
    other = ask(PARENT, "S30211借了什么")
    assert "王小明" not in other and "草房子" not in other and "三年级" not in other
    assert other == ask(PARENT, "S99999借了什么")  # an unknown card reads the same
    assert other == ask(TEACHER, "S30211借了什么")
    assert "按证号查借阅只有图书管理员和小图书管理员能用" in other and "我的借阅" in other
    stranger = ask(STRANGER, "S30211借了什么")
    assert "王小明" not in stranger and "绑定" in stranger


def test_a_parent_asking_about_their_own_child_gets_the_childs_loans(library: Library, ask: Any,
                                                                    school: School) -> None:
    assert "陈思雨现在没有借书" in ask(PARENT, "S30201借了什么")
    checkout(library, CheckoutItem("S30201", school.xiaowangzi))
    assert "陈思雨借了1本" in ask(PARENT, "S30201借了什么")


def test_an_unknown_or_lost_card_is_explained_to_the_librarian(library: Library, ask: Any) -> None:
    assert "没有找到这张借阅证" in ask(LIBRARIAN, "S99999借了什么")
    report_card_lost(library, ReportCardLost("S30211"))
    reply = ask(LIBRARIAN, "S30211借了什么")
    assert "王小明（S30211，三年级2班）借了2本" in reply and "这张证已挂失，补办请发送：补办 旧证号 新证号" in reply


# ---- 全校逾期 ------------------------------------------------------------------------------------------

def test_school_overdue_counts_by_grade_names_the_first_and_links_the_console(library: Library, ask: Any,
                                                                              clock: FixedClock) -> None:
    _, copies = add_title(library, "城南旧事", "林海音", copies=1)
    checkout(library, CheckoutItem("S40101", copies[0]))
    checkout(library, CheckoutItem("T0001", _another(library)))
    assert "没有逾期" in ask(LIBRARIAN, "全校逾期")
    clock.advance(days=20)
    reply = ask(LIBRARIAN, "全校逾期")
    assert "全校逾期未还：3人，4本。" in reply
    assert "三年级1人2本；四年级1人1本；老师等（无班级）1人1本" in reply
    assert "王小明（三年级2班）《" in reply and "孙丽（四年级1班）《城南旧事》" in reply
    assert "https://lib.example.cn/admin/lists/overdue" in reply and "催还" in reply


def _another(library: Library) -> str:
    _, copies = add_title(library, "狼王梦", "沈石溪", copies=1)
    return copies[0]


def test_school_overdue_without_a_public_url_names_the_page(library: Library, parser: Parser,
                                                          clock: FixedClock, school: School) -> None:
    router = make_router(library, parser, replace(SETTINGS, console=replace(SETTINGS.console, public_url="")))
    clock.advance(days=20)
    reply = router.handle(IncomingMessage("wechat", LIBRARIAN, "text", "全校逾期"))
    assert "完整名单在后台：清单 → 逾期清单（/admin/lists/overdue）" in reply and "https://" not in reply


def test_school_overdue_is_for_the_librarian(ask: Any, clock: FixedClock) -> None:
    clock.advance(days=20)
    for user in (HELPER, TEACHER, HEAD, PARENT):
        reply = ask(user, "全校逾期")
        assert "全校逾期名单只有图书管理员能办" in reply and "王小明" not in reply


# ---- 本班借阅统计 / 哪些同学还没借过书 -------------------------------------------------------------------------

def test_class_stats_per_student_class_and_grade_average(library: Library, ask: Any, school: School) -> None:
    checkout(library, CheckoutItem("S30101", school.xiaowangzi))  # 三年级1班: 周杰 2 books
    checkout(library, CheckoutItem("S30101", _another(library)))
    checkout(library, CheckoutItem("S40101", _another(library)))  # grade 4 does not count
    reply = ask(HEAD, "本班借阅统计")
    assert "三年级2班本学期（9月1日起）借了2本，1/3位同学借过书" in reply
    # 2 loans / 3 students in the class; 4 loans / 4 students in grade 3; 三年级1班 is first.
    assert "生均0.67本（目标4本，还差3.4本），三年级平均1.00本（年级2个班中第2）" in reply
    assert "王小明2" in reply and "陈思雨0" in reply and "刘洋0" in reply
    assert "周杰" not in reply and "孙丽" not in reply
    assert "哪些同学还没借过书" in reply


def test_class_not_borrowed_lists_the_own_class_only(library: Library, ask: Any) -> None:
    reply = ask(HEAD, "哪些同学还没借过书")
    assert "三年级2班本学期（9月1日起）还没借过书的同学有2位" in reply
    assert "陈思雨" in reply and "刘洋" in reply and "王小明" not in reply and "周杰" not in reply
    checkout(library, CheckoutItem("S30201", _another(library)))
    checkout(library, CheckoutItem("S30212", _another(library)))
    assert "每位同学都借过书了" in ask(HEAD, "哪些同学还没借过书")


def test_class_lists_are_for_class_teachers_and_name_nobody_to_others(ask: Any) -> None:
    for text in ("本班借阅统计", "哪些同学还没借过书"):
        for user in (TEACHER, PARENT, HELPER):
            reply = ask(user, text)
            assert "只提供给班主任查看本班" in reply
            assert not any(name in reply for name in ("王小明", "陈思雨", "刘洋"))
        assert "学期报表（shuxiang report）" in ask(LIBRARIAN, text)
        assert "绑定" in ask(STRANGER, text)


def test_outside_a_term_the_class_teacher_is_told(library: Library, parser: Parser, clock: FixedClock,
                                                  school: School) -> None:
    clock.advance(days=90)  # 2027-02-16: after the autumn term, no spring term set up
    router = make_router(library, parser)
    reply = router.handle(IncomingMessage("wechat", HEAD, "text", "哪些同学还没借过书"))
    assert "现在不在学期中" in reply and "陈思雨" not in reply


# ---- 帮助 -------------------------------------------------------------------------------------------

def test_help_shows_each_staff_role_its_commands(ask: Any) -> None:
    librarian = ask(LIBRARIAN, "帮助")
    assert "缴费 证号" in librarian and "全校逾期" in librarian and "小图书管理员：" not in librarian
    helper = ask(HELPER, "帮助")
    assert "小图书管理员：借出 条码 证号 / 归还 条码 / 证号借了什么" in helper and "缴费" not in helper
    assert "本班借阅统计" in ask(HEAD, "帮助")
    parent = ask(PARENT, "帮助")
    assert "全校逾期" not in parent and "小图书管理员" not in parent and "本班借阅统计" not in parent


@pytest.mark.parametrize(("text", "fen"), [
    ("损坏 10000003", 0), ("损坏 10000003 5元", 500), ("损坏 10000003 5.5块", 550), ("损坏 10000003 ¥12", 1200),
    ("损坏 １００００００３ ５元", 500), ("10000003 封面撕了 赔8块钱", 800), ("损坏 10000003元", 0),
])
def test_the_repair_fee_is_read_from_the_message(text: str, fen: int) -> None:
    from bot.handlers.desk import _fee_fen

    assert _fee_fen(text) == fen


@pytest.mark.parametrize(("text", "note"), [
    ("损坏 10000003", ""), ("损坏 10000003 5元", ""), ("10000003 封面撕了登记损坏", "封面撕了"),
    ("损坏 10000003 8块 书脊断了，赔8块钱", "书脊断了"),
])
def test_the_damage_note_is_what_was_written_besides_the_command(text: str, note: str) -> None:
    from bot.handlers.desk import _note

    assert _note(text, "10000003") == note


def test_an_unsure_damage_is_asked_first_and_done_on_yes(library: Library, ask: Any) -> None:
    asked = ask(LIBRARIAN, "10000003好像坏了")
    assert "您是想登记损坏吗" in asked
    assert _item_status(library, "10000003") == ItemStatus.ON_LOAN
    assert "已登记《草房子》损坏" in ask(LIBRARIAN, "好的")
    assert _item_status(library, "10000003") == ItemStatus.IN_REPAIR
