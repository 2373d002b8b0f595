"""Catalogue search: every kind of query, availability, suggestions, index refresh."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.catalogue import bump_catalogue_version
from core.isbn import make_isbn13
from core.library import Library
from core.models import Item, ItemStatus, ItemType, Loan, Reader, ReaderType, Title
from core.search import CatalogueSearch, MatchKind, SearchResult, ShelfSpot

CAOFANGZI_ISBN = make_isbn13("978753465490")
SANTI_ISBN = make_isbn13("978753666929")

# title, author, isbn, subjects, series, summary, copies as (status, item_type, call number, location)
A = ItemStatus.AVAILABLE
ON_LOAN = ItemStatus.ON_LOAN
CATALOGUE: list[tuple[str, str, str | None, str, str, str, list[tuple[ItemStatus, ItemType, str, str]]]] = [
    ("草房子", "曹文轩 著", CAOFANGZI_ISBN, "成长 小说", "曹文轩纯美小说系列", "油麻地小学里桑桑的六年时光",
     [(A, ItemType.GENERAL, "I287.45/C21", "二楼童书区A3"),
      (A, ItemType.GENERAL, "I287.45/C21", "二楼童书区A3"),
      (ON_LOAN, ItemType.GENERAL, "I287.45/C21", "二楼童书区A3"),
      (A, ItemType.REFERENCE, "I287.45/C21", "阅览室")]),
    ("草房子的故事", "王小文", None, "", "", "", [(A, ItemType.GENERAL, "I287/W1", "三楼")]),
    ("青铜葵花", "曹文轩", None, "成长", "", "青铜和葵花的兄妹情", [(A, ItemType.GENERAL, "I287.45/C22", "二楼")]),
    ("城南旧事", "林海音", None, "成长 散文", "", "英子眼中的老北京",
     [(ON_LOAN, ItemType.GENERAL, "I266/L1", "二楼"), (ON_LOAN, ItemType.GENERAL, "I266/L1", "二楼")]),
    ("哈利·波特与魔法石", "[英]J.K.罗琳 著；苏农 译", None, "魔幻", "哈利·波特", "哈利进入霍格沃茨魔法学校",
     [(A, ItemType.GENERAL, "I561.84/L1", "三楼外国文学")]),
    ("哈利·波特与密室", "[英]J.K.罗琳 著", None, "魔幻", "哈利·波特", "", []),
    ("长袜子皮皮", "[瑞典]林格伦 著", None, "童话", "", "力大无穷的小女孩", []),
    ("重返狼群", "李微漪", None, "动物", "", "一只小狼回归草原", []),
    ("三体", "刘慈欣", SANTI_ISBN, "科幻 小说", "地球往事三部曲", "文化大革命中的一次秘密军事工程", []),
    ("现代汉语词典", "中国社会科学院语言研究所", None, "工具书", "", "",
     [(A, ItemType.REFERENCE, "H164/Z1", "阅览室"), (A, ItemType.REFERENCE, "H164/Z1", "阅览室")]),
    ("恐龙百科", "张三", None, "科普 恐龙", "", "", [(ItemStatus.LOST, ItemType.GENERAL, "Q915/Z1", "二楼"),
                                             (ItemStatus.WITHDRAWN, ItemType.GENERAL, "Q915/Z1", "二楼")]),
]


def _isbn10(isbn13: str) -> str:
    """The ISBN-10 spelling of a 978 ISBN, hyphenated like a book's back cover."""
    body = isbn13[3:12]
    check = (11 - sum((10 - i) * int(d) for i, d in enumerate(body)) % 11) % 11
    digits = body + ("X" if check == 10 else str(check))
    return f"{digits[0]}-{digits[1:5]}-{digits[5:9]}-{digits[9]}"


def _hyphenated(isbn13: str) -> str:
    return f"{isbn13[:3]}-{isbn13[3]}-{isbn13[4:8]}-{isbn13[8:12]}-{isbn13[12]}"


