"""What staff type or scan, folded the same way on every console page before it reaches core.

Scanners and input methods in full-width mode send ｓ３０２０１ for S30201, and people write a class as
三年级二班, 3年级2班 or 3(2)班: every form field that names a card, a barcode or a class goes through here.
"""
from __future__ import annotations

import unicodedata

from core.imports.values import parse_class


def fold(raw: str) -> str:
    """Full-width letters, digits, brackets and spaces to their plain forms (NFKC), trimmed."""
    return unicodedata.normalize("NFKC", raw).strip()


def fold_code(raw: str) -> str:
    """A scanned or typed card number or barcode: NFKC-folded, trimmed, upper case ('ｓ３０２０１' → 'S30201')."""
    return fold(raw).upper()


def class_query(raw: str) -> str:
    """A class as typed ('三年级二班', '3年级2班', '３（２）班') in the stored form ('三年级2班');
    text that is no class name comes back folded, so an unknown class is still named in the answer."""
    text = fold(raw)
    parsed = parse_class(text)
    return parsed[0] if parsed is not None else text
