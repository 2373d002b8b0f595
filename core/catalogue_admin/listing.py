"""Lists of titles for the catalogue pages: search results (the bot's index) and 中图法 browsing."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.circulation.lookups import normalise_barcode
from core.clc import TOP_CLASSES, child_key, class_name
from core.library import Library
from core.models import Item, ItemStatus, Title
from core.search import CatalogueSearch

PAGE_SIZE = 50
# How long a search waits for the index to take in a change (a rebuild takes ~0.5 s at 2,000 titles,
# ~10 s at 50,000); past it, the page answers from the previous index and says so.
CATCH_UP_SECONDS = 3.0
MAX_SEARCH_PAGES = 10  # the index ranks; past 500 hits the query needs narrowing, not paging
_GONE = (ItemStatus.LOST, ItemStatus.WITHDRAWN)


@dataclass(frozen=True)
class TitleLine:
    """One title in a list: copies count lost and withdrawn out; `on_shelf` is copies in 在架."""

    id: int
    title: str
    author: str
    publisher: str
    isbn: str | None
    clc: str
    year: int | None
    min_grade: int | None
    max_grade: int | None
    subjects: str
    copies: int
    on_shelf: int


@dataclass(frozen=True)
class SearchPage:
    """Search results, `page` (1-based) of `pages`; `barcode_title` is the title whose copy has the typed
    barcode, when the query is one."""

    query: str
    lines: list[TitleLine]
    total: int
    page: int
    pages: int
    suggestions: list[str]
    barcode_title: TitleLine | None
    stale: bool = False  # the index was still taking in a recent change: new titles may be missing


@dataclass(frozen=True)
class ClassCount:
    """A 中图法 class (or deeper prefix) and how many titles it holds."""

    prefix: str
    name: str
    titles: int


@dataclass(frozen=True)
class BrowsePage:
    """Titles under a 中图法 prefix ('' = the top classes only), the next level's prefixes, one page."""

    prefix: str
    name: str
    children: list[ClassCount]
    lines: list[TitleLine]
    total: int
    page: int
    pages: int
    unclassified: int  # titles without a class number (only counted on the top page)


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


_COLUMNS = (Title.id, Title.title, Title.author, Title.publisher, Title.isbn, Title.clc, Title.year,
            Title.min_grade, Title.max_grade, Title.subjects)


def _lines(session: Session, title_ids: list[int]) -> dict[int, TitleLine]:
    """The list fields of some titles, with copy counts, in two queries."""
    if not title_ids:
        return {}
    counts = {tid: (copies, shelf) for tid, copies, shelf in session.execute(
        select(Item.title_id, func.count(),
               func.coalesce(func.sum(case((Item.status == ItemStatus.AVAILABLE, 1), else_=0)), 0))
        .where(Item.title_id.in_(title_ids), Item.status.not_in(_GONE)).group_by(Item.title_id))}
    out: dict[int, TitleLine] = {}
    for row in session.execute(select(*_COLUMNS).where(Title.id.in_(title_ids))):
        copies, shelf = counts.get(row.id, (0, 0))
        out[row.id] = TitleLine(row.id, row.title, row.author or "", row.publisher or "", row.isbn, row.clc or "",
                                row.year, row.min_grade, row.max_grade, row.subjects or "", int(copies), int(shelf))
    return out


def search_titles(library: Library, search: CatalogueSearch, query: str, page: int = 1) -> SearchPage:
    """Search with the bot's index (title, author, ISBN, pinyin, close spellings), `PAGE_SIZE` a page.

    The index is first brought up to the catalogue's current version (CatalogueSearch.catch_up, waiting
    at most CATCH_UP_SECONDS), so a title added a moment ago is found; `stale` says when the wait was not
    enough. Blocking: call in a worker thread.
    """
    query = query.strip()[:100]
    page = max(1, min(page, MAX_SEARCH_PAGES))
    fresh = search.catch_up(CATCH_UP_SECONDS)
    result = search.search(query, limit=page * PAGE_SIZE)
    page = min(page, _pages(len(result.hits)))  # past the last page: the last (all hits are at hand then)
    ids = [hit.id for hit in result.hits][(page - 1) * PAGE_SIZE:]
    with library.read_uow() as uow:
        lines = _lines(uow.session, ids)
        barcode_title = _title_of_barcode(uow.session, query)
    total = min(result.total, MAX_SEARCH_PAGES * PAGE_SIZE)
    return SearchPage(query, [lines[i] for i in ids if i in lines], result.total, page, _pages(total),
                      list(result.suggestions), barcode_title, not fresh)


def _title_of_barcode(session: Session, query: str) -> TitleLine | None:
    barcode = normalise_barcode(query)
    if not barcode or len(barcode) > 40 or " " in barcode:
        return None
    title_id = session.scalar(select(Item.title_id).where(Item.barcode == barcode))
    return None if title_id is None else _lines(session, [title_id]).get(title_id)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def browse(library: Library, prefix: str = "", page: int = 1) -> BrowsePage:
    """The top classes with their counts (prefix ''), or one prefix: its next level and its titles by
    class number then title, `PAGE_SIZE` a page (page beyond the last shows the last)."""
    with library.read_uow() as uow:
        session = uow.session
        if not prefix:
            counts: dict[str, int] = {}
            # By whole class number (a school has a few thousand), summed here: one plain GROUP BY on
            # every database, where grouping by an expression differs between SQLite and PostgreSQL.
            for clc, n in session.execute(select(Title.clc, func.count()).group_by(Title.clc)):
                first = (clc or "")[:1].upper()
                counts[first] = counts.get(first, 0) + int(n)
            children = [ClassCount(letter, name, counts.get(letter, 0)) for letter, name in TOP_CLASSES.items()]
            unclassified = sum(n for letter, n in counts.items() if letter not in TOP_CLASSES)
            return BrowsePage("", "", children, [], 0, 1, 1, unclassified)
        under = Title.clc.like(_escaped(prefix) + "%", escape="\\")
        deeper: dict[str, int] = {}
        for clc, n in session.execute(select(Title.clc, func.count()).where(under).group_by(Title.clc)):
            key = child_key(prefix, clc)
            if key != prefix:
                deeper[key] = deeper.get(key, 0) + int(n)
        total = session.scalar(select(func.count()).select_from(Title).where(under)) or 0
        pages = _pages(total)
        page = max(1, min(page, pages))
        ids = list(session.scalars(select(Title.id).where(under).order_by(Title.clc, Title.title, Title.id)
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
        lines = _lines(session, ids)
    children = [ClassCount(key, class_name(key), n) for key, n in sorted(deeper.items())]
    return BrowsePage(prefix, class_name(prefix), children, [lines[i] for i in ids if i in lines], total, page,
                      pages, 0)
