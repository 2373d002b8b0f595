"""Change a copy's status from the catalogue with the desk's own rules (core.circulation, core.inventory).

A copy on loan is left alone: its loan belongs to the desk (return it there, or record it lost there so
the borrower is charged). Each change is the core service's one transaction, then a catalogue-version
bump so search's copy counts follow.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Boolean, literal_column, select

from core.catalogue import bump_catalogue_version
from core.catalogue_admin.errors import CatalogueError
from core.circulation import (
    FinishRepair,
    MarkItemDamaged,
    MarkItemLost,
    finish_repair,
    mark_damaged,
    mark_lost,
)
from core.desk_words import ITEM_STATUSES
from core.errors import Refused
from core.inventory import weed
from core.library import Library
from core.models import Item, ItemStatus, Loan

_LOAN_IS_OPEN = literal_column(f"{Loan.__tablename__}.is_open", Boolean)


class StatusChange(enum.StrEnum):
    LOST = "lost"  # 丢失 (not lent: missing from the shelf)
    REPAIR = "repair"  # 送修
    REPAIRED = "repaired"  # 修好归架 (or to the first reader waiting)
    WITHDRAW = "withdraw"  # 注销/剔除, with a reason


CHANGE_NAMES = {StatusChange.LOST: "登记丢失", StatusChange.REPAIR: "送修", StatusChange.REPAIRED: "修好归架",
                StatusChange.WITHDRAW: "注销剔除"}


@dataclass(frozen=True)
class ChangeCopyStatus:
    """`reason` is required for WITHDRAW (the weeding register prints it), a note for REPAIR."""

    item_id: int
    change: StatusChange
    reason: str = ""
    actor: str = "console"


@dataclass(frozen=True)
class StatusChanged:
    title_id: int
    barcode: str
    status: ItemStatus


def allowed_changes(status: ItemStatus) -> list[StatusChange]:
    """The changes the page offers for a copy in `status` (none while lent or already withdrawn)."""
    return {
        ItemStatus.AVAILABLE: [StatusChange.REPAIR, StatusChange.LOST, StatusChange.WITHDRAW],
        ItemStatus.HELD: [StatusChange.REPAIR, StatusChange.LOST],
        ItemStatus.IN_REPAIR: [StatusChange.REPAIRED, StatusChange.LOST, StatusChange.WITHDRAW],
        ItemStatus.LOST: [StatusChange.WITHDRAW],
    }.get(status, [])


def change_copy_status(library: Library, cmd: ChangeCopyStatus) -> StatusChanged:
    """Apply one change; CatalogueError with what to do instead when it does not apply (lent → the desk)."""
    with library.read_uow() as uow:
        row = uow.session.execute(
            select(Item.barcode, Item.title_id, Item.status, Loan.due_date)
            .outerjoin(Loan, (Loan.item_id == Item.id) & _LOAN_IS_OPEN).where(Item.id == cmd.item_id)).first()
    if row is None:
        raise CatalogueError("没有这一册书。", "item_id")
    barcode, title_id, status, due = row
    if due is not None or status == ItemStatus.ON_LOAN:
        raise CatalogueError(_lent_message(barcode, due), "change")
    if cmd.change not in allowed_changes(status):
        raise CatalogueError(f"这一册现在是「{ITEM_STATUSES[status.value]}」，不能{CHANGE_NAMES[cmd.change]}。", "change")
    reason = cmd.reason.strip()
    try:
        if cmd.change == StatusChange.LOST:
            mark_lost(library, MarkItemLost(barcode, actor=cmd.actor))
        elif cmd.change == StatusChange.REPAIR:
            mark_damaged(library, MarkItemDamaged(barcode, 0, note=reason[:200], actor=cmd.actor))
        elif cmd.change == StatusChange.REPAIRED:
            finish_repair(library, FinishRepair(barcode, actor=cmd.actor))
        else:
            if not reason:
                raise CatalogueError("请写上注销原因（如 破损无法修复、内容过时、丢失核销），注销帐要用。", "reason")
            result = weed(library, [barcode], reason, actor=cmd.actor)
            if not result.withdrawn:
                raise CatalogueError("这一册刚刚被借出或预约保留了，没有注销。请刷新页面看看。", "change")
    except Refused:
        raise CatalogueError("这一册的状态刚刚变了，没有改动。请刷新页面再试。", "change") from None
    with library.uow() as uow:
        bump_catalogue_version(uow.session)  # weed bumps already; the desk's services do not
        status = uow.session.scalar(select(Item.status).where(Item.id == cmd.item_id))
        uow.commit()
    return StatusChanged(title_id, barcode, status)


def _lent_message(barcode: str, due: date | None) -> str:
    when = f"（{due.month}月{due.day}日到期）" if due else ""
    return (f"{barcode} 正在借出{when}，这里不改它的状态。书还回来时请在借还台还书；"
            "读者说书丢了，请在借还台登记丢失（会按书价记赔偿）；还回时坏了，在借还台登记损坏。")
