"""Entries kept in memory until the change feed names one of their tags.

`get(key, load)` answers from memory, or calls `load()`, which returns the value and the tags it
depends on, e.g. ("reader", "42"). Before every lookup the watcher says what changed since, so a
reader always sees what was committed before the lookup began, in this process or another.

A value loaded while its data changed must not be kept: every invalidation is stamped with a
tick, and a load only stores its value if none of its tags (and no reset) moved since it began.
Loads run outside the lock and must read in a fresh transaction (begun after `get` was called).

A tag whose ref is "*" (e.g. ("title", "*") for the new-books list) is forgotten by a change to any
ref of its topic.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from core.live.watcher import RESET, ChangeWatcher

T = TypeVar("T")
Tag = tuple[str, str]
ANY = "*"  # a tag's ref that any change of its topic matches

MAX_ENTRIES = 20_000  # a school has a few thousand readers; beyond this the oldest entries go
MAX_TAG_TICKS = 200_000  # invalidation stamps kept; past this one reset forgets them all


@dataclass
class _Entry:
    value: Any
    tags: frozenset[Tag]


class LiveCache:
    def __init__(self, watcher: ChangeWatcher, *, max_entries: int = MAX_ENTRIES) -> None:
        self._watcher = watcher
        self._max = max_entries
        self._lock = threading.Lock()
        self._entries: dict[Hashable, _Entry] = {}
        self._by_tag: dict[Tag, set[Hashable]] = {}
        self._tick = 0
        self._tag_ticks: dict[Tag, int] = {}  # tick of each tag's latest invalidation
        self._reset_tick = 0
        self.hits = self.misses = 0

    def get(self, key: Hashable, load: Callable[[], tuple[T, Iterable[Tag]]], *, sync: bool = True,
            valid: Callable[[T], bool] | None = None) -> T:
        """The value for `key`; `sync=False` skips the feed check (the caller just made it).

        `valid(value)` False makes a kept value count as missing (an answer that depends on the time).
        """
        if sync:
            self.sync()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and (valid is None or valid(entry.value)):
                self.hits += 1
                return entry.value  # type: ignore[no-any-return]
            self.misses += 1
            started = self._tick
        value, tags = load()
        tags = frozenset(tags)
        with self._lock:
            if self._reset_tick <= started and all(self._tag_ticks.get(t, 0) <= started for t in tags):
                self._store(key, _Entry(value, tags))
        return value

    def sync(self) -> None:
        """Forget what changed since the last call (one cheap check when nothing did)."""
        changes = self._watcher.changes()
        if changes is not RESET and not changes:
            return
        with self._lock:
            if changes is RESET or len(self._tag_ticks) > MAX_TAG_TICKS:
                self._reset()
                return
            self._tick += 1
            tags = {(c.topic, c.ref) for c in changes}
            for tag in tags | {(topic, ANY) for topic, _ in tags}:
                self._tag_ticks[tag] = self._tick
                for key in self._by_tag.pop(tag, ()):
                    self._drop(key)

    def clear(self) -> None:
        """Forget everything (e.g. after the database was restored under a running server)."""
        with self._lock:
            self._reset()

    def _reset(self) -> None:
        self._tick += 1
        self._reset_tick = self._tick  # loads begun before now will not store: no tag ticks needed
        self._entries.clear()
        self._by_tag.clear()
        self._tag_ticks.clear()

    def close(self) -> None:
        self._watcher.close()

    def __len__(self) -> int:
        return len(self._entries)

    def _store(self, key: Hashable, entry: _Entry) -> None:
        self._drop(key)
        while len(self._entries) >= self._max:
            self._drop(next(iter(self._entries)))  # the oldest stored
        self._entries[key] = entry
        for tag in entry.tags:
            self._by_tag.setdefault(tag, set()).add(key)

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for tag in entry.tags:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]