def _add_title(session, library: Library, title: str, author: str = "", **fields: object) -> Title:
    row = Title(title=title, author=author, created_at=library.now(), **fields)
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def catalogue(library: Library) -> dict[str, int]:
    """The small catalogue above, with open loans due on the 25th and 20th, and a closed one."""
    ids: dict[str, int] = {}
    with library.session_factory() as session:
        reader = Reader(card_no="S0001", name="小明", reader_type=ReaderType.STUDENT, created_at=library.now())
        session.add(reader)
        barcode = 0
        loaned: list[Item] = []
        for title, author, isbn, subjects, series, summary, copies in CATALOGUE:
            row = _add_title(session, library, title, author, isbn=isbn, subjects=subjects, series=series,
                             summary=summary, publisher="测试出版社", min_grade=3, max_grade=6)
            ids[title] = row.id
            for status, item_type, call_number, location in copies:
                barcode += 1
                item = Item(barcode=f"B{barcode:05d}", title_id=row.id, call_number=call_number,
                            location=location, item_type=item_type, status=status, created_at=library.now())
                session.add(item)
                if status == ON_LOAN:
                    loaned.append(item)
        session.flush()
        dues = [date(2026, 11, 25), date(2026, 12, 1), date(2026, 11, 20)]
        for item, due in zip(loaned, dues, strict=True):
            session.add(Loan(item_id=item.id, reader_id=reader.id, loaned_at=library.now(), due_date=due))
        # A returned loan with an earlier due date must not count as "comes back soonest".
        session.add(Loan(item_id=loaned[1].id, reader_id=reader.id,
                         loaned_at=library.now() - timedelta(days=40), due_date=date(2026, 10, 1),
                         returned_at=library.now() - timedelta(days=30), is_open=False))
        bump_catalogue_version(session)
        session.commit()
    return ids


@pytest.fixture
def search(library: Library, catalogue: dict[str, int]) -> CatalogueSearch:
    return CatalogueSearch(library.session_factory, recheck_seconds=0, background=False)


@pytest.mark.parametrize(("query", "first", "kind"), [
    ("草房子", "草房子", MatchKind.EXACT_TITLE),
    ("《草房子》", "草房子", MatchKind.EXACT_TITLE),
    ("哈利波特", "哈利·波特与魔法石", MatchKind.TITLE_PREFIX),
    ("哈利·波特", "哈利·波特与魔法石", MatchKind.TITLE_PREFIX),
    ("魔法石", "哈利·波特与魔法石", MatchKind.TITLE_CONTAINS),
    ("哈利波特與魔法石", "哈利·波特与魔法石", MatchKind.EXACT_TITLE),
    ("林海音", "城南旧事", MatchKind.AUTHOR),
    ("罗琳", "哈利·波特与魔法石", MatchKind.AUTHOR),
    ("J.K.罗琳", "哈利·波特与魔法石", MatchKind.AUTHOR),
    (CAOFANGZI_ISBN, "草房子", MatchKind.ISBN),
    (_hyphenated(CAOFANGZI_ISBN), "草房子", MatchKind.ISBN),
    (_isbn10(SANTI_ISBN), "三体", MatchKind.ISBN),
    (_isbn10(SANTI_ISBN).replace("-", ""), "三体", MatchKind.ISBN),
    ("ISBN " + _hyphenated(SANTI_ISBN), "三体", MatchKind.ISBN),
    ("caofangzi", "草房子", MatchKind.PINYIN),
    ("cao fang zi", "草房子", MatchKind.PINYIN),
    ("CaoFangZi", "草房子", MatchKind.PINYIN),
    ("cfz", "草房子", MatchKind.PINYIN),
    ("chengnanjiushi", "城南旧事", MatchKind.PINYIN),
    ("changwazipipi", "长袜子皮皮", MatchKind.PINYIN),
    ("zhangwazipipi", "长袜子皮皮", MatchKind.PINYIN),
    ("chongfanlangqun", "重返狼群", MatchKind.PINYIN),
    ("zhongfanlangqun", "重返狼群", MatchKind.PINYIN),
    ("haliboteyumofashi", "哈利·波特与魔法石", MatchKind.PINYIN),
    ("linhaiyin", "城南旧事", MatchKind.PINYIN),
    ("科幻", "三体", MatchKind.KEYWORD),
    ("地球往事", "三体", MatchKind.KEYWORD),
    ("霍格沃茨", "哈利·波特与魔法石", MatchKind.KEYWORD),
    ("曹文轩 草房子", "草房子", MatchKind.KEYWORD),
    ("草方子", "草房子", MatchKind.FUZZY),
    ("城南旧是", "城南旧事", MatchKind.FUZZY),
    ("城旧南事", "城南旧事", MatchKind.FUZZY),
    ("哈里波特", "哈利·波特与魔法石", MatchKind.FUZZY),
    ("caofangzhi", "草房子", MatchKind.FUZZY),
])
def test_each_kind_of_query_finds_the_title(search: CatalogueSearch, query: str, first: str,
                                            kind: MatchKind) -> None:
    result = search.search(query)
    assert result.hits, f"nothing found for {query!r}"
    assert (result.hits[0].title, result.hits[0].match) == (first, kind)


