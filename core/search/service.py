"""CatalogueSearch: the core service the bot calls; keeps its index in step with the catalogue."""
from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core import versions
from core.catalogue import catalogue_version
from core.db import ensure_may_block
from core.search.index import CatalogueRow, SearchIndex
from core.search.loader import Availability, load_availability, load_catalogue
from core.search.matcher import match
from core.search.normalise import is_pinyin_query, search_key
from core.search.results import MatchKind, SearchResult, TitleHit

log = logging.getLogger(__name__)
PINYIN_WAIT_SECONDS = 30.0  # a pinyin query at start-up waits at most this long for the pinyin tables


class CatalogueSearch:
    """Search by title, author, ISBN, pinyin, keywords and close spellings; thread-safe.

    The index is rebuilt when core.catalogue.catalogue_version changes; the version is read at
    most every `recheck_seconds`. A rebuild makes a new index and swaps it in, so searches keep
    using the old one meanwhile (in a background thread unless `background=False`).

    `cached` (the server passes `Library.cached`, the read model of core/live) keeps the catalogue
    version and each title's availability in memory until the change feed names them: then the version
    is checked at every search and a search of titles already asked about needs no database at all.
    """

    def __init__(self, session_factory: sessionmaker[Session], *, recheck_seconds: float = 2.0,
                 background: bool = True, monotonic: Callable[[], float] = time.monotonic,
                 cached: Cached | None = None) -> None:
        self._session_factory = session_factory
        self._cached = cached
        self._recheck_seconds = recheck_seconds
        self._background = background
        self._monotonic = monotonic
        self._index: SearchIndex | None = None
        self._checked_at = float("-inf")
        self._build_lock = threading.Lock()  # one builder at a time; readers never take it
        self._builder: threading.Thread | None = None

    @property
    def version(self) -> int | None:
        """The catalogue version the current index was built from (None before the first build)."""
        return None if self._index is None else self._index.version

    def search(self, query: str, *, limit: int = 5) -> SearchResult:
        """The best `limit` titles for a query, with live availability, the total and suggestions.

        A pinyin query that finds nothing while the start-up index still lacks its pinyin tables waits
        for them (WouldBlock on the event loop: the transport runs it in a thread) rather than answer
        "not found" for a book the library has.
        """
        index = self._fresh_index()
        ranked = match(index, query, limit)
        if not ranked.docs and not index.has_pinyin and is_pinyin_query(search_key(query)):
            ensure_may_block("search index pinyin")
            self.wait_idle(PINYIN_WAIT_SECONDS)
            # A title catalogued while the pinyin was built could not start its rebuild: catch up now.
            self.catch_up(PINYIN_WAIT_SECONDS)
            index = self._index or index
            ranked = match(index, query, limit)
        if not ranked.docs:
            return SearchResult(hits=[], suggestions=ranked.suggestions, total=ranked.total)
        rows = [(index.rows[doc], kind) for doc, kind in ranked.docs]
        availability = self._availability([row.id for row, _ in rows])
        hits = [_hit(row, kind, availability.get(row.id, Availability())) for row, kind in rows]
        return SearchResult(hits=hits, suggestions=ranked.suggestions, total=ranked.total)

    def _availability(self, title_ids: list[int]) -> dict[int, Availability]:
        if self._cached is None:
            with self._session_factory() as session:
                return load_availability(session, title_ids)
        cached = self._cached
        return {tid: cached(("availability", tid), functools.partial(_load_one, tid)) for tid in title_ids}

    def refresh(self) -> None:
        """Rebuild the index now, in this thread (startup, or after a bulk import)."""
        with self._build_lock:
            self._rebuild()

    def start_up(self, on_ready: Callable[[], None] | None = None) -> None:
        """The server's first index, in this thread, without pinyin; the pinyin tables follow in a
        background thread. Blocks: call it in a worker thread before the server reports ready.

        At 50,000 titles (200,000 copies) the whole build takes ~11 s, 8 of them pypinyin; readiness
        (`/healthz`) waits for the first part only and 查书 answers at once (issue 17: ready ≤ 10 s).
        A pinyin query meanwhile waits for the rest (see `search`). `on_ready` runs in the background
        thread once the pinyin tables are in (the server freezes what start-up built for the collector).
        """
        self._build_lock.acquire()  # held until the pinyin is in (released by the builder): no rebuild meanwhile
        try:
            with self._session_factory() as session:
                version, rows = load_catalogue(session)
            index = SearchIndex(version, rows, pinyin=False)
        except BaseException:
            self._build_lock.release()
            raise
        self._index = index
        self._checked_at = self._monotonic()
        self._builder = threading.Thread(target=self._add_pinyin_locked, args=(index, on_ready),
                                         name="catalogue-search-pinyin", daemon=True)
        self._builder.start()

    def _add_pinyin_locked(self, index: SearchIndex, on_ready: Callable[[], None] | None) -> None:
        try:
            index.add_pinyin()
            if on_ready is not None:
                on_ready()
        except Exception:
            log.exception("catalogue search: building the pinyin tables failed; the next search rebuilds")
            self._checked_at = float("-inf")
        finally:
            self._build_lock.release()

    def catch_up(self, timeout: float = 60.0) -> bool:
        """Read the catalogue version now; if the index is older, start its rebuild (unless one is under
        way) and wait up to `timeout` seconds for it. True when the index is then current.

        For a page that must show a change made a moment ago (the console after adding a title); the bot
        keeps its cheaper every-`recheck_seconds` check. Blocks: call it in a worker thread.
        """
        with self._session_factory() as session:
            version = catalogue_version(session)
        self._checked_at = self._monotonic()
        index = self._index
        if index is not None and index.version >= version:
            return True
        if self._build_lock.acquire(blocking=False):
            self._builder = threading.Thread(target=self._rebuild_locked, name="catalogue-search-index",
                                             daemon=True)
            self._builder.start()
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
        index = self._index
        return index is not None and index.version >= version

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait for a background rebuild to finish; True when none is running."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
            return not builder.is_alive()
        return True

    def _fresh_index(self) -> SearchIndex:
        index = self._index
        if index is None:
            ensure_may_block("search index build")  # never wait for the lock on the event loop
            with self._build_lock:  # first use: everyone waits for the one build
                if self._index is None:
                    self._rebuild()
            assert self._index is not None
            return self._index
        now = self._monotonic()
        if self._cached is not None:  # from memory until the feed says the counter moved
            version = self._cached(("catalogue version",), _load_version)  # key shared with live_catalogue_version
        elif now - self._checked_at < self._recheck_seconds:
            return index
        else:
            with self._session_factory() as session:  # may raise WouldBlock on the event loop: check again then
                version = catalogue_version(session)
        self._checked_at = now
        # Also an index left without pinyin (its background build failed): the lock is free only then.
        if (version != index.version or not index.has_pinyin) and self._build_lock.acquire(blocking=False):
            if self._background:
                self._builder = threading.Thread(target=self._rebuild_locked, name="catalogue-search-index",
                                                 daemon=True)
                self._builder.start()
            else:
                self._rebuild_locked()
        return self._index or index

    def _rebuild_locked(self) -> None:
        """Rebuild while holding the build lock (taken by the caller); keep the old index on failure."""
        try:
            self._rebuild()
        except Exception:
            log.exception("catalogue search index rebuild failed; keeping version %s", self.version)
            self._checked_at = float("-inf")  # try again on the next search
        finally:
            self._build_lock.release()

    def _rebuild(self) -> None:
        with self._session_factory() as session:
            version, rows = load_catalogue(session)
        previous = self._index
        self._index = SearchIndex(version, rows, previous.pinyin_cache if previous else None)
        self._checked_at = self._monotonic()


Cached = Callable[[Hashable, Callable[[Session], tuple[Any, Iterable[tuple[str, str]]]]], Any]


def _load_one(title_id: int, session: Session) -> tuple[Availability, list[tuple[str, str]]]:
    # ("title", id): any change to the title, its copies or their loans (migration 0016)
    return load_availability(session, [title_id]).get(title_id, Availability()), [("title", str(title_id))]


def _load_version(session: Session) -> tuple[int, list[tuple[str, str]]]:
    return catalogue_version(session), [("version", str(versions.CATALOGUE))]


def _hit(row: CatalogueRow, kind: MatchKind, availability: Availability) -> TitleHit:
    return TitleHit(
        id=row.id, title=row.title, author=row.author, publisher=row.publisher, isbn=row.isbn,
        summary=row.summary, min_grade=row.min_grade, max_grade=row.max_grade, match=kind,
        on_shelf=availability.on_shelf, available_to_borrow=availability.available_to_borrow,
        loanable_total=availability.loanable_total, copies_total=availability.copies_total,
        reference_only=availability.reference_only, spots=availability.spots,
        next_due=availability.next_due)
