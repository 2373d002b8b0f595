"""The in-memory read model: repeated reads answered from memory, forgotten when the database says so.

`feed` is the table that database triggers fill (migration 0008), `watcher` reads it past the last
row seen, `cache` keeps tagged entries and drops those whose tags the feed names.
"""
from core.live.cache import ANY, LiveCache, Tag
from core.live.watcher import ChangeWatcher

__all__ = ["ANY", "ChangeWatcher", "LiveCache", "Tag"]
