"""Runs one query against a SearchIndex: which titles match, in which tier, best first."""
from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from core.isbn import normalise_isbn
from core.search.index import SearchIndex
from core.search.normalise import MAX_QUERY_CHARS, author_names, is_pinyin_query, search_key, terms
from core.search.results import MatchKind

PREFIX_CAP = 5000  # prefix matches examined; beyond this a query is too vague to rank
MAX_TERMS = 6
RARE_BIGRAM_DF = 2000  # typo candidates come from bigrams rarer than this
COMMON_CHAR_DF = 3000  # ... and from characters, leaving out ones more common than this
FUZZY_POOL = 100
SUGGESTIONS = 3
SUGGEST_RATIO = 60.0


@dataclass
class Ranked:
    """The best docs with how each matched, the number of matching titles, close titles."""

    docs: list[tuple[int, MatchKind]] = field(default_factory=list)
    total: int = 0
    suggestions: list[str] = field(default_factory=list)


class _Collector:
    """Matches bucketed by (tier, score); a doc counts once, in its best bucket.

    Buckets keep the doc sequences they are given (often the index's own postings, never
    mutated), so collecting 20,000 keyword matches costs no copying.
    """

    def __init__(self) -> None:
        self.buckets: defaultdict[tuple[MatchKind, float], list[Sequence[int]]] = defaultdict(list)

    def add(self, kind: MatchKind, docs: Sequence[int], score: float = 1.0) -> None:
        """Add docs in ascending order (postings are; other callers sort)."""
        if docs:
            self.buckets[kind, score].append(docs)

    def strong(self) -> bool:
        return any(kind < MatchKind.FUZZY for kind, _ in self.buckets)

    def ranked(self, limit: int) -> tuple[list[tuple[int, MatchKind]], int]:
        out: list[tuple[int, MatchKind]] = []
        picked: set[int] = set()
        for kind, score in sorted(self.buckets, key=lambda b: (b[0], -b[1])):
            if len(out) >= limit:
                break
            # Lower doc ids are more popular titles, so the smallest ids win within a bucket.
            # Chunks are ascending: merging their heads is enough, however long they are.
            wanted = limit + len(picked)
            for doc in heapq.merge(*(chunk[:wanted] for chunk in self.buckets[kind, score])):
                if doc not in picked:
                    out.append((doc, kind))
                    picked.add(doc)
                    if len(out) >= limit:
                        break
        total = len(set().union(*chain.from_iterable(self.buckets.values())))
        return out, total


def match(index: SearchIndex, query: str, limit: int) -> Ranked:
    """Rank titles for a query: ISBN, title, author, pinyin, keywords, then close spellings."""
    raw = query.strip()[:MAX_QUERY_CHARS]
    key = search_key(raw)
    if not key or limit <= 0:
        return Ranked()
    found = _Collector()
    isbn = normalise_isbn(raw)
    if isbn:
        found.add(MatchKind.ISBN, index.isbns.get(isbn, []))
    _titles(index, key, found)
    # The query may be written like an author field ([英]J.K.罗琳 著): read it the same way too,
    # when it names one person (曹文轩 草房子 is an author and a title, left to _keywords).
    named = list(author_names(raw))
    for name in dict.fromkeys([key, *named] if len(named) == 1 else [key]):
        _authors(index, name, found)
    if is_pinyin_query(key):
        _pinyin(index, key, found)
    _keywords(index, raw, found)
    suggestions: list[str] = []
    if not found.strong() and not key.isdigit():
        suggestions = _fuzzy(index, key, found)
    docs, total = found.ranked(limit)
    return Ranked(docs, total, suggestions)


def _titles(index: SearchIndex, key: str, found: _Collector) -> None:
    # Within each tier popularity decides; a doc found in several tiers counts in its best.
    found.add(MatchKind.EXACT_TITLE, index.exact_titles.get(key, []))
    found.add(MatchKind.TITLE_PREFIX, sorted(index.sorted_titles.prefixed(key, PREFIX_CAP)))
    found.add(MatchKind.TITLE_CONTAINS, index.titles.containing(key))


def _author_matches(index: SearchIndex, key: str) -> tuple[int | None, list[int]]:
    """The author named exactly key, and authors whose name contains it (two characters up)."""
    exact = index.author_ids.get(key)
    names = index.authors.containing(key) if len(key) >= 2 else []
    return exact, [aid for aid in names if aid != exact]


def _authors(index: SearchIndex, key: str, found: _Collector) -> None:
    exact, partial = _author_matches(index, key)
    if exact is not None:
        found.add(MatchKind.AUTHOR, index.author_docs[exact])
    for aid in partial:
        found.add(MatchKind.AUTHOR, index.author_docs[aid], 0.5)


