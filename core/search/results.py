"""What a catalogue search returns: typed data only; the bot turns it into Chinese text."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class MatchKind(enum.IntEnum):
    """How a title matched, best first; the value is the ranking tier."""

    ISBN = 0
    EXACT_TITLE = 1
    TITLE_PREFIX = 2
    TITLE_CONTAINS = 3
    AUTHOR = 4
    PINYIN = 5
    KEYWORD = 6
    FUZZY = 7  # a close spelling (one-character typo), not what was typed


@dataclass(frozen=True, slots=True)
class ShelfSpot:
    """Where copies on the shelf stand: 索书号 and location, and how many are there."""

    call_number: str
    location: str
    copies: int
    for_loan: bool  # False for reading-room-only copies (工具书)


@dataclass(frozen=True, slots=True)
class TitleHit:
    """One matching title with its live availability."""

    id: int
    title: str
    author: str
    publisher: str
    isbn: str | None
    summary: str
    min_grade: int | None
    max_grade: int | None
    match: MatchKind
    on_shelf: int  # copies with status available, any item type
    available_to_borrow: int  # on the shelf and loanable
    loanable_total: int  # loanable copies that are not lost or withdrawn
    copies_total: int  # all copies that are not lost or withdrawn
    reference_only: bool  # has copies, none of them for loan (reading room only)
    spots: tuple[ShelfSpot, ...] = ()  # where the on-shelf copies are, most copies first
    next_due: date | None = None  # earliest due date of an open loan on this title


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Top hits, the number of matching titles, and close titles when nothing matched well.

    `suggestions` is filled when no hit is better than a close spelling (MatchKind.FUZZY),
    so the bot can answer "没有找到…, 您是不是要找…".
    """

    hits: list[TitleHit] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    total: int = 0

    @property
    def matched_well(self) -> bool:
        return bool(self.hits) and self.hits[0].match < MatchKind.FUZZY
