"""The in-memory search index: built once from catalogue rows, then read-only (safe to share)."""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.search.grams import GramIndex
from core.search.normalise import author_names, search_key
from core.search.pinyin import Spelling, spellings


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    """One title as the index needs it, with its popularity (copies, loans ever)."""

    id: int
    title: str
    author: str
    publisher: str
    isbn: str | None
    summary: str
    min_grade: int | None
    max_grade: int | None
    subjects: str
    series: str
    copies: int
    loans: int


class KeyTable:
    """Sorted keys (title keys, pinyin spellings) → owners, for exact and prefix look-ups by bisection."""

    def __init__(self, pairs: Iterable[tuple[str, int]]) -> None:
        ordered = sorted(set(pairs))
        self.keys = [k for k, _ in ordered]
        self.owners = [o for _, o in ordered]

    def exact(self, key: str) -> list[int]:
        lo = bisect_left(self.keys, key)
        hi = bisect_left(self.keys, key + "\x00", lo)
        return self.owners[lo:hi]

    def prefixed(self, key: str, cap: int) -> list[int]:
        """Owners of keys that start with key (at most `cap` of them, in key order)."""
        lo = bisect_left(self.keys, key)
        hi = bisect_left(self.keys, key + "\uffff", lo)
        return self.owners[lo:min(hi, lo + cap)]

    def neighbours(self, key: str, span: int) -> list[tuple[str, int]]:
        """Keys sorted next to key: candidates for a typo late in a spelling."""
        pos = bisect_left(self.keys, key)
        lo, hi = max(0, pos - span), min(len(self.keys), pos + span)
        return list(zip(self.keys[lo:hi], self.owners[lo:hi], strict=True))


class SearchIndex:
    """Every structure a query needs. Doc ids order titles by popularity: lower is more popular.

    Built with `pinyin=False` it has empty pinyin tables (`has_pinyin` False) until `add_pinyin()`:
    pypinyin takes ~10 µs a character, about 8 s of a 50,000-title catalogue's 11 s build, so the
    server's first index answers Chinese, ISBN and author queries first (core/search/service.py).
    Otherwise read-only once built: safe to share between threads.
    """

    def __init__(self, version: int, rows: Iterable[CatalogueRow],
                 pinyin_cache: Mapping[str, list[Spelling]] | None = None, *, pinyin: bool = True) -> None:
        self.version = version
        self.rows = sorted(rows, key=lambda r: (-r.loans, -r.copies, r.id))
        self.title_keys = [search_key(r.title) for r in self.rows]
        self.titles = GramIndex(self.title_keys, by_length=True)
        exact: defaultdict[str, list[int]] = defaultdict(list)
        isbns: defaultdict[str, list[int]] = defaultdict(list)
        for doc, (row, key) in enumerate(zip(self.rows, self.title_keys, strict=True)):
            exact[key].append(doc)
            if row.isbn:
                isbns[row.isbn].append(doc)
        self.exact_titles = dict(exact)
        self.sorted_titles = KeyTable((key, doc) for doc, key in enumerate(self.title_keys))
        self.isbns = dict(isbns)
        self._build_authors()
        self._build_keywords()
        self.has_pinyin = False
        self.pinyin_cache: dict[str, list[Spelling]] = {}
        self.title_full = self.title_initials = self.author_full = self.author_initials = KeyTable(())
        if pinyin:
            self.add_pinyin(pinyin_cache)

    def add_pinyin(self, cache: Mapping[str, list[Spelling]] | None = None) -> None:
        """Build the pinyin tables (full spellings and initials of titles and authors), then publish them
        and set `has_pinyin`: a search running meanwhile sees the old (empty) tables or the new ones."""
        tables = self._build_pinyin(cache or {})
        self.title_full, self.title_initials, self.author_full, self.author_initials = tables
        self.has_pinyin = True

    def _build_authors(self) -> None:
        ids: dict[str, int] = {}
        docs: list[list[int]] = []
        self.author_display: list[str] = []
        for doc, row in enumerate(self.rows):
            for name, display in author_names(row.author).items():
                aid = ids.setdefault(name, len(docs))
                if aid == len(docs):
                    docs.append([])
                    self.author_display.append(display)
                docs[aid].append(doc)
        self.author_ids = ids
        self.author_docs = docs
        self.authors = GramIndex(list(ids), by_length=True)

    def _build_keywords(self) -> None:
        # Subjects and series weigh more than summary words, so they get their own index.
        self.tags = GramIndex([search_key(f"{r.subjects} {r.series}") for r in self.rows], unigrams=False)
        self.summaries = GramIndex([search_key(r.summary) for r in self.rows], unigrams=False)

    def _build_pinyin(self, cache: Mapping[str, list[Spelling]]) -> tuple[KeyTable, KeyTable, KeyTable, KeyTable]:
        def spell(text: str) -> list[Spelling]:
            found = self.pinyin_cache.get(text)
            if found is None:
                found = cache.get(text)
                if found is None:
                    found = spellings(text)
                self.pinyin_cache[text] = found
            return found

        def tables(owned: Iterable[tuple[str, int]]) -> tuple[KeyTable, KeyTable]:
            """(full spellings, initials) → owner, for texts and their owners (doc or author id)."""
            pairs = [(spelling, owner) for text, owner in owned for spelling in spell(text)]
            return KeyTable((whole, o) for (whole, _), o in pairs), KeyTable((first, o) for (_, first), o in pairs)

        title_full, title_initials = tables((row.title, doc) for doc, row in enumerate(self.rows))
        author_full, author_initials = tables(self.author_ids.items())
        return title_full, title_initials, author_full, author_initials

    def __len__(self) -> int:
        return len(self.rows)
