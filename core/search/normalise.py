"""Text folding shared by the index and queries, so both sides always agree."""
from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import opencc

MAX_QUERY_CHARS = 80  # longer input is not a catalogue query; cut it rather than scan it

_NON_WORD = re.compile(r"[\W_]+")
_PINYIN_QUERY = re.compile(r"[a-z]+")


@cache
def _t2s_table() -> dict[int, str]:
    """Character-level traditional → simplified table from OpenCC's data (C-speed translate)."""
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:  # package layout changed: search still works, just without folding
        return table
    for line in lines:
        trad, _, simp = line.partition("\t")
        if len(trad) == 1 and simp:
            table[ord(trad)] = simp.split()[0]
    return table


def fold(text: str) -> str:
    """Full-width → half-width, lower case, traditional → simplified."""
    return unicodedata.normalize("NFKC", text).lower().translate(_t2s_table())


def search_key(text: str) -> str:
    """Folded text with punctuation and spaces removed: 哈利·波特 → 哈利波特."""
    return _NON_WORD.sub("", fold(text))


def terms(text: str) -> list[str]:
    """Folded words split at spaces and punctuation."""
    return [t for t in _NON_WORD.split(fold(text)) if t]


def bigrams(key: str) -> list[str]:
    """Adjacent character pairs of a key, in order (map keeps the loop in C)."""
    return list(map(str.__add__, key, key[1:]))


def is_pinyin_query(key: str) -> bool:
    """Latin letters only: maybe full pinyin or initials (caofangzi, cfz)."""
    return len(key) >= 2 and _PINYIN_QUERY.fullmatch(key) is not None


_AUTHOR_NOTE = re.compile(r"[\[［(（【〔].*?[\]］)）】〕]")  # nationality or dynasty: [英] （清）
_AUTHOR_SPLIT = re.compile(r"[、,，;；/&＆|]+|\s+")
# Role words: stripped as a suffix only when unambiguous (著, 译), else only as separate words,
# so 王小文 keeps its 文.
_AUTHOR_ROLE_SUFFIX = re.compile(r"(原著|编著|主编|改编|编写|编绘|撰文|绘图|著|译)+$")
_AUTHOR_ROLE_WORDS = frozenset("编 绘 文 图 等 著 译 主编 编著 原著 改编 编写 编绘 撰文 绘图 文图".split())


def author_names(author: str) -> dict[str, str]:
    """Each person in an author field, key → display: "[英]J.K.罗琳 著；苏农 译" → jk罗琳, 苏农."""
    names: dict[str, str] = {}
    for part in _AUTHOR_SPLIT.split(_AUTHOR_NOTE.sub(" ", author)):
        if part in _AUTHOR_ROLE_WORDS:
            continue
        display = _AUTHOR_ROLE_SUFFIX.sub("", part)
        name = search_key(display)
        if name:
            names.setdefault(name, display)
    return names
