"""Reading numbers, ids and dates out of console requests: one strict reader each.

Why strict: `str.isdigit()` accepts "²" (which `int()` refuses) and a pasted link may carry an id past the
database's integer range (SQLite OverflowError, PostgreSQL out of range): both used to reach the query
as a 500. Dates at the ends of the calendar (0001-01-01, 9999-12-31) overflow as soon as a view adds a
day or turns them into a UTC range. Every console view reads such input through these functions.
"""
from __future__ import annotations

import re
from datetime import date

from aiohttp import web

MAX_ID = 2**31 - 1  # PostgreSQL's integer; every id column fits in it
FIRST_DAY = date(2000, 1, 1)  # the dates a school library types: its books, terms and activities
LAST_DAY = date(2099, 12, 31)
DAY_RANGE = "2000 至 2099 年"  # for the messages naming the field
_DIGITS = re.compile(r"[0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls and DEL, tab/newline/return allowed


def whole_number(raw: object, low: int = 0, high: int = MAX_ID) -> int | None:
    """`raw` (surrounding spaces ignored) as an int in [low, high] when it is ASCII digits only; else None."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not _DIGITS.fullmatch(text) or len(text) > len(str(high)):
        return None
    number = int(text)
    return number if low <= number <= high else None


def record_id(raw: object) -> int | None:
    """A database id from a query or form value (1 .. MAX_ID), or None when it cannot be one."""
    return whole_number(raw, 1, MAX_ID)


def path_id(request: web.Request, name: str, missing: str) -> int:
    """The id in the route's `{name}` part; an id no row can have → 404 with the Chinese `missing` text."""
    found = record_id(request.match_info.get(name, ""))
    if found is None:
        raise web.HTTPNotFound(text=missing)
    return found


def school_day(raw: object) -> date | None:
    """A date typed as 2026-09-01 (surrounding spaces ignored) between FIRST_DAY and LAST_DAY; else None.

    Callers say what was wrong with the field's own Chinese label (unreadable or out of DAY_RANGE).
    """
    if not isinstance(raw, str):
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def has_control_characters(text: str) -> bool:
    """True when `text` holds a control character nobody types (NUL, ESC ...); tab and line breaks are fine."""
    return _CONTROL.search(text) is not None
