"""Barcodes for new copies: the configured pattern ([catalogue] barcode_pattern) and the next free ones."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.circulation.lookups import normalise_barcode
from core.library import Library
from core.models import Item
from core.settings import SettingsError

_PATTERN = re.compile(r"^([A-Z0-9\-]*?)(#{3,})$")
MAX_BATCH = 200  # more copies of one title in one go is a typing mistake


@dataclass(frozen=True)
class BarcodePattern:
    """A fixed prefix then `digits` digits ('B#######' → B0000001); barcodes are stored upper-case."""

    prefix: str
    digits: int

    @classmethod
    def parse(cls, pattern: str) -> BarcodePattern:
        """Read a pattern such as 'B#######' or 'TS-#####'; SettingsError naming the setting otherwise."""
        match = _PATTERN.match(pattern.strip().upper())
        if match is None or len(pattern.strip()) > 40:
            raise SettingsError("[catalogue] barcode_pattern must be a prefix of letters, digits or '-' then at "
                                f"least three '#' (one per digit), at most 40 characters, e.g. \"B#######\"; "
                                f"got {pattern!r}")
        return cls(match.group(1), len(match.group(2)))

    def format(self, number: int) -> str:
        """The barcode of `number` (ValueError when it needs more digits than the pattern has)."""
        text = f"{self.prefix}{number:0{self.digits}d}"
        if len(text) != len(self.prefix) + self.digits:
            raise ValueError(f"number {number} does not fit {self.digits} digits")
        return text

    def number(self, barcode: str) -> int | None:
        """The running number of a barcode of this shape, else None."""
        tail = barcode[len(self.prefix):]
        if barcode.startswith(self.prefix) and len(tail) == self.digits and tail.isdigit():
            return int(tail)
        return None


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
