"""Which copies (or readers) to print labels for: typed or scanned barcodes, a day's new copies,
an import batch, a class's readers.

Read-only services over a Library (the console calls them in a worker thread). Copies come back in
the order they were asked for (barcodes) or by 索书号 then barcode (a day, a batch), as they go on
the shelf.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select

from core.circulation.lookups import normalise_barcode
from core.clock import school_datetime
from core.imports.batches import ImportBatch
from core.labels.callnumber import split_call_number
from core.library import Library
from core.lists import name_sort_key
from core.models import Item, Reader, ReaderStatus, ReaderType, SchoolClass, Title
from core.roster import ClassInfo, list_classes

_SEPARATORS = re.compile(r"[\s,，、;；]+")
MAX_BARCODES = 2000  # one paste; a whole collection is printed by day or by batch


@dataclass(frozen=True)
class CopyLabel:
    """What a copy's labels print: barcode, title, 索书号 and its spine lines (() when it has none)."""

    barcode: str
    title: str
    call_number: str
    spine: tuple[str, ...]


@dataclass(frozen=True)
class CopySelection:
    """The copies found, and the asked-for barcodes that are no copy (in the order typed)."""

    copies: list[CopyLabel]
    unknown: list[str] = field(default_factory=list)

    @property
    def without_call_number(self) -> list[str]:
        """Barcodes of copies with no 索书号 (their spine label would be blank; they are left off)."""
        return [c.barcode for c in self.copies if not c.spine]


@dataclass(frozen=True)
class BatchChoice:
    """An import batch the librarian may pick (catalogue imports only, newest first)."""

    id: int
    filename: str
    at: datetime
    rows: int


@dataclass(frozen=True)
class ReaderCard:
    """A reader card: name, class and card number (the barcode)."""

    card_no: str
    name: str
    class_name: str


def parse_barcodes(text: str) -> list[str]:
    """Barcodes from a paste or a scanner: split on spaces, new lines and (Chinese) commas, upper-cased,
    duplicates dropped (first kept). ValueError (Chinese) past MAX_BARCODES."""
    seen: dict[str, None] = {}
    for part in _SEPARATORS.split(text):
        if part.strip():
            seen.setdefault(normalise_barcode(part), None)
    if len(seen) > MAX_BARCODES:
        raise ValueError(f"一次最多 {MAX_BARCODES} 个条码，这次有 {len(seen)} 个。请按入藏日期或导入批次选择。")
    return list(seen)


def _label(barcode: str, title: str, call_number: str) -> CopyLabel:
    return CopyLabel(barcode, title, call_number, split_call_number(call_number))


def _query() -> Select[tuple[str, str, str]]:
    return select(Item.barcode, Title.title, Item.call_number).join(Title, Title.id == Item.title_id)


def copies_by_barcodes(library: Library, barcodes: list[str]) -> CopySelection:
    """The copies with these barcodes, in the order given; unknown barcodes listed apart."""
    found: dict[str, CopyLabel] = {}
    with library.read_uow() as uow:
        for start in range(0, len(barcodes), 500):  # stay under every database's bound-parameter limit
            chunk = barcodes[start:start + 500]
            for row in uow.session.execute(_query().where(Item.barcode.in_(chunk))):
                found[row.barcode] = _label(row.barcode, row.title, row.call_number)
    return CopySelection([found[b] for b in barcodes if b in found], [b for b in barcodes if b not in found])


def copies_added_on(library: Library, day: date) -> CopySelection:
    """The copies added on a school day (Asia/Shanghai midnight to midnight), by 索书号 then barcode."""
    start = school_datetime(day)
    end = school_datetime(day + timedelta(days=1))
    with library.read_uow() as uow:
        rows = uow.session.execute(_query().where(Item.created_at >= start, Item.created_at < end)
                                   .order_by(Item.call_number, Item.barcode)).all()
    return CopySelection([_label(r.barcode, r.title, r.call_number) for r in rows])


def copies_of_batch(library: Library, batch_id: int) -> CopySelection | None:
    """The copies a catalogue import added (None: no such catalogue batch), by 索书号 then barcode.

    An import stamps every copy it adds with the batch's own time (core.imports.catalogue uses one
    `now` for both) and imports never overlap, so "created at the batch's time" is exactly its copies.
    """
    with library.read_uow() as uow:
        batch = uow.session.get(ImportBatch, batch_id)
        if batch is None or batch.kind != "catalogue":
            return None
        rows = uow.session.execute(_query().where(Item.created_at == batch.at)
                                   .order_by(Item.call_number, Item.barcode)).all()
    return CopySelection([_label(r.barcode, r.title, r.call_number) for r in rows])


@dataclass(frozen=True)
class Choices:
    """What the selection page offers: the latest catalogue imports and the current classes; `examples`
    are the two newest copies' barcodes, shown as the shape this library's barcodes have."""

    batches: list[BatchChoice]
    classes: list[ClassInfo]
    examples: list[str] = field(default_factory=list)


def label_choices(library: Library, limit: int = 30) -> Choices:
    """The latest `limit` catalogue imports (newest first) and the classes (core.roster.list_classes)."""
    with library.read_uow() as uow:
        rows = uow.session.execute(select(ImportBatch.id, ImportBatch.filename, ImportBatch.at, ImportBatch.rows)
                                   .where(ImportBatch.kind == "catalogue")
                                   .order_by(ImportBatch.at.desc(), ImportBatch.id.desc()).limit(limit)).all()
        examples = list(uow.session.scalars(select(Item.barcode).order_by(Item.id.desc()).limit(2)))[::-1]
    return Choices([BatchChoice(r.id, r.filename, r.at, r.rows) for r in rows], list_classes(library), examples)


def class_cards(library: Library, class_id: int) -> tuple[str, list[ReaderCard]] | None:
    """(class name, its current students' cards by name as rosters print them); None: no such class."""
    with library.read_uow() as uow:
        cls = uow.session.get(SchoolClass, class_id)
        if cls is None:
            return None
        rows = uow.session.execute(select(Reader.card_no, Reader.name).where(
            Reader.class_id == class_id, Reader.status != ReaderStatus.LEFT,
            Reader.reader_type != ReaderType.CLASS)).all()
        name = cls.name
    cards = [ReaderCard(r.card_no, r.name, name) for r in rows]
    return name, sorted(cards, key=lambda c: name_sort_key(c.name))

