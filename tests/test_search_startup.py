"""The server's first search index: ready without pinyin, the pinyin tables added in the background
(issue 17: start-up to /healthz ≤ 10 s with 200,000 copies; pypinyin was 8 s of an 11 s build)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.db import WouldBlock, memory_only
from core.library import Library
from core.search import CatalogueSearch
from core.search import index as index_module
from tests.factories import add_title


@pytest.fixture
def held_pinyin(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """pypinyin held until the returned event is set: the background build stays unfinished till then."""
    release = threading.Event()
    real = index_module.spellings

    def slow(text: str):  # type: ignore[no-untyped-def]
        assert release.wait(30), "the test never released the pinyin build"
        return real(text)
    monkeypatch.setattr(index_module, "spellings", slow)
    return release


def test_chinese_queries_answer_before_the_pinyin_is_built(library: Library, held_pinyin: threading.Event) -> None:
    add_title(library, "草房子", "曹文轩")
    search = CatalogueSearch(library.read_session_factory)
    search.start_up()  # returns with the pinyin build still held
    try:
        assert search.version is not None
        assert [h.title for h in search.search("草房子").hits] == ["草房子"]
        assert [h.title for h in search.search("曹文轩").hits] == ["草房子"]
    finally:
        held_pinyin.set()
    assert search.wait_idle(30)
    assert [h.title for h in search.search("caofangzi").hits] == ["草房子"]


def test_a_pinyin_query_waits_for_the_pinyin_instead_of_answering_not_found(
        library: Library, held_pinyin: threading.Event) -> None:
    add_title(library, "草房子", "曹文轩")
    search = CatalogueSearch(library.read_session_factory)
    search.start_up()
    with memory_only(), pytest.raises(WouldBlock):  # the event loop hands it to a thread
        search.search("caofangzi")
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(search.search, "caofangzi")
        assert not waiting.done()
        held_pinyin.set()
        assert [h.title for h in waiting.result(30).hits] == ["草房子"]


def test_a_failed_pinyin_build_is_redone_by_the_next_search(library: Library,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    add_title(library, "草房子", "曹文轩")
    real = index_module.spellings
    fail = {"once": True}

    def flaky(text: str):  # type: ignore[no-untyped-def]
        if fail.pop("once", False):
            raise RuntimeError("pypinyin broke")
        return real(text)
    monkeypatch.setattr(index_module, "spellings", flaky)
    search = CatalogueSearch(library.read_session_factory, background=False, recheck_seconds=0)
    search.start_up()
    assert search.wait_idle(30)
    assert [h.title for h in search.search("caofangzi").hits] == ["草房子"]
