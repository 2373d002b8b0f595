"""A copy's existing damage (缺页, 污损, 加记印章): recorded at checkout, shown at return and at 损坏.

The note stays on the copy (items.condition_note) so the next reader is not charged for damage it
already had; each note added is audited ("condition_noted").
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.circulation.commands import NoteCondition
from core.circulation.lookups import audit, item_by_barcode
from core.circulation.results import ConditionNoted, ConditionRecord
from core.errors import Reason, Refused
from core.library import Library
from core.models import AuditEntry, Item, ItemStatus

MAX_NOTE = 200  # items.condition_note's width
# A note on its own needs the copy in the library: damage "found" while a reader has it is that reader's
# to answer for at the return (损坏), not existing damage that would clear them.
NOTE_ALLOWED = (ItemStatus.AVAILABLE, ItemStatus.HELD, ItemStatus.IN_REPAIR)


def merged_note(old: str, new: str) -> str:
    """The copy's note with `new` added (a note already there is not repeated), cut to the column's width."""
    new = " ".join(new.split())
    if not new or new in old:
        return old
    return (f"{old}；{new}" if old else new)[:MAX_NOTE]


def record_condition(session: Session, item: Item, note: str, *, now: datetime, actor: str,
                     reader_id: int | None = None) -> str:
    """Add `note` to the copy's recorded damage inside the caller's transaction; returns the whole note."""
    merged = merged_note(item.condition_note or "", note)
    if merged != (item.condition_note or ""):
        item.condition_note = merged
        audit(session, now, "condition_noted", actor, reader_id=reader_id, item_id=item.id,
              note=" ".join(note.split())[:MAX_NOTE])
    return merged


def note_condition(library: Library, cmd: NoteCondition) -> ConditionNoted:
    """Record damage a copy already has, on its own (e.g. found at the desk before lending it).

    Raises Refused(NOT_ON_SHELF) when the copy is out on loan (or lost): existing damage is noted on a
    copy in the library, or as it is lent (CheckoutItem.condition_note).
    """
    if not cmd.note.strip():
        raise ValueError("a condition note must say what the damage is")
    with library.uow() as uow:
        item = item_by_barcode(uow.session, cmd.barcode)
        if item.status not in NOTE_ALLOWED:
            raise Refused(Reason.NOT_ON_SHELF, title=item.title.title, barcode=item.barcode,
                          item_status=item.status.value)
        merged = record_condition(uow.session, item, cmd.note, now=library.now(), actor=cmd.actor)
        result = ConditionNoted(item.barcode, item.title.title, merged)
        uow.commit()
        return result


def condition_records(session: Session, item_id: int, loan_start: datetime | None) -> tuple[ConditionRecord, ...]:
    """Who noted the copy's existing damage and when (its "condition_noted" audit entries, oldest first);
    `before_loan` tells whether each came before `loan_start` (a note written as the copy was lent counts)."""
    rows = session.execute(select(AuditEntry.actor, AuditEntry.at, AuditEntry.detail)
                           .where(AuditEntry.action == "condition_noted", AuditEntry.item_id == item_id)
                           .order_by(AuditEntry.id)).all()
    return tuple(ConditionRecord(str((detail or {}).get("note", "")), actor or "", at,
                                 loan_start is None or at <= loan_start)
                 for actor, at, detail in rows)
