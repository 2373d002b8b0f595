"""Editions written after a title in brackets: 西游记（青少版）, 三体(典藏版).

A reader who names an edition wants that edition: `预约 西游记（青少版）` must never reserve 西游记.
These helpers split the edition off a query, find it in the message when the parser dropped it, and
tell whether a catalogue title is that edition. Comparison is on folded keys (full/half width,
traditional/simplified, spaces and punctuation ignored), as the search index compares.
"""
from __future__ import annotations

import re

from core.search.normalise import fold, search_key

_EDITION_AT_END = re.compile(r"^(?P<stem>.+?)\s*[(（](?P<edition>[^()（）]{1,20})[)）]\s*$")


def split_edition(query: str) -> tuple[str, str | None]:
    """('西游记', '青少版') for '西游记（青少版）' or '西游记(青少版)'; (query, None) without brackets."""
    found = _EDITION_AT_END.match(query.strip())
    if found is None:
        return query.strip(), None
    return found["stem"].strip(), found["edition"].strip()


def edition_after(text: str, stem: str) -> str | None:
    """The bracketed words right after `stem` in the user's message, if any ('青少版' in 预约 西游记（青少版）)."""
    for haystack, needle in ((text, stem), (fold(text), fold(stem))):
        if not needle:
            return None
        found = re.search(re.escape(needle) + r"\s*[(（]([^()（）]{1,20})[)）]", haystack)
        if found is not None:
            return found[1].strip() or None
    return None


def is_edition(title: str, stem: str, edition: str, *, exact: bool = False) -> bool:
    """True when `title` is `stem` in `edition`: exactly 西游记（青少版）, or (not exact) a title that
    starts with the stem and names the edition after it (西游记（青少版·彩图）, 西游记 青少版 上册)."""
    title_key, stem_key, edition_key = search_key(title), search_key(stem), search_key(edition)
    if exact:
        return title_key == stem_key + edition_key
    return title_key.startswith(stem_key) and edition_key in title_key[len(stem_key):]


def by_author(author: str, words: str) -> bool:
    """True when the bracketed words name the author instead (西游记（吴承恩）): the plain title is meant."""
    key = search_key(words)
    return bool(key) and key in search_key(author)
