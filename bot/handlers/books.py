"""新书、推荐 (by grade and topic, with one-line introductions), 排行."""
from __future__ import annotations

from collections.abc import Callable

from bot.handlers.base import Context, Routes
from bot.handlers.paging import MORE_HINT, more_after, offset
from core import queries
from core.models import ReaderType
from core.queries import BookView

routes = Routes("books")
GRADES = "一二三四五六七八九"
PAGE = 5  # books per reply


def _grades(book: BookView) -> str:
    if book.min_grade and book.max_grade:
        return f"（{GRADES[book.min_grade - 1]}至{GRADES[book.max_grade - 1]}年级）"
    return ""


def _book_lines(books: list[BookView], start: int = 0) -> list[str]:
    lines = []
    for i, b in enumerate(books, start + 1):
        summary = b.summary[:40].rstrip("。.！!；;，, ")
        intro = f"：{summary}" if summary else ""
        if not b.lendable:
            shelf = "（工具书，在图书室阅览，不外借）"
        else:
            shelf = "（在架）" if b.on_shelf else "（已借出，可预约）"
        lines.append(f"{i}.《{b.title}》{b.author}{_grades(b)}{intro}{shelf}")
    return lines


def _for_whom(ctx: Context) -> str:
    grade, topic = ctx.slots.get("grade"), ctx.slots.get("topic")
    return (f"适合{GRADES[grade - 1]}年级的" if grade else "") + (f"{topic}" if topic else "")


def _asks_as(ctx: Context) -> ReaderType:
    """Whose borrowing rules pick the books: a teacher's own card, else a pupil's (parents, strangers)."""
    reader = ctx.identity.reader if ctx.identity is not None else None
    return ReaderType(reader.reader_type) if reader is not None else ReaderType.STUDENT


def _page(ctx: Context, fetch: Callable[..., list[BookView]]) -> tuple[list[BookView], int, bool]:
    """This page's books (after those already shown), where it starts, and whether more follow."""
    start = offset(ctx)
    books = fetch(ctx.library, grade=ctx.slots.get("grade"), topic=ctx.slots.get("topic"), limit=start + PAGE + 1,
                  reader_type=_asks_as(ctx))
    page = books[start:start + PAGE]
    more = len(books) > start + PAGE
    if more:
        more_after(ctx, len(page))
    return page, start, more


@routes.on("new_books")
def new_books(ctx: Context) -> str:
    """Titles added in the last 30 days, filtered by grade/topic when asked; 更多 shows the next page."""
    books, start, more = _page(ctx, queries.new_books)
    if not books:
        if start:
            return "最近到馆的新书都在上面了，没有更多了。发送“推荐”看看馆里的好书吧。"
        return "最近一个月没有符合的新书。发送“推荐”看看馆里的好书吧。"
    head = f"最近到馆的{_for_whom(ctx)}新书" + (f"（第{start + 1}–{start + len(books)}本）：" if start else "：")
    tail = [MORE_HINT] if more else []
    return "\n".join([head] + _book_lines(books, start) + ["想借请发送“查 书名”看在哪个书架。"] + tail)


@routes.on("recommend")
def recommend(ctx: Context) -> str:
    """Books with an introduction that suit the grade and topic asked for; 更多 shows the next page."""
    books, start, more = _page(ctx, queries.recommend)
    if not books:
        if start:
            return "合适的书都推荐完了，没有更多了。换个年级或主题试试，比如：推荐适合三年级的科普书。"
        return "暂时没有合适的推荐。换个年级或主题试试，比如：推荐适合三年级的科普书。"
    head = f"推荐{_for_whom(ctx) or '几本好书'}" + (f"（第{start + 1}–{start + len(books)}本）：" if start else "：")
    tail = [MORE_HINT] if more else []
    return "\n".join([head] + _book_lines(books, start)
                     + ["发送“查 书名”看在哪个书架，借完了可以预约。"] + tail)


@routes.on("ranking")
def ranking(ctx: Context) -> str:
    """This term's most borrowed titles and most reading classes: counts only, never a reader's name.

    Names stay out even for 阅读之星 (the parser maps it here): the reply reaches parents and
    other classes, and a child's reading is their own. A class teacher also sees their class's place.
    """
    since = queries.term_start(ctx.library)
    titles = queries.top_titles(ctx.library, since=since)
    classes = queries.top_classes(ctx.library, since=since, grade=ctx.slots.get("grade"))
    if not titles and not classes:
        return "本学期还没有借阅记录，快来借第一本吧！"
    lines = ["本学期借阅排行："] + [f"{i}.《{r.name}》{r.count}次" for i, r in enumerate(titles, 1)]
    if classes:
        lines += ["借书最多的班级："] + [f"{i}.{r.name} {r.count}本" for i, r in enumerate(classes, 1)]
    own = ctx.identity.class_teacher_of if ctx.identity is not None else None
    if own is not None and (standing := queries.class_standing(ctx.library, since=since, class_id=own[0])):
        place, ranked = standing
        lines.append(f"您的{ranked.name}本学期借了{ranked.count}本，全校第{place}。")
    lines.append("为保护同学隐私，排行只统计书和班级，不公布个人名单。")
    return "\n".join(lines)
