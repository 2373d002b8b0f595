"""Barcodes for new copies: the configured pattern ([catalogue] barcode_pattern) and the next free ones."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.catalogue_admin.pattern import BarcodePattern
from core.circulation.lookups import normalise_barcode
from core.library import Library
from core.models import Item

MAX_BATCH = 200  # more copies of one title in one go is a typing mistake


def highest_number(session: Session, pattern: BarcodePattern) -> int:
    """The highest running number among existing barcodes of the pattern's shape (0 when none)."""
    # Same length and prefix: the digits then sort as text, so the unique index walks from the top.
    rows = session.scalars(
        select(Item.barcode)
        .where(Item.barcode.like(_escaped(pattern.prefix) + "%", escape="\\"),
               func.length(Item.barcode) == len(pattern.prefix) + pattern.digits)
        .order_by(Item.barcode.desc()).limit(1000))
    for barcode in rows:
        number = pattern.number(barcode)
        if number is not None:
            return number
    return 0


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def suggest_barcodes(library: Library, pattern: BarcodePattern, count: int) -> list[str]:
    """The next `count` barcodes after the highest existing one of the pattern (1..MAX_BATCH copies).

    A suggestion only: saving checks each barcode again (two librarians may be given the same ones).
    """
    count = max(1, min(count, MAX_BATCH))
    with library.read_uow() as uow:
        top = highest_number(uow.session, pattern)
    out: list[str] = []
    for number in range(top + 1, top + 1 + count):
        try:
            out.append(pattern.format(number))
        except ValueError:
            break  # the pattern is full: the librarian types the rest
    return out


def read_barcodes(raw: str) -> list[str]:
    """Barcodes typed or scanned into one field: separated by spaces, commas or new lines; upper-case."""
    return [normalise_barcode(part) for part in re.split(r"[\s,，、;；]+", raw) if part.strip()]
