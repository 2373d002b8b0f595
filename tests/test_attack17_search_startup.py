"""Attack on the start-up search index: a title added while the pinyin tables are still being built
(no rebuild can start: the builder holds the lock). A pinyin query for it waits for the pinyin build,
then matches the stale index again and answers not found; the same query a moment later finds it."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.library import Library
from core.search import CatalogueSearch
from core.search import index as index_module
from tests.factories import add_title


@pytest.fixture
def held_pinyin(monkeypatch):
    release = threading.Event()
    real = index_module.spellings
    def slow(text):
        assert release.wait(30)
        return real(text)
    monkeypatch.setattr(index_module, "spellings", slow)
    return release


def test_a_pinyin_query_that_waited_sees_a_title_added_meanwhile(library: Library, held_pinyin) -> None:
    add_title(library, "草房子", "曹文轩")
    search = CatalogueSearch(library.read_session_factory, background=False, recheck_seconds=0)
    search.start_up()
    add_title(library, "夏洛的网", "怀特")
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(search.search, "xialuodewang")
        time.sleep(0.5)  # the search is waiting for the pinyin build
        assert not waiting.done()
        held_pinyin.set()
        got = [h.title for h in waiting.result(30).hits]
    assert search.wait_idle(30)
    assert [h.title for h in search.search("夏洛的网").hits] == ["夏洛的网"]
    assert got == ["夏洛的网"]
