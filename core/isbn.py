"""ISBN normalisation: 10 or 13 digits, with or without hyphens/spaces → ISBN-13."""
from __future__ import annotations

import re
import unicodedata

_STRIP = re.compile(r"[\s\-‐‑–—]")
_LEAD = re.compile(r"[\d\s\-‐‑–—]+X?")


def _isbn13_check(first12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def _isbn10_valid(s: str) -> bool:
    total = sum((10 - i) * (10 if c in "Xx" else int(c)) for i, c in enumerate(s))
    return total % 11 == 0


def normalise_isbn(raw: str) -> str | None:
    """ISBN-13 digits for a valid ISBN-10 or ISBN-13, else None (full-width digits read as digits)."""
    s = unicodedata.normalize("NFKC", raw).strip().upper()
    if s.startswith("ISBN"):
        s = s[4:].lstrip(":： ")
    # Chinese exports append the 统一书号 or binding: "7-111-03758-8/TP·123", "9787111037583（平装）"
    lead = _LEAD.match(s)
    s = _STRIP.sub("", lead.group(0) if lead else s)
    if re.fullmatch(r"\d{13}", s):
        return s if _isbn13_check(s[:12]) == s[12] else None
    if re.fullmatch(r"\d{9}[\dX]", s) and _isbn10_valid(s):
        body = "978" + s[:9]
        return body + _isbn13_check(body)
    return None


def make_isbn13(first12: str) -> str:
    """Append the check digit (used by the demo builder and tests)."""
    return first12 + _isbn13_check(first12)
