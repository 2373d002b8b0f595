"""Writes to the catalogue: add a title (or copies of one), edit a title, edit a copy.

One transaction each, audited, with the catalogue version bumped in it (search sees the change).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.catalogue import bump_catalogue_version
from core.catalogue_admin.barcodes import MAX_BATCH
from core.catalogue_admin.detail import TitleFields, fields_of
from core.catalogue_admin.errors import CatalogueError
from core.catalogue_admin.forms import CopyFields
from core.circulation.lookups import audit
from core.imports.values import identifier_problem
from core.library import Library
from core.models import Item, ItemStatus, Title


@dataclass(frozen=True)
class AddCopies:
    """Add `barcodes` as copies: of `title_id` when given, else of a new title with `title` (its ISBN
    already checked); every copy gets `copy` fields, and its own accession number (登录号) from
    `accession_numbers` when given (one per barcode, in order)."""

    title: TitleFields
    copy: CopyFields
    barcodes: tuple[str, ...]
    title_id: int | None = None
    accession_numbers: tuple[str, ...] = ()
    actor: str = "console"


@dataclass(frozen=True)
class CopiesAdded:
    title_id: int
    title: str
    barcodes: tuple[str, ...]
    new_title: bool


def title_by_isbn(library: Library, isbn: str) -> tuple[int, TitleFields] | None:
    """The (first) title with this ISBN-13 and its fields, or None."""
    with library.read_uow() as uow:
        title = uow.session.scalar(select(Title).where(Title.isbn == isbn).order_by(Title.id).limit(1))
        return None if title is None else (title.id, fields_of(title))


def title_by_id(library: Library, title_id: int) -> tuple[int, TitleFields] | None:
    """(id, fields) of a title, or None when there is no such title (for adding copies to it)."""
    with library.read_uow() as uow:
        title = uow.session.get(Title, title_id)
        return None if title is None else (title.id, fields_of(title))


def copy_defaults(library: Library, title_id: int) -> CopyFields | None:
    """The newest copy's fields of a title (a new copy usually shares its 索书号 and shelf), or None."""
    with library.read_uow() as uow:
        item = uow.session.scalar(select(Item).where(Item.title_id == title_id).order_by(Item.id.desc()).limit(1))
        if item is None:
            return None
        return CopyFields(item.call_number or "", item.location or "", item.item_type, item.price_fen,
                          item.source or "", item.donor or "", "", "")


def _check_barcodes(barcodes: tuple[str, ...]) -> None:
    if not barcodes:
        raise CatalogueError("请填写至少一个条码（可用建议的条码）。", "barcodes")
    if len(barcodes) > MAX_BATCH:
        raise CatalogueError(f"一次最多添加{MAX_BATCH}册。", "barcodes")
    seen: dict[str, int] = {}
    for n, barcode in enumerate(barcodes, start=1):
        problem = identifier_problem(barcode, seen, missing="条码是空的", label="条码", unit="个")
        if problem:
            raise CatalogueError(f"{problem}，请改一下。", "barcodes")
        seen[barcode] = n


def _apply_title(title: Title, fields: TitleFields) -> None:
    title.isbn, title.title, title.author, title.publisher = fields.isbn, fields.title, fields.author, fields.publisher
    title.year, title.clc, title.series, title.summary = fields.year, fields.clc, fields.series, fields.summary
    title.min_grade, title.max_grade, title.subjects = fields.min_grade, fields.max_grade, fields.subjects


def _apply_copy(item: Item, fields: CopyFields) -> None:
    item.call_number, item.location, item.item_type = fields.call_number, fields.location, fields.item_type
    item.price_fen, item.source, item.donor = fields.price_fen, fields.source, fields.donor
    item.accession_number = fields.accession_number or None
    item.condition_note = fields.condition_note


def add_copies(library: Library, cmd: AddCopies) -> CopiesAdded:
    """Add the copies (and the title when new) in one transaction; a new title whose ISBN is already
    catalogued gets no second record: the copies go to the existing one.

    CatalogueError("条码 B0000123 已经用过了…", "barcodes") when any barcode exists, naming the first;
    CatalogueError(field "title_id") when the title to add to is gone. Nothing is written then.
    """
    barcodes = tuple(cmd.barcodes)
    _check_barcodes(barcodes)
    accessions = cmd.accession_numbers or (cmd.copy.accession_number,) * len(barcodes)
    if len(accessions) != len(barcodes):
        raise CatalogueError(f"登录号填了{len(accessions)}个，条码有{len(barcodes)}个：请每册一个登录号，"
                             "按条码的顺序，或都不填。", "accession_number")
    if any(len(a) > 40 for a in accessions):
        raise CatalogueError("登录号太长了（最多40位）。", "accession_number")
    now = library.now()
    try:
        with library.uow() as uow:
            session = uow.session
            taken = session.scalars(select(Item.barcode).where(Item.barcode.in_(barcodes))).all()
            if taken:
                first = next(b for b in barcodes if b in set(taken))
                raise CatalogueError(f"条码 {first} 已经用过了（属于另一册书），请换一个。", "barcodes")
            title_id = cmd.title_id
            if title_id is None and cmd.title.isbn:  # the ISBN is already catalogued: more copies of it
                title_id = session.scalar(select(Title.id).where(Title.isbn == cmd.title.isbn)
                                          .order_by(Title.id).limit(1))
            if title_id is not None:
                title = session.get(Title, title_id)
                if title is None:
                    raise CatalogueError("这个书目已被删除，请重新输入 ISBN。", "title_id")
            else:
                title = Title(created_at=now)
                _apply_title(title, cmd.title)
                session.add(title)
                session.flush()
            for barcode, accession in zip(barcodes, accessions, strict=True):
                item = Item(barcode=barcode, title_id=title.id, status=ItemStatus.AVAILABLE, created_at=now)
                _apply_copy(item, cmd.copy)
                item.accession_number = accession or None
                session.add(item)
            session.flush()
            audit(session, now, "catalogue_add", cmd.actor, title_id=title.id, copies=len(barcodes),
                  new_title=title_id is None)
            bump_catalogue_version(session)
            result = CopiesAdded(title.id, title.title, barcodes, title_id is None)
            uow.commit()
            return result
    except IntegrityError:  # another librarian saved one of these barcodes a moment ago
        raise CatalogueError("有条码刚被别人用掉了，请点「重新建议条码」后再保存。", "barcodes") from None


def edit_title(library: Library, title_id: int, fields: TitleFields, actor: str = "console") -> None:
    """Save a title's fields (CatalogueError field "title_id" when it is gone)."""
    with library.uow() as uow:
        title = uow.session.get(Title, title_id)
        if title is None:
            raise CatalogueError("没有这个书目。", "title_id")
        _apply_title(title, fields)
        audit(uow.session, library.now(), "catalogue_edit_title", actor, title_id=title_id)
        bump_catalogue_version(uow.session)
        uow.commit()


def edit_copy(library: Library, item_id: int, fields: CopyFields, actor: str = "console") -> int:
    """Save a copy's fields (not its status: see status.py); returns its title id."""
    with library.uow() as uow:
        item = uow.session.get(Item, item_id)
        if item is None:
            raise CatalogueError("没有这一册书。", "item_id")
        _apply_copy(item, fields)
        audit(uow.session, library.now(), "catalogue_edit_copy", actor, item_id=item_id)
        bump_catalogue_version(uow.session)
        title_id = item.title_id
        uow.commit()
        return title_id
