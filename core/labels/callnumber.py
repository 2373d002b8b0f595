"""索书号 → the lines of a spine label, as school libraries print them.

The rule (docs/console/labels.md):
1. Full-width characters become half-width (NFKC), spaces are collapsed, letters upper-cased
   except a volume's "v".
2. A volume at the end — ":2", "v.2", "V.2", "(2)" — is cut off first and becomes the last line,
   as written (":2" stays ":2", "v.2" stays "v.2").
3. The rest is split into class number (分类号) and book number (书次号/著者号) at the first "/";
   without a "/", at the first space; without either, at the last "-" (the 中图法's own "-" is a
   common subdivision such as "-49", but a call number always ends with a book number, so the last
   "-" is the separator); without any of these, where letters follow the class's digits
   ("I287.5C234" → "I287.5", "C234").
4. Anything that still does not split is printed on one line.
"""
from __future__ import annotations

import re
import unicodedata

_VOLUME = re.compile(r"^(?P<rest>.*?)\s*(?P<volume>:\s*\d+|v\.\s*\d+|\(\d+\))$", re.IGNORECASE)
_GLUED = re.compile(r"^(?P<cls>[A-Z]{1,2}[0-9][0-9.]*)(?P<book>[A-Z].*)$")


def _clean(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    return re.sub(r"\s+", " ", text)


def split_call_number(raw: str) -> tuple[str, ...]:
    """The spine label's lines for a 索书号: (class, book number[, volume]); () for an empty one.

    'I287.5/12' → ('I287.5', '12'); 'I247.5 C234' → ('I247.5', 'C234'); 'I287.5-12' → ('I287.5', '12');
    'I287.5/12:2' → ('I287.5', '12', ':2'); 'I287.5/12 v.2' → ('I287.5', '12', 'v.2').
    """
    text = _clean(raw)
    if not text:
        return ()
    volume = ""
    match = _VOLUME.match(text)
    if match and match.group("rest").strip():
        text, volume = match.group("rest").strip(), re.sub(r"\s+", "", match.group("volume"))
        volume = "v." + volume[2:] if volume[:2].lower() == "v." else volume
    text = text.upper()
    lines = _split_main(text)
    return (*lines, volume) if volume else lines


def _split_main(text: str) -> tuple[str, ...]:
    for separator in ("/", " "):
        if separator in text:
            head, tail = text.split(separator, 1)
            return _pair(head, tail.replace(" ", ""))
    if "-" in text:
        head, tail = text.rsplit("-", 1)
        return _pair(head, tail)
    glued = _GLUED.match(text)
    if glued:
        return (glued.group("cls"), glued.group("book"))
    return (text,)


def _pair(head: str, tail: str) -> tuple[str, ...]:
    head, tail = head.strip(), tail.strip()
    return tuple(part for part in (head, tail) if part)