def _pinyin(index: SearchIndex, key: str, found: _Collector) -> None:
    # Spelling tables list owners in spelling order: sort them into doc order.
    found.add(MatchKind.PINYIN, sorted(index.title_full.exact(key)), 1.0)
    found.add(MatchKind.PINYIN, sorted(index.title_initials.exact(key)), 0.9)
    for aid in index.author_full.exact(key):
        found.add(MatchKind.PINYIN, index.author_docs[aid], 0.8)
    found.add(MatchKind.PINYIN, sorted(index.title_full.prefixed(key, PREFIX_CAP)), 0.7)
    for aid in index.author_initials.exact(key):
        found.add(MatchKind.PINYIN, index.author_docs[aid], 0.6)
    found.add(MatchKind.PINYIN, sorted(index.title_initials.prefixed(key, PREFIX_CAP)), 0.5)


def _keywords(index: SearchIndex, raw: str, found: _Collector) -> None:
    words = terms(raw)[:MAX_TERMS]
    if len(words) == 1:
        # In the subjects or series weighs more than a word of the summary.
        found.add(MatchKind.KEYWORD, index.tags.containing(words[0]), 1.0)
        found.add(MatchKind.KEYWORD, index.summaries.containing(words[0]), 0.5)
    elif len(words) > 1:
        # Several words (曹文轩 草房子, 科幻 小学): each must appear in title, author or keywords.
        matched: set[int] | None = None
        for word in words:
            docs = set(index.titles.containing(word))
            docs.update(index.tags.containing(word), index.summaries.containing(word))
            exact, partial = _author_matches(index, word)
            for aid in ([exact] if exact is not None else []) + partial:
                docs.update(index.author_docs[aid])
            matched = docs if matched is None else matched & docs
            if not matched:
                return
        found.add(MatchKind.KEYWORD, sorted(matched or ()))


def _allowed_typos(key: str) -> int:
    return 1 if len(key) <= 6 else 2


def _fuzzy(index: SearchIndex, key: str, found: _Collector) -> list[str]:
    """Close spellings: accepted ones become FUZZY hits; looser ones only suggestions."""
    if is_pinyin_query(key):
        return _fuzzy_pinyin(index, key, found)
    if len(key) < 3:
        return []
    typos = _allowed_typos(key)
    keys = index.title_keys
    pool = set(index.titles.near_length(key, typos, COMMON_CHAR_DF))
    if len(key) >= 4:  # a typo in a partial title: one of its bigrams is intact
        pool.update(index.titles.overlapping(key, FUZZY_POOL, RARE_BIGRAM_DF))
    close: list[tuple[float, int]] = []
    loose: list[tuple[float, int]] = []
    for doc in pool:
        title = keys[doc]
        dist = OSA.distance(key, title, score_cutoff=typos)
        score = 1.0 - dist / len(key)
        if dist > typos and len(title) > len(key):
            # A typo in a partial title: compare with the title's beginning.
            dist = min(OSA.distance(key, title[:n], score_cutoff=typos)
                       for n in (len(key) - 1, len(key), len(key) + 1))
            score = 0.9 - dist / len(key)
        if dist <= typos:
            close.append((round(score, 2), doc))
        else:
            ratio = fuzz.ratio(key, title)
            if ratio >= SUGGEST_RATIO:
                loose.append((ratio / 100 - 1, doc))
    by_score: defaultdict[float, list[int]] = defaultdict(list)
    for score, doc in close:
        by_score[score].append(doc)
    for score, docs in by_score.items():
        found.add(MatchKind.FUZZY, sorted(docs), score)
    suggestions = [doc for _, doc in sorted(close, key=lambda s: (-s[0], s[1]))]
    suggestions += [doc for _, doc in sorted(loose, key=lambda s: (-s[0], s[1]))]
    names = [index.rows[doc].title for doc in suggestions]
    names += _fuzzy_authors(index, key, found)
    return list(dict.fromkeys(names))[:SUGGESTIONS]


def _fuzzy_authors(index: SearchIndex, key: str, found: _Collector) -> list[str]:
    """Authors one typo away (曹文宣 → 曹文轩): their books become FUZZY hits."""
    if len(key) > 6:
        return []
    names = index.authors.texts
    out = []
    for aid in index.authors.near_length(key, 1, COMMON_CHAR_DF):
        if OSA.distance(key, names[aid], score_cutoff=1) <= 1:
            found.add(MatchKind.FUZZY, index.author_docs[aid], 0.4)
            out.append(index.author_display[aid])
    return out


def _fuzzy_pinyin(index: SearchIndex, key: str, found: _Collector) -> list[str]:
    """A typo late in a pinyin spelling: sorted neighbours of the spelling are the candidates."""
    if len(key) < 5:
        return []
    typos = _allowed_typos(key) if len(key) > 8 else 1
    docs = {doc for spelling, doc in index.title_full.neighbours(key, 40)
            if OSA.distance(key, spelling, score_cutoff=typos) <= typos}
    found.add(MatchKind.FUZZY, sorted(docs), 0.5)
    return [index.rows[doc].title for doc in sorted(docs)[:SUGGESTIONS]]
