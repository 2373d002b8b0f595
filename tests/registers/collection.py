"""A small known collection for the register and weeding tests (every figure is worked out by hand).

草房子 (I287.45, 采购, accessioned 2025-03-01): 3 copies at 25.00; A0 weeded today, A1 sent to repair.
时间简史 (P159, 捐赠 by 家委会, 2026-09-10): 3 copies at 40.00; B0 lost, B1 repaired and back.
无名小册 (no class, no 索书号, source blank, 2026-08-20 — the summer before the autumn term): 1 at 10.00,
with a condition note. Charges: overdue 1.50 paid, lost 40.00 open, damage 5.00 waived.
Today is 2026-11-18 (tests/conftest.py DEFAULT_NOW).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import update

from core.circulation import (
    FinishRepair,
    MarkItemDamaged,
    MarkItemLost,
    finish_repair,
    mark_damaged,
    mark_lost,
)
from core.clock import school_datetime
from core.inventory import weed
from core.library import Library
from core.models import Charge, ChargeKind, ChargeStatus, Item, Title
from tests.factories import add_reader, add_term, add_title


@dataclass(frozen=True)
class Known:
    a: list[str]
    b: list[str]
    d: list[str]


def _set(library: Library, title_id: int, *, clc: str, accessioned: date, source: str = "", donor: str = "",
         call_number: str | None = None) -> None:
    with library.uow() as uow:
        s = uow.session
        s.execute(update(Title).where(Title.id == title_id).values(clc=clc))
        values: dict[str, object] = {"created_at": school_datetime(accessioned, 9), "source": source, "donor": donor}
        if call_number is not None:
            values["call_number"] = call_number
        s.execute(update(Item).where(Item.title_id == title_id).values(**values))
        uow.commit()


def build(library: Library) -> Known:
    """Build the collection described in the module docstring."""
    add_term(library, date(2025, 2, 17), date(2025, 7, 10), name="2025春季学期")
    add_term(library)
    ta, a = add_title(library, "草房子", copies=3, price_fen=2500)
    tb, b = add_title(library, "时间简史", "霍金", copies=3, price_fen=4000)
    td, d = add_title(library, "无名小册", "佚名", copies=1, price_fen=1000)
    _set(library, ta, clc="I287.45", accessioned=date(2025, 3, 1), source="采购")
    _set(library, tb, clc="P159", accessioned=date(2026, 9, 10), source="捐赠", donor="家委会")
    _set(library, td, clc="", accessioned=date(2026, 8, 20), call_number="")
    with library.uow() as uow:
        uow.session.execute(update(Item).where(Item.barcode == d[0]).values(condition_note="缺页"))
        uow.commit()
    assert [c.barcode for c in weed(library, [a[0]], "破损无法修补", batch="2026秋剔旧").withdrawn] == [a[0]]
    mark_lost(library, MarkItemLost(b[0]))
    mark_damaged(library, MarkItemDamaged(b[1], 500, "封面撕破"))
    finish_repair(library, FinishRepair(b[1]))
    mark_damaged(library, MarkItemDamaged(a[1], 0, "脱胶"))
    reader, _ = add_reader(library)
    now = library.now()
    with library.uow() as uow:
        for kind, fen, status in ((ChargeKind.OVERDUE, 150, ChargeStatus.PAID), (ChargeKind.LOST, 4000, ChargeStatus.OPEN),
                                  (ChargeKind.DAMAGE, 500, ChargeStatus.WAIVED)):
            uow.session.add(Charge(reader_id=reader, kind=kind, amount_fen=fen, status=status, created_at=now,
                                   settled_at=None if status == ChargeStatus.OPEN else now))
        uow.session.add(Charge(reader_id=reader, kind=ChargeKind.OVERDUE, amount_fen=999, status=ChargeStatus.PAID,
                               created_at=datetime(2025, 5, 1, tzinfo=UTC), settled_at=None))  # outside the period
        uow.commit()
    return Known(a, b, d)
