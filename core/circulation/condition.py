"""A copy's existing damage (缺页, 污损, 加记印章): recorded at checkout, shown at return and at 损坏.

The note stays on the copy (items.condition_note) so the next reader is not charged for damage it
already had; each note added is audited ("condition_noted").
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.circulation.commands import NoteCondition
from core.circulation.lookups import audit, item_by_barcode
from core.circulation.results import ConditionNoted
from core.library import Library
from core.models import Item

MAX_NOTE = 200  # items.condition_note's width


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
    """Record damage a copy already has, on its own (e.g. found at the desk before lending it)."""
    if not cmd.note.strip():
        raise ValueError("a condition note must say what the damage is")
    with library.uow() as uow:
        item = item_by_barcode(uow.session, cmd.barcode)
        merged = record_condition(uow.session, item, cmd.note, now=library.now(), actor=cmd.actor)
        result = ConditionNoted(item.barcode, item.title.title, merged)
        uow.commit()
        return result
