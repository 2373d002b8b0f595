"""查书: top titles with copies on the shelf, 索书号 and location, and when the next copy returns."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.paging import MORE_HINT, more_after, offset
from bot.handlers.texts import day
from core.search import SearchResult, TitleHit

routes = Routes("search")
MAX_CHARS = 600
PAGE = 5  # titles per reply


def hit_lines(position: int, hit: TitleHit) -> list[str]:
    """Two short lines per title: name and author, then where it is or when it comes back."""
    head = f"{position}.《{hit.title}》{hit.author}"
    if hit.reference_only:
        spot = hit.spots[0] if hit.spots else None
        where = f"（{spot.call_number}，{spot.location}）" if spot else ""
        return [head, f"   工具书，只在阅览室看，不外借{where}"]
    if hit.available_to_borrow > 0 and hit.spots:
        spot = next((s for s in hit.spots if s.for_loan), hit.spots[0])
        return [head, f"   在架{hit.available_to_borrow}本 · 索书号{spot.call_number} · {spot.location}"]
    if hit.loanable_total == 0:
        return [head, "   暂时没有可借的复本"]
    when = f"，最早{day(hit.next_due)}还回" if hit.next_due else ""
    return [head, f"   全部借出{when}，可发送“预约 {hit.title}”"]


def render(query: str, result: SearchResult) -> str:
    """The search reply, kept under one WeChat message."""
    return render_page(query, result, 0)[0]


def render_page(query: str, result: SearchResult, start: int) -> tuple[str, int]:
    """The reply showing the hits after the first `start`, and how many it shows (fits one message)."""
    if not result.matched_well:
        close = result.suggestions or [h.title for h in result.hits]
        if close:
            names = "、".join(f"《{t}》" for t in close[:3])
            return f"没有找到“{query}”。您是不是要找：{names}？\n直接发送书名就能查。", 0
        return f"没有找到“{query}”。换个关键词试试，比如作者名或书名里的几个字。", 0
    hits = result.hits[start:]
    if not hits:
        return f"“{query}”的结果都在上面了，没有更多了。换个关键词再查吧。", 0
    tail = "想借的书全部借出时，可以发送“预约 书名”。"
    shown: list[str] = []
    count = 0
    for position, hit in enumerate(hits, start + 1):
        more = hit_lines(position, hit)
        if count and len("\n".join(shown + more + [tail, MORE_HINT])) > MAX_CHARS:
            break
        shown += more
        count += 1
    end = start + count
    if start:
        head = f"“{query}”的第{start + 1}–{end}本（共{result.total}本）："
    elif result.total > count:
        head = f"找到{result.total}本，前{count}本："
    else:
        head = f"找到{result.total}本："
    return "\n".join([head] + shown + [tail]), count


@routes.on("search")
def search(ctx: Context) -> str:
    """Search the catalogue; anyone may search, bound or not. 更多 shows the next page."""
    query = (ctx.slots.get("query") or "").strip()
    if not query:
        return "想找哪本书？请发送“查 书名”或作者，比如：查 草房子、曹文轩的书。"
    start = offset(ctx)
    result = ctx.search.search(query, limit=start + PAGE)
    text, count = render_page(query, result, start)
    if count and start + count < result.total:
        more_after(ctx, count)
        text += "\n" + MORE_HINT
    return text
