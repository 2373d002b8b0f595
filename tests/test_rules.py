"""The rules the schools wrote, each as a policy option (issue 15): table-driven over their values.

max_items_total (教师每人可借图书2本), fine_days (每超期一天罚款0.50元), theft_multiple (以书价的10倍),
manual suspension (取消其借书资格) and a copy's existing damage recorded at checkout.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from core import desk_words as words
from core import queries
from core.circulation import (
    INDEFINITE,
    ChargeTheft,
    CheckinItem,
    CheckoutItem,
    LiftSuspension,
    MarkItemDamaged,
    NoteCondition,
    PlaceReservation,
    RenewLoan,
    SuspendReader,
    SuspensionError,
    charge_theft,
    checkin,
    checkout,
    lift_suspension,
    mark_damaged,
    note_condition,
    place_reservation,
    renew,
    suspend_reader,
)
from core.circulation.fines import days_late, overdue_fine_fen
from core.desk import reader_summary
from core.errors import Reason, Refused
from core.library import Library
from core.lists import overdue
from core.models import AuditEntry, Charge, ChargeKind, Item, ItemType, Loan, Reader, ReaderType
from core.policy import Policy, PolicyError
from tests.factories import add_closed_days, add_reader, add_title, refused

# ----------------------------------------------------------------------------- the policy table


@pytest.mark.parametrize(("reader_type", "total"), [
    (ReaderType.TEACHER, 2),  # 教师每人可借图书2本
    (ReaderType.STAFF, 2),
    (ReaderType.STUDENT, 2),
    (ReaderType.CLASS, None),  # class borrowers: their own per-type rules only
])
def test_default_totals(reader_type: ReaderType, total: int | None) -> None:
    assert Policy().total_limit(reader_type) == total


@pytest.mark.parametrize(("table", "attribute", "expected"), [
    ({}, "fine_days", "open"),
    ({"fine_days": "all"}, "fine_days", "all"),
    ({}, "theft_multiple", 10),
    ({"theft_multiple": 5}, "theft_multiple", 5),
    ({"max_items_total": {"teacher": 7}}, "max_items_total", {ReaderType.TEACHER: 7, ReaderType.STAFF: 2,
                                                              ReaderType.STUDENT: 2}),
    ({"max_items_total": {"class": 100}}, "max_items_total", {ReaderType.TEACHER: 2, ReaderType.STAFF: 2,
                                                              ReaderType.STUDENT: 2, ReaderType.CLASS: 100}),
])
def test_policy_options_from_config(table: dict, attribute: str, expected: object) -> None:
    assert getattr(Policy.from_config(table), attribute) == expected


@pytest.mark.parametrize("table", [
    {"fine_days": "weekdays"},
    {"theft_multiple": 0},
    {"theft_multiple": "10"},
    {"theft_multiple": True},
    {"max_items_total": {"pupil": 2}},
    {"max_items_total": {"teacher": -1}},
    {"max_items_total": {"teacher": "2"}},
])
def test_bad_rule_options_are_errors(table: dict) -> None:
    with pytest.raises(PolicyError):
        Policy.from_config(table)


@pytest.mark.parametrize("multiple", [21, 1000000, -3])
def test_theft_multiple_out_of_range_names_the_key(multiple: int) -> None:
    with pytest.raises(PolicyError, match=r"theft_multiple.*1.*20"):
        Policy.from_config({"theft_multiple": multiple})


def test_config_example_sets_the_new_options_to_their_defaults() -> None:
    from core.settings import load_settings

    policy = Policy.from_config(load_settings("config.example.toml", environ={}).policy)
    assert (policy.fine_days, policy.theft_multiple) == ("open", 10)
    assert policy.max_items_total == Policy().max_items_total


# ----------------------------------------------------------------------------- max_items_total


def _with(lib: Library, **changes: object) -> Library:
    lib.policy = replace(lib.policy, **changes)
    return lib


@pytest.mark.parametrize(("totals", "reader_type", "lent_before_refusal"), [
    ({}, ReaderType.TEACHER, 2),  # the default: 2 in all, although 2 general + 5 teaching reference fit by type
    ({ReaderType.TEACHER: 3}, ReaderType.TEACHER, 3),
    ({ReaderType.TEACHER: 7}, ReaderType.TEACHER, 7),
    ({}, ReaderType.STUDENT, 2),  # 2 general + 1 periodical by type; 2 in all
    ({ReaderType.STUDENT: 3}, ReaderType.STUDENT, 3),
])
def test_total_limit_across_item_types(lib: Library, totals: dict, reader_type: ReaderType,
                                       lent_before_refusal: int) -> None:
    _with(lib, max_items_total={**lib.policy.max_items_total, **totals})
    _, card = add_reader(lib, "读者", reader_type)
    kinds = [ItemType.GENERAL, ItemType.GENERAL, ItemType.PERIODICAL]
    if reader_type == ReaderType.TEACHER:
        kinds += [ItemType.TEACHING_REFERENCE] * 5
    barcodes = [add_title(lib, f"书{n}", item_type=kind)[1][0] for n, kind in enumerate(kinds)]
    # Teaching references first: up to 5 of them fit their own limit, so the total is what stops.
    order = sorted(zip(kinds, barcodes, strict=True), key=lambda kb: kb[0] != ItemType.TEACHING_REFERENCE)
    lent = 0
    for _, barcode in order:
        try:
            checkout(lib, CheckoutItem(card, barcode))
            lent += 1
        except Refused as exc:
            assert exc.reasons == (Reason.TOTAL_LIMIT_REACHED,), exc.reasons
            assert exc.context["max_items_total"] == lent_before_refusal
            break
    assert lent == lent_before_refusal


def test_total_limit_refusal_names_the_limit_in_chinese(lib: Library) -> None:
    _, card = add_reader(lib, "张老师")
    _, [a] = add_title(lib, "草房子")
    _, [b] = add_title(lib, "给教师的建议", item_type=ItemType.TEACHING_REFERENCE)
    _, [c] = add_title(lib, "城南旧事", item_type=ItemType.TEACHING_REFERENCE)
    checkout(lib, CheckoutItem(card, a))
    checkout(lib, CheckoutItem(card, b))
    with pytest.raises(Refused) as info:
        checkout(lib, CheckoutItem(card, c))
    text = words.refusal("checkout", info.value)
    assert text == "《城南旧事》不能借出：张老师已借满2本（教师各类图书合计最多2本），先还一本再借"
    summary = reader_summary(lib, card)
    assert summary.total_limit == 2 and all(m.left == 0 for m in summary.may_borrow)


def test_per_type_limit_is_named_alone_when_both_are_reached(lib: Library) -> None:
    _, card = add_reader(lib, "张老师")
    barcodes = [add_title(lib, f"书{n}")[1][0] for n in range(3)]
    checkout(lib, CheckoutItem(card, barcodes[0]))
    checkout(lib, CheckoutItem(card, barcodes[1]))
    assert refused(checkout, lib, CheckoutItem(card, barcodes[2])) == (Reason.LIMIT_REACHED,)


# ----------------------------------------------------------------------------- fine_days

FRIDAY = date(2026, 11, 20)  # a loan due this Friday, back on Monday (DEFAULT_NOW is Wednesday 11-18)


@pytest.mark.parametrize(("fine_days", "closed", "late"), [
    ("open", (), 1),  # Saturday and Sunday are closed: Monday is the 1st open day late
    ("all", (), 3),  # 每超期一天: Saturday, Sunday, Monday
    ("open", (date(2026, 11, 23),), 0),  # due Friday, back on a closed Monday... counted as 0 open days
    ("all", (date(2026, 11, 23),), 3),
])
def test_days_late_counts_the_days_the_policy_says(lib: Library, fine_days: str, closed: tuple[date, ...],
                                                   late: int) -> None:
    add_closed_days(lib, *closed)
    _with(lib, fine_days=fine_days)
    with lib.read_uow() as uow:
        calendar = lib.calendar(uow.session)
    assert days_late(lib.policy, calendar, FRIDAY, date(2026, 11, 23)) == late
    assert days_late(lib.policy, calendar, FRIDAY, FRIDAY) == 0  # the due day is never late


def _lend_due_friday(lib: Library, clock, price_fen: int = 2500) -> tuple[int, str, str]:
    reader_id, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子", price_fen=price_fen)
    checkout(lib, CheckoutItem(card, barcode))
    with lib.uow() as uow:  # due this Friday, whatever the loan period
        loan = uow.session.scalar(select(Loan).where(Loan.reader_id == reader_id))
        loan.due_date = FRIDAY
        uow.commit()
    return reader_id, card, barcode


@pytest.mark.parametrize(("fine_days", "late", "fine_fen"), [("open", 1, 50), ("all", 3, 150)])
def test_every_place_counts_days_late_the_same_way(lib: Library, clock, fine_days: str, late: int,
                                                   fine_fen: int) -> None:
    """我的借阅, the overdue list, the renewal refusal and the fine at return all say the same number."""
    _with(lib, fine_days=fine_days)
    reader_id, _, barcode = _lend_due_friday(lib, clock)
    clock.advance(days=5)  # Monday 2026-11-23
    [view] = queries.open_loans(lib, reader_id)
    assert (view.overdue_days, view.fine_fen) == (late, fine_fen)
    assert [r.days_late for r in overdue(lib).rows] == [late]
    with pytest.raises(Refused) as info:
        renew(lib, RenewLoan(reader_id, view.loan_id))
    assert info.value.context["days_late"] == late
    returned = checkin(lib, CheckinItem(barcode))
    assert (returned.overdue_days, returned.fine_fen) == (late, fine_fen)
    with lib.read_uow() as uow:
        assert uow.session.scalar(select(Charge.note)) == f"逾期{late}天"


def test_the_fine_stays_capped_at_the_price_when_every_day_counts() -> None:
    policy = replace(Policy(), fine_days="all")
    assert overdue_fine_fen(policy, 100, 1200) == 1200


# ----------------------------------------------------------------------------- theft


@pytest.mark.parametrize(("multiple", "price_fen", "given_fen", "amount_fen"), [
    (10, 2500, None, 25000),  # 以书价的10倍
    (5, 2500, None, 12500),
    (10, 0, 1800, 18000),  # no price recorded: the librarian gives it
    (10, 2500, 9900, 25000),  # a recorded price wins over a given one
])
def test_theft_charges_a_multiple_of_the_price(lib: Library, multiple: int, price_fen: int,
                                               given_fen: int | None, amount_fen: int) -> None:
    _with(lib, theft_multiple=multiple)
    reader_id, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子", price_fen=price_fen)
    done = charge_theft(lib, ChargeTheft(card, barcode, "在门口发现", given_fen, actor="desk:wang"))
    assert (done.amount_fen, done.multiple) == (amount_fen, multiple)
    with lib.read_uow() as uow:
        charge = uow.session.scalar(select(Charge))
        assert (charge.kind, charge.amount_fen, charge.reader_id) == (ChargeKind.THEFT, amount_fen, reader_id)
        entry = uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "theft"))
        assert entry.actor == "desk:wang" and entry.detail["amount_fen"] == str(amount_fen)
    assert [c.kind for c in reader_summary(lib, card).charges] == ["theft"]
    assert words.CHARGE_KINDS["theft"] == "偷窃赔偿"


@pytest.mark.parametrize(("recorded_fen", "given_fen"), [
    (0, 100001),  # a typed price over 1000元
    (0, 30 * 1000000 * 100),  # the attack: 30 × 1000000 would overflow the integer column
    (5000000, None),  # a catalogue price of 50000元
])
def test_theft_refuses_a_price_above_the_ceiling(lib: Library, recorded_fen: int, given_fen: int | None) -> None:
    _with(lib, theft_multiple=20)
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子", price_fen=recorded_fen)
    with pytest.raises(Refused) as info:
        charge_theft(lib, ChargeTheft(card, barcode, "", given_fen))
    assert info.value.reasons == (Reason.PRICE_TOO_HIGH,)
    assert "书价太高，请核对" in words.refusal("theft", info.value)
    with lib.read_uow() as uow:
        assert uow.session.scalar(select(Charge)) is None


def test_theft_at_the_ceiling_is_charged(lib: Library) -> None:
    _with(lib, theft_multiple=20)
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子", price_fen=0)
    assert charge_theft(lib, ChargeTheft(card, barcode, "", 100000)).amount_fen == 2000000


def test_theft_without_any_price_is_refused(lib: Library) -> None:
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子", price_fen=0)
    assert refused(charge_theft, lib, ChargeTheft(card, barcode)) == (Reason.NO_PRICE,)
    with lib.read_uow() as uow:
        assert uow.session.scalar(select(Charge)) is None


def test_a_theft_charge_over_the_unpaid_limit_blocks_borrowing(lib: Library) -> None:
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode, other] = add_title(lib, "草房子", copies=2, price_fen=2500)
    charge_theft(lib, ChargeTheft(card, barcode))
    assert refused(checkout, lib, CheckoutItem(card, other)) == (Reason.UNPAID_CHARGES,)


# ----------------------------------------------------------------------------- manual suspension


@pytest.mark.parametrize(("until", "stored"), [(None, INDEFINITE), (date(2026, 12, 31), date(2026, 12, 31))])
def test_a_suspension_with_a_reason_stops_borrowing_renewing_and_reserving(lib: Library, until: date | None,
                                                                           stored: date) -> None:
    reader_id, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [lent, other] = add_title(lib, "草房子", copies=2)
    title_id, [gone] = add_title(lib, "三体")
    loan = checkout(lib, CheckoutItem(card, lent))
    _, other_card = add_reader(lib, "小红", ReaderType.STUDENT)
    checkout(lib, CheckoutItem(other_card, gone))

    done = suspend_reader(lib, SuspendReader(card, " 多次损坏图书，\n经德育处同意 ", until, actor="wang"))
    assert (done.until, done.reason) == (stored, "多次损坏图书， 经德育处同意")
    with pytest.raises(Refused) as info:
        checkout(lib, CheckoutItem(card, other))
    assert info.value.reasons == (Reason.SUSPENDED,)
    assert info.value.context["suspension_reason"] == "多次损坏图书， 经德育处同意"
    text = words.refusal("checkout", info.value)
    assert "暂停借阅到" in text and "多次损坏图书" in text
    assert ("图书室恢复为止" in text) == (until is None)
    assert Reason.SUSPENDED in refused(renew, lib, RenewLoan(reader_id, loan.loan_id))
    assert Reason.SUSPENDED in refused(place_reservation, lib, PlaceReservation(reader_id, title_id))
    checkin(lib, CheckinItem(lent))  # returning stays possible

    summary = reader_summary(lib, card)
    assert (summary.suspended_until, summary.suspension_reason) == (stored, "多次损坏图书， 经德育处同意")
    assert queries.suspension(lib, reader_id) == queries.SuspensionView(stored, "多次损坏图书， 经德育处同意")

    lifted = lift_suspension(lib, LiftSuspension(card, actor="wang"))
    assert lifted.was_until == stored
    checkout(lib, CheckoutItem(card, other))
    assert queries.suspension(lib, reader_id) is None
    with lib.read_uow() as uow:
        actions = list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.reader_id == reader_id)
                                           .where(AuditEntry.action.in_(("suspend", "lift_suspension")))))
        assert actions == ["suspend", "lift_suspension"]
        reader = uow.session.get(Reader, reader_id)
        assert (reader.suspended_until, reader.suspension_reason) == (None, "")


@pytest.mark.parametrize(("reason", "until", "field"), [
    ("", None, "reason"),
    ("   ", None, "reason"),
    ("\u200b\u200b", None, "reason"),  # zero-width spaces
    ("\u3000\u3000\u200d\ufeff", None, "reason"),  # full-width spaces, zero-width joiner, BOM
    ("\u3164\u2800", None, "reason"),  # Hangul filler, braille blank: they show as nothing
    ("太长" * 101, None, "reason"),
    ("损坏图书", date(2026, 11, 17), "until"),  # yesterday
])
def test_a_suspension_needs_a_reason_and_a_date_not_past(lib: Library, reason: str, until: date | None,
                                                         field: str) -> None:
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    with pytest.raises(SuspensionError) as info:
        suspend_reader(lib, SuspendReader(card, reason, until))
    assert info.value.field == field


def test_a_manual_suspension_keeps_a_later_automatic_date(lib: Library, clock) -> None:
    reader_id, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子")
    checkout(lib, CheckoutItem(card, barcode))
    with lib.uow() as uow:
        loan = uow.session.scalar(select(Loan))
        loan.renewal_count, loan.due_date = 1, date(2026, 11, 17)
        uow.commit()
    automatic = checkin(lib, CheckinItem(barcode)).suspended_until  # 30 days from today
    assert automatic is not None and automatic > date(2026, 11, 25)
    done = suspend_reader(lib, SuspendReader(card, "损坏图书", date(2026, 11, 25)))
    assert (done.until, done.kept_later) == (automatic, True)
    assert queries.suspension(lib, reader_id).until == automatic
    text = words.suspended(done)
    assert "原来的暂停更长" in text and words.day(automatic) in text, text
    # a later date, or none, replaces it
    longer = suspend_reader(lib, SuspendReader(card, "损坏图书", None))
    assert (longer.until, longer.kept_later) == (INDEFINITE, False)
    assert "原来的暂停更长" not in words.suspended(longer)


def test_lifting_a_reader_not_suspended_says_so(lib: Library) -> None:
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    with pytest.raises(SuspensionError, match="没有被暂停"):
        lift_suspension(lib, LiftSuspension(card))


def test_a_dated_suspension_ends_by_itself(lib: Library, clock) -> None:
    reader_id, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子")
    suspend_reader(lib, SuspendReader(card, "损坏图书", date(2026, 11, 19)))
    assert queries.suspension(lib, reader_id) is not None
    clock.advance(days=2)  # Friday 11-20
    assert queries.suspension(lib, reader_id) is None
    assert reader_summary(lib, card).suspended_until is None
    checkout(lib, CheckoutItem(card, barcode))


def test_the_automatic_suspension_after_a_renewal_is_named_as_such(lib: Library, clock) -> None:
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode, other] = add_title(lib, "草房子", copies=2)
    checkout(lib, CheckoutItem(card, barcode))
    with lib.uow() as uow:
        loan = uow.session.scalar(select(Loan))
        loan.renewal_count, loan.due_date = 1, date(2026, 11, 17)
        uow.commit()
    checkin(lib, CheckinItem(barcode))
    with pytest.raises(Refused) as info:
        checkout(lib, CheckoutItem(card, other))
    assert "（续借后再次逾期）" in words.refusal("checkout", info.value)


# ----------------------------------------------------------------------------- existing damage


def test_damage_recorded_at_checkout_is_named_at_return_and_at_damaged(lib: Library, clock) -> None:
    _, first = add_reader(lib, "小明", ReaderType.STUDENT)
    _, second = add_reader(lib, "小红", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子")
    lent = checkout(lib, CheckoutItem(first, barcode, actor="desk:wang", condition_note="缺页"))
    assert lent.condition_note == "缺页"
    assert "已记录书的原有损坏：缺页" in words.lent(lent)
    back = checkin(lib, CheckinItem(barcode))
    assert back.condition_note == "缺页"
    assert any("原有损坏：缺页（图书室11月18日记录，借出前就有" in line and "不要收费" in line
               for line in words.returned(back))

    again = checkout(lib, CheckoutItem(second, barcode, condition_note="加记印章"))
    assert again.condition_note == "缺页；加记印章"
    damaged = mark_damaged(lib, MarkItemDamaged(barcode, 500, "封面撕破"))
    assert damaged.condition_note == "缺页；加记印章"
    lines = words.damaged(damaged)
    assert "原有损坏：缺页；加记印章" in lines[1] and "借出前就有" in lines[1]
    assert sum("缺页" in line for line in lines) == 1  # said once, not again by the return's line
    with lib.read_uow() as uow:
        notes = list(uow.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "condition_noted")))
        assert [n["note"] for n in notes] == ["缺页", "加记印章"]


@pytest.mark.parametrize(("notes", "kept"), [
    (["缺页"], "缺页"),
    (["缺页", "缺页"], "缺页"),  # not repeated
    (["缺页", " 污损  封底 "], "缺页；污损 封底"),
    (["x" * 150, "y" * 100], ("x" * 150 + "；" + "y" * 100)[:200]),
])
def test_condition_notes_add_up_once_each(lib: Library, notes: list[str], kept: str) -> None:
    _, [barcode] = add_title(lib, "草房子")
    for note in notes:
        done = note_condition(lib, NoteCondition(barcode, note))
    assert done.condition_note == kept
    with lib.read_uow() as uow:
        assert uow.session.scalar(select(Item.condition_note)) == kept


@pytest.mark.parametrize("status", ["on_loan", "lost"])
def test_existing_damage_is_not_noted_on_a_copy_a_reader_has(lib: Library, status: str) -> None:
    """A helper cannot clear the borrower by "noting" damage while the book is out (finding 1)."""
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子", price_fen=2500)
    checkout(lib, CheckoutItem(card, barcode))
    if status == "lost":
        from core.circulation import MarkItemLost, mark_lost
        mark_lost(lib, MarkItemLost(barcode))
    with pytest.raises(Refused) as info:
        note_condition(lib, NoteCondition(barcode, "封面撕破", actor="staff:小助手"))
    assert info.value.reasons == (Reason.NOT_ON_SHELF,)
    assert "只能在书在图书室时" in words.refusal("condition", info.value)
    with lib.read_uow() as uow:
        assert uow.session.scalar(select(Item.condition_note)) == ""
        assert uow.session.scalar(select(AuditEntry).where(AuditEntry.action == "condition_noted")) is None
    if status == "on_loan":
        assert not any("原有损坏" in line for line in words.returned(checkin(lib, CheckinItem(barcode))))


def test_a_note_on_the_shelf_is_named_with_who_and_when_at_the_next_return(lib: Library, clock) -> None:
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子")
    note_condition(lib, NoteCondition(barcode, "缺第12页", actor="staff:王老师"))
    clock.advance(days=1)
    checkout(lib, CheckoutItem(card, barcode))
    line = words.returned(checkin(lib, CheckinItem(barcode)))[1]
    assert line == "这本书原有损坏：缺第12页（王老师11月18日记录，借出前就有，不是这位读者造成的，不要收费）。"


def test_a_note_written_during_the_loan_is_not_called_existing(lib: Library, clock) -> None:
    """A note written while the reader had the book (before this fix) asks the librarian to check."""
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "草房子")
    checkout(lib, CheckoutItem(card, barcode))
    clock.advance(days=2)
    with lib.uow() as uow:
        from core.circulation.condition import record_condition
        item = uow.session.scalar(select(Item))
        record_condition(uow.session, item, "封面撕破", now=lib.now(), actor="staff:小助手")
        uow.commit()
    line = words.returned(checkin(lib, CheckinItem(barcode)))[1]
    assert "不要收费" not in line and "借出前就有" not in line
    assert "小助手11月20日是借出以后记的" in line and "请核对" in line


def test_a_refused_checkout_records_no_condition(lib: Library) -> None:
    _, card = add_reader(lib, "小明", ReaderType.STUDENT)
    _, [barcode] = add_title(lib, "新华字典", item_type=ItemType.REFERENCE)
    refused(checkout, lib, CheckoutItem(card, barcode, condition_note="缺页"))
    with lib.read_uow() as uow:
        assert uow.session.scalar(select(Item.condition_note)) == ""



@pytest.mark.parametrize(("changes", "present", "absent"), [
    ({}, ["· 老师各类合计最多借2本", "；闭馆日不计"], ["闭馆日也算"]),
    ({"fine_days": "all"}, ["；闭馆日也算"], ["闭馆日不计"]),
    ({"max_items_total": {ReaderType.STUDENT: 2}}, ["· 学生各类合计最多借2本"], ["老师各类合计"]),
])
def test_the_bots_rules_reply_follows_the_options(changes: dict, present: list[str], absent: list[str]) -> None:
    from bot.handlers.info import rules_text

    text = rules_text(replace(Policy(), **changes), [ReaderType.TEACHER, ReaderType.STUDENT])
    assert all(p in text for p in present) and not any(a in text for a in absent), text