@pytest.mark.parametrize(("query", "titles"), [
    ("曹文轩", {"草房子", "青铜葵花"}),
    ("[英]J.K.罗琳", {"哈利·波特与魔法石", "哈利·波特与密室"}),
])
def test_author_search_returns_that_authors_books(search: CatalogueSearch, query: str, titles: set[str]) -> None:
    result = search.search(query)
    assert {h.title for h in result.hits} == titles
    assert result.total == len(titles)
    assert all(h.match == MatchKind.AUTHOR for h in result.hits)


@pytest.mark.parametrize(("query", "order"), [
    ("草房子", ["草房子", "草房子的故事"]),  # exact title before a longer title that starts with it
    ("曹文轩 草房子", ["草房子"]),
])
def test_ranking_puts_the_closest_title_first(search: CatalogueSearch, query: str, order: list[str]) -> None:
    assert [h.title for h in search.search(query).hits] == order


def test_hit_says_how_many_copies_are_on_the_shelf_and_where(search: CatalogueSearch) -> None:
    hit = search.search("草房子").hits[0]
    assert (hit.author, hit.publisher, hit.isbn, hit.min_grade, hit.max_grade) == (
        "曹文轩 著", "测试出版社", CAOFANGZI_ISBN, 3, 6)
    assert hit.summary == "油麻地小学里桑桑的六年时光"
    assert (hit.on_shelf, hit.available_to_borrow, hit.loanable_total, hit.copies_total) == (3, 2, 3, 4)
    assert hit.spots == (ShelfSpot("I287.45/C21", "二楼童书区A3", 2, True),
                         ShelfSpot("I287.45/C21", "阅览室", 1, False))
    assert hit.next_due == date(2026, 11, 25)
    assert not hit.reference_only


def test_title_with_every_copy_out_says_when_the_first_comes_back(search: CatalogueSearch) -> None:
    hit = search.search("城南旧事").hits[0]
    assert (hit.on_shelf, hit.available_to_borrow, hit.loanable_total) == (0, 0, 2)
    assert hit.spots == ()
    assert hit.next_due == date(2026, 11, 20)  # the closed loan due in October is ignored


@pytest.mark.parametrize(("query", "reference_only", "copies_total", "on_shelf"), [
    ("现代汉语词典", True, 2, 2),
    ("恐龙百科", False, 0, 0),  # lost and withdrawn copies are not copies any more
    ("长袜子皮皮", False, 0, 0),  # catalogued, no copies yet
])
def test_reference_only_and_copyless_titles(search: CatalogueSearch, query: str, reference_only: bool,
                                            copies_total: int, on_shelf: int) -> None:
    hit = search.search(query).hits[0]
    assert (hit.reference_only, hit.copies_total, hit.on_shelf, hit.available_to_borrow) == (
        reference_only, copies_total, on_shelf, 0)
    assert hit.next_due is None


