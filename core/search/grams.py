"""Inverted index of character unigrams and bigrams over short texts, with IDF weights."""
from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence

from core.search.normalise import grams


class GramIndex:
    """Postings per gram; doc ids are positions in `texts` and postings stay in ascending order."""

    def __init__(self, texts: Sequence[str], *, by_length: bool = False) -> None:
        self.texts = list(texts)
        postings: defaultdict[str, list[int]] = defaultdict(list)
        # Unigram postings split by text length: typo candidates must be about the query's length.
        sized: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
        for doc, text in enumerate(self.texts):
            for gram in grams(text):
                postings[gram].append(doc)
            if by_length:
                size = len(text)
                for char in set(text):
                    sized[char, size].append(doc)
        self.postings: dict[str, list[int]] = dict(postings)
        self.sized: dict[tuple[str, int], list[int]] = dict(sized)
        self._log_n = math.log(len(self.texts) + 1)

    def __len__(self) -> int:
        return len(self.texts)

    def idf(self, gram: str) -> float:
        return self._log_n - math.log(len(self.postings.get(gram, ())) + 1) + 0.1

    def containing(self, needle: str) -> list[int]:
        """Docs whose text contains needle, ascending: the rarest gram's postings, verified."""
        if not needle:
            return []
        pieces = [needle] if len(needle) <= 2 else [needle[i:i + 2] for i in range(len(needle) - 1)]
        lists: list[list[int]] = []
        for piece in pieces:
            posting = self.postings.get(piece)
            if posting is None:
                return []
            lists.append(posting)
        rarest = min(lists, key=len)
        if len(needle) <= 2:
            return list(rarest)  # the posting is exact: the needle is the gram
        texts = self.texts
        return [d for d in rarest if needle in texts[d]]

    def near_length(self, key: str, slack: int, min_shared: int) -> list[int]:
        """Docs within `slack` of key's length sharing at least `min_shared` distinct characters."""
        counts: defaultdict[int, int] = defaultdict(int)
        chars = set(key)
        for size in range(max(1, len(key) - slack), len(key) + slack + 1):
            for char in chars:
                for doc in self.sized.get((char, size), ()):
                    counts[doc] += 1
        return [d for d, c in counts.items() if c >= min_shared]

    def overlapping(self, key: str, limit: int, max_df: int) -> list[int]:
        """Up to `limit` docs sharing the most IDF-weighted bigrams with key (rare bigrams only)."""
        scores: defaultdict[int, float] = defaultdict(float)
        for gram in {key[i:i + 2] for i in range(len(key) - 1)}:
            posting = self.postings.get(gram)
            if not posting or len(posting) > max_df:
                continue
            weight = self.idf(gram)
            for doc in posting:
                scores[doc] += weight
        return heapq.nlargest(limit, scores, key=lambda d: (scores[d], -d))
