"""预约 / 取消预约: queue for a title that is all out; cancel by title, position or all."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.people import not_bound_reply, people
from bot.handlers.texts import day, refusal
from core import queries
from core.accounts import Person
from core.circulation import CancelReservation, PlaceReservation, cancel_reservation, place_reservation
from core.errors import Refused

routes = Routes("reserve")


def _place(ctx: Context, reader_id: int, title_id: int, who: str = "") -> str:
    try:
        placed = place_reservation(ctx.library, PlaceReservation(reader_id, title_id, actor=ctx.message.user_id))
    except Refused as exc:
        return f"没能预约：{refusal(exc)}。"
    when = f"，最早{day(placed.earliest_due)}还回" if placed.earliest_due else ""
    if who:
        return f"已为{who}预约《{placed.title}》，排第{placed.position}位{when}。书到了会通知您来取。"
    return f"已预约《{placed.title}》，您排第{placed.position}位{when}。书到了会通知您来取。"


def _for_whom(ctx: Context, title_id: int, holders: list[Person]) -> str:
    """Place it on the only card, or ask which child (numbered; "1" / "第二个" answers)."""
    if len(holders) == 1:
        own = ctx.identity is not None and ctx.identity.reader is not None
        return _place(ctx, holders[0].reader_id, title_id, "" if own else holders[0].name)
    ctx.ask("reserve_for", tuple(p.reader_id for p in holders), title_id=title_id)
    names = "\n".join(f"{i}.{p.name}" + (f"（{p.class_name}）" if p.class_name else "")
                      for i, p in enumerate(holders, 1))
    return f"给谁预约？\n{names}\n请回复序号，比如“1”。"


@routes.on("reserve")
def reserve(ctx: Context) -> str:
    """Reserve the title the message names; with several cards (children) ask whose."""
    holders = people(ctx)
    if not holders:
        return not_bound_reply(ctx)
    query = ctx.slots.get("query")
    if not query:
        ctx.ask("reserve_title")  # the next message may be just the title (bot/handlers/followups.py)
        return "想预约哪本书？直接回复书名就行，比如：三体。"
    hits = ctx.search.search(query, limit=3).hits
    exact = [h for h in hits if h.title == query]
    if exact or len(hits) == 1:
        return _for_whom(ctx, (exact or hits)[0].id, holders)
    if not hits:
        return f"没有找到“{query}”，请核对书名后再试。"
    ctx.ask("reserve", tuple(h.id for h in hits))
    return "预约哪一本？\n" + "\n".join(f"{i}.《{h.title}》{h.author}" for i, h in enumerate(hits, 1)) \
        + "\n请回复序号。"


def _one_choice(ctx: Context) -> int | None:
    """The single 1-based position answered, if it is one of the options shown."""
    assert ctx.pending is not None
    indexes = ctx.slots.get("indexes") or []
    if len(indexes) != 1 or not 1 <= indexes[0] <= len(ctx.pending.options):
        return None
    return ctx.pending.options[indexes[0] - 1]


@routes.resume("reserve")
def reserve_answer(ctx: Context) -> str | None:
    """The answer to "预约哪一本？"; then whose card, when there are several."""
    title_id = _one_choice(ctx)
    holders = people(ctx)
    if title_id is None or not holders:
        return "好的，先不预约。需要时发送“预约 书名”。"
    return _for_whom(ctx, title_id, holders)


@routes.resume("reserve_for")
def reserve_for_answer(ctx: Context) -> str | None:
    """The answer to "给谁预约？": a child (or own card) still among the user's people."""
    assert ctx.pending is not None
    reader_id = _one_choice(ctx)
    if reader_id is None or reader_id not in {p.reader_id for p in people(ctx)}:
        return "好的，先不预约。需要时发送“预约 书名”。"
    names = {p.reader_id: p.name for p in people(ctx)}
    return _place(ctx, reader_id, int(ctx.pending.data["title_id"]), names[reader_id])


@routes.on("cancel_reservation")
def cancel(ctx: Context) -> str:
    """Cancel by title, by position in 我的预约, or all; ask when unclear."""
    if ctx.identity is None or ctx.identity.reader is None and not ctx.identity.children:
        return not_bound_reply(ctx)
    holders = ([ctx.identity.reader] if ctx.identity.reader else []) + list(ctx.identity.children)
    mine = [(p.reader_id, r) for p in holders for r in queries.reservations(ctx.library, p.reader_id)]
    if not mine:
        return "现在没有预约，不用取消。"
    query = ctx.slots.get("query")
    chosen = mine if ctx.slots.get("all") else [m for m in mine if query and query in m[1].title]
    indexes = ctx.slots.get("indexes") or []
    if indexes:
        chosen = [mine[i - 1] for i in indexes if 1 <= i <= len(mine)]
    if not chosen:
        ctx.ask("cancel_reservation", tuple(r.reservation_id for _, r in mine))
        return "取消哪一个预约？\n" + "\n".join(f"{i}.《{r.title}》" for i, (_, r) in enumerate(mine, 1)) \
            + "\n请回复序号，回复“全部”都取消。"
    return _cancel_each(ctx, chosen)


def _cancel_each(ctx: Context, chosen: list[tuple[int, queries.ReservationView]]) -> str:
    lines = []
    for reader_id, r in chosen:
        try:
            cancel_reservation(ctx.library, CancelReservation(reader_id, r.reservation_id, actor=ctx.message.user_id))
            lines.append(f"已取消《{r.title}》的预约。")
        except Refused as exc:
            lines.append(f"《{r.title}》没能取消：{refusal(exc)}。")
    return "\n".join(lines)


@routes.resume("cancel_reservation")
def cancel_answer(ctx: Context) -> str | None:
    assert ctx.pending is not None and ctx.identity is not None
    holders = ([ctx.identity.reader] if ctx.identity.reader else []) + list(ctx.identity.children)
    by_id = {r.reservation_id: (p.reader_id, r) for p in holders for r in queries.reservations(ctx.library, p.reader_id)}
    shown = [by_id[i] for i in ctx.pending.options if i in by_id]
    if ctx.slots.get("all"):
        return _cancel_each(ctx, shown)
    indexes = ctx.slots.get("indexes") or []
    chosen = [shown[i - 1] for i in indexes if 1 <= i <= len(shown)]
    if chosen:
        return _cancel_each(ctx, chosen)
    if indexes:  # "第二个" when the list had one: ask again rather than pretend it was a no
        ctx.ask("cancel_reservation", ctx.pending.options)
        return f"列表里只有{len(shown)}个预约，请回复1到{len(shown)}之间的序号，或回复“全部”。"
    return "好的，预约都保留着。"
