"""New books become words the parser knows, without restarting the server."""
from __future__ import annotations

from bot.nlp import Parser
from bot.parser_refresh import ParserRefresher
from core.catalogue import bump_catalogue_version
from core.library import Library
from tests.factories import add_title


def test_a_title_added_after_start_is_found_as_a_bare_message_at_the_next_message(library: Library) -> None:
    parser = Parser(catalogue_terms=[])
    clock = [0.0]
    refresher = ParserRefresher(library, parser, recheck_seconds=30, background=False, monotonic=lambda: clock[0])
    assert parser.parse("小猪唏哩呼噜").intent == "unknown"  # not a known title yet
    refresher.maybe_refresh()  # the counter is now kept by the read model
    add_title(library, "小猪唏哩呼噜", "孙幼军")
    assert parser.parse("小猪唏哩呼噜").intent == "unknown"
    with library.uow() as uow:
        bump_catalogue_version(uow.session)
        uow.commit()
    refresher.maybe_refresh()  # the change feed names the counter: no 30 s wait any more
    parsed = parser.parse("小猪唏哩呼噜")
    assert (parsed.intent, parsed.slots.get("query")) == ("search", "小猪唏哩呼噜")


def test_without_the_read_model_the_counter_is_read_at_most_every_recheck_seconds(tmp_path: object) -> None:
    from datetime import UTC, datetime

    from core.clock import FixedClock

    lib = Library.open(f"sqlite:///{tmp_path}/lib.db", clock=FixedClock(datetime(2026, 11, 16, 2, tzinfo=UTC)),
                       live=False)
    try:
        parser = Parser(catalogue_terms=[])
        clock = [0.0]
        refresher = ParserRefresher(lib, parser, recheck_seconds=30, background=False, monotonic=lambda: clock[0])
        add_title(lib, "小猪唏哩呼噜", "孙幼军")
        with lib.uow() as uow:
            bump_catalogue_version(uow.session)
            uow.commit()
        refresher.maybe_refresh()  # within 30 s of the last check: nothing read yet
        assert parser.parse("小猪唏哩呼噜").intent == "unknown"
        clock[0] = 31
        refresher.maybe_refresh()
        assert parser.parse("小猪唏哩呼噜").intent == "search"
    finally:
        lib.close()


def test_the_routers_parse_cache_does_not_outlive_a_dictionary_reload(library: Library) -> None:
    from bot.router import Router
    from core.search import CatalogueSearch

    parser = Parser(catalogue_terms=[])
    router = Router(library, parser, CatalogueSearch(library.session_factory, background=False))
    assert router._parse("小猪唏哩呼噜").intent == "unknown"
    assert router._parse("小猪唏哩呼噜") is router._parse("小猪唏哩呼噜")  # parsed once per message text
    parser.update_catalogue(["小猪唏哩呼噜"])
    assert router._parse("小猪唏哩呼噜").intent == "search"
