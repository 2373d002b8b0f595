"""Core services behind the staff requests by message: paying by card, the overdue summary, class statistics."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.circulation import (
    CheckoutItem,
    MarkItemLost,
    SettleReaderCharges,
    checkout,
    mark_lost,
    settle_reader_charges,
)
from core.clock import FixedClock
from core.errors import Reason, Refused
from core.library import Library
from core.lists import overdue_summary
from core.models import Charge, ChargeStatus, ReaderType, SchoolClass
from core.reports.periods import NoTerm
from core.reports.stats import class_term_stats
from tests.factories import add_reader, add_title


def _charge_ids(library: Library) -> dict[int, ChargeStatus]:
    with library.uow() as uow:
        return {charge_id: status for charge_id, status in uow.session.execute(select(Charge.id, Charge.status))}


def test_paying_by_card_settles_only_that_readers_open_charges_once(lib: Library) -> None:
    add_reader(lib, "王小明", ReaderType.STUDENT, card_no="S1", class_name="三年级2班")
    add_reader(lib, "陈思雨", ReaderType.STUDENT, card_no="S2", class_name="三年级2班")
    _, books = add_title(lib, "草房子", copies=2, price_fen=1800)
    checkout(lib, CheckoutItem("S1", books[0]))
    checkout(lib, CheckoutItem("S2", books[1]))
    mark_lost(lib, MarkItemLost(books[0]))
    mark_lost(lib, MarkItemLost(books[1]))
    first, second = sorted(_charge_ids(lib))
    done = settle_reader_charges(lib, SettleReaderCharges("s1", (first, second), actor="test"))
    assert done.reader_name == "王小明" and done.total_fen == 1800 and [c[0] for c in done.paid] == [first]
    assert _charge_ids(lib) == {first: ChargeStatus.PAID, second: ChargeStatus.OPEN}  # 陈思雨's stays open
    with pytest.raises(Refused) as again:
        settle_reader_charges(lib, SettleReaderCharges("S1", (first,), actor="test"))
    assert again.value.reasons == (Reason.CHARGE_SETTLED,)


def test_overdue_summary_counts_readers_and_copies_per_grade(lib: Library, clock: FixedClock) -> None:
    with lib.uow() as uow:
        uow.session.add(SchoolClass(name="一年级1班", grade=1))
        uow.commit()
    add_reader(lib, "甲", ReaderType.STUDENT, card_no="S1", class_name="一年级1班")
    add_reader(lib, "乙", ReaderType.STUDENT, card_no="S2", class_name="三年级2班")  # the factory's grade 3
    add_reader(lib, "丙", ReaderType.TEACHER, card_no="T1")
    _, books = add_title(lib, "草房子", copies=4)
    for card, barcode in zip(("S1", "S1", "S2", "T1"), books, strict=True):
        checkout(lib, CheckoutItem(card, barcode))
    assert overdue_summary(lib).copies == 0
    clock.advance(days=40)
    summary = overdue_summary(lib, first=2)
    assert (summary.readers, summary.copies) == (3, 4)
    assert [(g.grade, g.readers, g.copies) for g in summary.by_grade] == [(1, 1, 2), (3, 1, 1), (0, 1, 1)]
    assert len(summary.first) == 2


def test_class_term_stats_without_a_term_raises(library: Library) -> None:
    add_reader(library, "甲", ReaderType.STUDENT, card_no="S1", class_name="三年级2班")
    with library.uow() as uow:
        class_id = uow.session.scalar(select(SchoolClass.id))
    with pytest.raises(NoTerm):
        class_term_stats(library, class_id)  # type: ignore[arg-type]
