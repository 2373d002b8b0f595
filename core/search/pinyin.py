"""Pinyin spellings of titles and names: full (caofangzi) and initials (cfz)."""
from __future__ import annotations

import re
from functools import cache

from pypinyin import Style, lazy_pinyin, pinyin

from core.search.normalise import search_key

# Characters whose other reading readers often type for a title (长袜子 chang/zhang, 重 chong/zhong).
# pypinyin's phrase dictionary picks one reading; we also index the others for these.
POLYPHONES = frozenset("长重行乐还传藏朝曾都觉调差种便更好降看少数为相应血角率省单解仇会")
MAX_VARIANTS = 4

_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_SEGMENT_BREAK = re.compile(r"[\s·•:：,，、;；!！?？()（）《》<>\[\]【】—\-_/]+")

Spelling = tuple[str, str]  # (full pinyin, initials)


@cache
def _readings(char: str) -> tuple[str, ...]:
    """Toneless readings of one character, most common first."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
    return tuple(dict.fromkeys(r for r in found if r.isascii() and r.isalpha()))


def _syllables(segment: str) -> list[list[str]]:
    """For each unit of a segment: its readings, phrase-aware reading first; Latin/digit runs as-is."""
    units: list[list[str]] = []
    pos = 0
    for run in _HAN_RUN.finditer(segment):
        units.extend([w] for w in _latin_words(segment[pos:run.start()]))
        chars = run.group()
        for char, primary in zip(chars, lazy_pinyin(chars, errors="ignore"), strict=False):
            others = [r for r in _readings(char) if r != primary] if char in POLYPHONES else []
            units.append([primary, *others])
        pos = run.end()
    units.extend([w] for w in _latin_words(segment[pos:]))
    return units


def _latin_words(text: str) -> list[str]:
    return [w for w in (search_key(p) for p in text.split()) if w]


def _spell(units: list[list[str]]) -> list[Spelling]:
    """The primary spelling plus one alternative per polyphone, at most MAX_VARIANTS."""
    primary = [u[0] for u in units]
    variants = [primary]
    for i, unit in enumerate(units):
        for other in unit[1:]:
            if len(variants) >= MAX_VARIANTS:
                break
            variants.append(primary[:i] + [other] + primary[i + 1:])
    return [("".join(v), "".join(s[0] for s in v)) for v in variants]


def spellings(text: str) -> list[Spelling]:
    """Spellings of the whole text and of each later segment (哈利·波特 → also 波特), deduplicated."""
    segments = [s for s in _SEGMENT_BREAK.split(text) if s.strip()]
    units_per_segment = [_syllables(s) for s in segments]
    out: list[Spelling] = []
    for start in range(len(segments)):
        units = [u for seg in units_per_segment[start:] for u in seg]
        if units:
            out.extend(_spell(units))
    return list(dict.fromkeys(out))
