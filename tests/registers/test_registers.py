"""Every register figure on a small known collection (tests/registers/collection.py): counts and fen."""
from __future__ import annotations

from datetime import date

from core.library import Library
from core.registers import (
    AcquisitionLine,
    ClassLine,
    RepairLine,
    WeedingLine,
    YearLine,
    acquisitions,
    charges_register,
    classified_ledger,
    general_ledger,
    repair_register,
    weeding_register,
)
from tests.registers.collection import build

TODAY = date(2026, 11, 18)


def _nonzero(lines: list[ClassLine]) -> list[tuple[str, int, int, int]]:
    return [(c.code, c.titles, c.copies, c.value_fen) for c in lines if c.copies]


def test_the_classified_ledger_counts_copies_on_the_books_by_class_on_a_day(library: Library) -> None:
    build(library)
    today = classified_ledger(library, TODAY)
    assert len(today) == 23 and [c.code for c in today][:3] == ["A", "B", "C"]
    assert today[8] == ClassLine("I", "文学", 1, 2, 5000)  # A0 written off; A1 in repair stays on the books
    # The lost copy stays on the books until it is written off.
    assert _nonzero(today) == [("I", 1, 2, 5000), ("P", 1, 3, 12000), ("?", 1, 1, 1000)]
    assert _nonzero(classified_ledger(library, date(2026, 11, 17))) == [("I", 1, 3, 7500), ("P", 1, 3, 12000),
                                                                          ("?", 1, 1, 1000)]
    assert _nonzero(classified_ledger(library, date(2025, 12, 31))) == [("I", 1, 3, 7500)]


def test_the_general_ledger_adds_and_writes_off_by_year_and_its_balance_matches(library: Library) -> None:
    build(library)
    assert general_ledger(library, TODAY) == [YearLine(2025, 3, 7500, 0, 0, 3, 7500),
                                              YearLine(2026, 4, 13000, 1, 2500, 6, 18000)]
    assert [(y.opening, y.opening_fen) for y in general_ledger(library, TODAY)] == [(0, 0), (3, 7500)]
    total = classified_ledger(library, TODAY)
    assert (sum(c.copies for c in total), sum(c.value_fen for c in total)) == (6, 18000)
    assert general_ledger(library, date(2025, 6, 1)) == [YearLine(2025, 3, 7500, 0, 0, 3, 7500)]


def test_acquisitions_per_term_by_source_and_donor(library: Library) -> None:
    build(library)
    assert acquisitions(library, date(2025, 1, 1), TODAY) == [
        AcquisitionLine("2025春季学期", "采购", "", 1, 3, 7500),
        AcquisitionLine("2026秋季学期", "捐赠", "家委会", 1, 3, 12000),
        AcquisitionLine("2026秋季学期", "未登记", "", 1, 1, 1000)]  # the summer's copy counts in autumn
    assert acquisitions(library, date(2026, 9, 1), TODAY) == [AcquisitionLine("2026秋季学期", "捐赠", "家委会", 1, 3, 12000)]


def test_the_weeding_register_lists_written_off_copies_with_their_value(library: Library) -> None:
    known = build(library)
    assert weeding_register(library, date(2026, 9, 1), TODAY) == [
        WeedingLine(TODAY, "2026秋剔旧", known.a[0], "草房子", "I287.45/C1", 2500, "available", "破损无法修补")]
    assert weeding_register(library, date(2026, 9, 1), date(2026, 11, 17)) == []


def test_the_repair_register_pairs_sent_and_back(library: Library) -> None:
    known = build(library)
    assert repair_register(library, TODAY, TODAY) == [RepairLine(TODAY, known.b[1], "时间简史", "封面撕破", 500, TODAY),
                                                      RepairLine(TODAY, known.a[1], "草房子", "脱胶", 0, None)]
    assert repair_register(library, date(2026, 9, 1), date(2026, 11, 17)) == []


def test_the_charges_register_sums_paid_waived_and_open(library: Library) -> None:
    build(library)
    found = charges_register(library, date(2026, 9, 1), TODAY)
    assert found.by_status == {"已缴": [1, 150], "已免除": [1, 500], "未缴": [1, 4000]}
    assert found.by_kind == {"逾期": [1, 150], "丢失赔偿": [1, 4000], "损坏修补": [1, 500], "偷窃赔偿": [0, 0]}
    assert [(c.kind, c.amount_fen, c.status, c.settled) for c in found.lines] == [
        ("逾期", 150, "已缴", TODAY), ("丢失赔偿", 4000, "未缴", None), ("损坏修补", 500, "已免除", TODAY)]
