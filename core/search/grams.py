"""Inverted index of character unigrams and bigrams over short texts."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import chain

from core.search.normalise import bigrams


class GramIndex:
    """Postings per gram; doc ids are positions in `texts` and postings stay in ascending order."""

    def __init__(self, texts: Sequence[str], *, unigrams: bool = True, by_length: bool = False) -> None:
        self.texts = list(texts)
        self.unigrams = unigrams
        postings: defaultdict[str, list[int]] = defaultdict(list)
        # Unigram postings split by text length: typo candidates must be about the query's length.
        sized: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
        for doc, text in enumerate(self.texts):
            for gram in set(bigrams(text)):
                postings[gram].append(doc)
            chars = set(text)
            if unigrams:
                for char in chars:
                    postings[char].append(doc)
            if by_length:
                size = len(text)
                for char in chars:
                    sized[char, size].append(doc)
        self.postings: dict[str, list[int]] = dict(postings)
        self.sized: dict[tuple[str, int], list[int]] = dict(sized)

    def __len__(self) -> int:
        return len(self.texts)

    def df(self, gram: str) -> int:
        return len(self.postings.get(gram, ()))

    def containing(self, needle: str) -> list[int]:
        """Docs whose text contains needle, ascending: the rarest gram's postings, verified."""
        if not needle or (len(needle) == 1 and not self.unigrams):
            return []
        pieces = [needle] if len(needle) <= 2 else bigrams(needle)
        lists: list[list[int]] = []
        for piece in pieces:
            posting = self.postings.get(piece)
            if posting is None:
                return []
            lists.append(posting)
        rarest = min(lists, key=len)
        if len(needle) <= 2:
            return rarest  # exact already: the needle is the gram (callers must not mutate)
        texts = self.texts
        return [d for d in rarest if needle in texts[d]]

    def near_length(self, key: str, slack: int, common_df: int) -> list[int]:
        """Docs within `slack` of key's length that share all but `slack` of its characters.

        The most common characters are left out of the count while enough rare ones remain:
        they would cost the most and filter the least.
        """
        chars = sorted(set(key), key=self.df)
        needed = len(chars) - slack
        while needed > 1 and self.df(chars[-1]) > common_df:
            chars.pop()
            needed -= 1
        if needed < 1:
            return []
        sizes = range(max(1, len(key) - slack), len(key) + slack + 1)
        counts = Counter(chain.from_iterable(self.sized.get((c, s), ()) for c in chars for s in sizes))
        return [d for d, n in counts.items() if n >= needed]

    def overlapping(self, key: str, limit: int, max_df: int) -> list[int]:
        """Up to `limit` docs sharing the most of key's rarer bigrams, rarest first on ties."""
        grams = sorted((g for g in set(bigrams(key)) if 0 < self.df(g) <= max_df), key=self.df)
        counts = Counter(chain.from_iterable(self.postings[g] for g in grams))
        return [d for d, _ in counts.most_common(limit)]