@pytest.mark.parametrize(("query", "suggestion"), [
    ("草方子", "草房子"),
    ("曹文宣", "曹文轩"),
    ("青铜葵化了", "青铜葵花"),
])
def test_close_spellings_are_suggested(search: CatalogueSearch, query: str, suggestion: str) -> None:
    result = search.search(query)
    assert suggestion in result.suggestions
    assert not result.matched_well


def test_no_match_gives_no_hits_and_no_crash(search: CatalogueSearch) -> None:
    result = search.search("量子力学导论")
    assert result == SearchResult(hits=[], suggestions=[], total=0)


@pytest.mark.parametrize("query", [
    "", "   ", "\n\t", "x" * 10_000, "草" * 5_000, "📚😀", "《》", "!!!", "'; DROP TABLE titles; --",
    "%", "_", "\x00", "123", "9787000000000", "a", "ü",
])
def test_odd_queries_do_not_crash(search: CatalogueSearch, query: str) -> None:
    result = search.search(query)
    assert result.total >= len(result.hits)


def test_limit_caps_hits_but_total_counts_every_match(search: CatalogueSearch) -> None:
    result = search.search("哈利波特", limit=1)
    assert len(result.hits) == 1
    assert result.total == 2


def test_good_match_has_no_suggestions(search: CatalogueSearch) -> None:
    result = search.search("草房子")
    assert result.matched_well
    assert result.suggestions == []


def test_index_follows_catalogue_version(library: Library, search: CatalogueSearch) -> None:
    assert search.search("小王子").hits == []
    with library.session_factory() as session:
        _add_title(session, library, "小王子", "[法]圣埃克苏佩里 著")
        session.commit()
    assert search.search("小王子").hits == [], "no version bump yet: the index is unchanged"
    with library.session_factory() as session:
        bump_catalogue_version(session)
        session.commit()
    assert [h.title for h in search.search("小王子").hits] == ["小王子"]
    assert [h.title for h in search.search("圣埃克苏佩里").hits] == ["小王子"]


def test_refresh_rebuilds_at_once(library: Library, search: CatalogueSearch) -> None:
    search.search("草房子")
    with library.session_factory() as session:
        _add_title(session, library, "窗边的小豆豆", "[日]黑柳彻子 著")
        session.commit()
    search.refresh()
    assert search.search("chuangbiandexiaodoudou").hits[0].title == "窗边的小豆豆"


def test_background_rebuild_swaps_the_new_index_in(library: Library, catalogue: dict[str, int]) -> None:
    search = CatalogueSearch(library.session_factory, recheck_seconds=0, background=True)
    first_version = search.search("草房子") and search.version
    with library.session_factory() as session:
        _add_title(session, library, "狼王梦", "沈石溪")
        bump_catalogue_version(session)
        session.commit()
    search.search("狼王梦")  # notices the new version and starts the rebuild
    assert search.wait_idle(timeout=30)
    assert search.version == first_version + 1
    assert search.search("狼王梦").hits[0].title == "狼王梦"


def test_version_is_read_at_most_once_per_recheck_interval(library: Library,
                                                          catalogue: dict[str, int]) -> None:
    now = [100.0]
    search = CatalogueSearch(library.session_factory, recheck_seconds=5, background=False,
                             monotonic=lambda: now[0])
    search.search("草房子")
    with library.session_factory() as session:
        _add_title(session, library, "狼王梦", "沈石溪")
        bump_catalogue_version(session)
        session.commit()
    assert search.search("狼王梦").hits == []
    now[0] += 6
    assert search.search("狼王梦").hits[0].title == "狼王梦"


def test_on_the_event_loop_search_never_waits_for_the_first_build(library: Library) -> None:
    # memory_only() is how the router answers on the event loop: a search that would wait for the
    # index build (held here by "another thread") or read the database gives up at once instead.
    from core.db import WouldBlock, memory_only

    search = CatalogueSearch(library.session_factory, recheck_seconds=0, background=False)
    search._build_lock.acquire()
    try:
        with memory_only(), pytest.raises(WouldBlock):
            search.search("草房子")
    finally:
        search._build_lock.release()
    assert search.search("草房子").hits == []  # and works normally off the event loop
