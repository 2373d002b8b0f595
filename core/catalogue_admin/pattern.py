"""The barcode pattern of [catalogue] barcode_pattern (no database here: settings validation imports it)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.settings import SettingsError

_PATTERN = re.compile(r"^([A-Z0-9\-]*?)(#{3,})$")


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
