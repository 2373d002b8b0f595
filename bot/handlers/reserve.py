"""预约 / 取消预约: queue for a title that is all out; cancel by title, position or all."""
from __future__ import annotations

import re

from bot.handlers.base import Context, Routes
from bot.handlers.people import is_parent_view, not_bound_reply, people, renewable
from bot.handlers.texts import day, refusal
from core import queries
from core.accounts import Person
from core.circulation import CancelReservation, PlaceReservation, cancel_reservation, place_reservation
from core.errors import Reason, Refused
from core.search import TitleHit
from core.search.editions import by_author, edition_after, is_edition, split_edition

routes = Routes("reserve")


def _place(ctx: Context, reader_id: int, title_id: int, who: str = "") -> str:
    try:
        placed = place_reservation(ctx.library, PlaceReservation(reader_id, title_id, actor=ctx.message.user_id))
    except Refused as exc:
        if Reason.ALREADY_BORROWED in exc.reasons:
            return _already_holding(ctx, reader_id, title_id, who)
        return f"没能预约：{refusal(exc)}。"
    when = f"，最早{day(placed.earliest_due)}还回" if placed.earliest_due else ""
    if who:
        return f"已为{who}预约《{placed.title}》，排第{placed.position}位{when}。书到了会通知您来取。"
    return f"已预约《{placed.title}》，您排第{placed.position}位{when}。书到了会通知您来取。"


def _already_holding(ctx: Context, reader_id: int, title_id: int, who: str) -> str:
    """The reader holds a copy of this title: one answer from the loan's real state (no "架上就有")."""
    loan = next((x for x in queries.open_loans(ctx.library, reader_id) if x.title_id == title_id), None)
    holder = who or "您"
    if loan is None:  # returned meanwhile: nothing to contradict
        return "这本书刚还回来了，请再发一次“预约 书名”试试。"
    if loan.overdue_days > 0:
        return (f"《{loan.title}》{holder}正借着，已经逾期{loan.overdue_days}天了，不用预约。"
                "逾期的书不能续借，请尽快还到图书室；还了以后想再看可以再借。")
    hint = f"想多看几天可以发送“续借 {loan.title}”。" if renewable(ctx, reader_id, loan) else "请按时归还。"
    return f"《{loan.title}》{holder}正借着呢（{day(loan.due_date)}到期），不用预约。{hint}"


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
    stem, edition = split_edition(query)
    edition = edition or edition_after(ctx.text, stem)  # the parser may cut “（青少版）” off the slot
    if edition:
        return _reserve_edition(ctx, holders, stem, edition)
    hits = ctx.search.search(query, limit=3).hits
    exact = [h for h in hits if h.title == query]
    if exact or len(hits) == 1:
        return _for_whom(ctx, (exact or hits)[0].id, holders)
    if not hits:
        return _not_found(ctx, query)
    waiting = [h for h in hits if not h.available_to_borrow]
    if not waiting:  # every match is on the shelf: asking which one would only end in "不用预约"
        return "这几本架上都有，不用预约，直接来图书室借吧：\n" + "\n".join(
            f"《{h.title}》{h.author}（在架{h.available_to_borrow}本）" for h in hits)
    ctx.ask("reserve", tuple(h.id for h in waiting))
    shelf = [h for h in hits if h.available_to_borrow]
    also = ("\n（" + "、".join(f"《{h.title}》" for h in shelf) + "架上就有，直接来借就行。）") if shelf else ""
    return "预约哪一本？\n" + "\n".join(f"{i}.《{h.title}》{h.author}" for i, h in enumerate(waiting, 1)) \
        + "\n请回复序号。" + also


def _not_found(ctx: Context, query: str) -> str:
    """No title matches: the books of the message's other words, if any ("预约 笑猫日记 寻找黑骑士": the
    library has 笑猫日记's other volumes); never a guess from the request words themselves."""
    words = [w for w in re.split(r"[\s,，。!！?？、《》]+", ctx.text)
             if len(w) >= 2 and w not in query and not _REQUEST.search(w)]
    words = ([query.split()[0]] if " " in query else []) + words
    for word in words:
        others = ctx.search.search(word, limit=3).hits
        if others:
            names = "、".join(f"《{h.title}》" for h in others)
            return f"没有找到“{query}”。馆里有{names}，想要的话请发送“预约 书名”。"
    return f"没有找到“{query}”，请核对书名后再试。"


_REQUEST = re.compile(r"预约|预定|预订|约|帮|请|麻烦|一下|想|要|借|留")


def _reserve_edition(ctx: Context, holders: list[Person], stem: str, edition: str) -> str:
    """预约 西游记（青少版）: that edition, or a question among its books; never another title."""
    wanted = f"{stem}（{edition}）"
    found: dict[int, TitleHit] = {}
    for query in (wanted, stem):
        for hit in ctx.search.search(query, limit=10).hits:
            found.setdefault(hit.id, hit)
    exact = [h for h in found.values() if is_edition(h.title, stem, edition, exact=True)]
    chosen = exact or [h for h in found.values() if is_edition(h.title, stem, edition)] \
        or [h for h in found.values() if is_edition(h.title, stem, "", exact=True) and by_author(h.author, edition)]
    if len(chosen) == 1:
        return _for_whom(ctx, chosen[0].id, holders)
    if chosen:
        ctx.ask("reserve", tuple(h.id for h in chosen))
        return "预约哪一本？\n" + "\n".join(f"{i}.《{h.title}》{h.author}" for i, h in enumerate(chosen, 1)) \
            + "\n请回复序号。"
    others = "、".join(f"《{h.title}》" for h in list(found.values())[:3])
    hint = f"馆里有{others}，想要的话请发送“预约 书名”。" if others else "请核对书名后再试。"
    return f"没有找到《{wanted}》。{hint}"


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


Mine = list[tuple[Person, queries.ReservationView]]


def _mine(ctx: Context) -> Mine:
    """Every reservation the user may cancel: their own, then each child's."""
    return [(p, r) for p in people(ctx) for r in queries.reservations(ctx.library, p.reader_id)]


def _whose(ctx: Context, person: Person) -> str:
    """"陈思雨的" when the user speaks for children (every line names the child), else ""."""
    return f"{person.name}的" if is_parent_view(ctx) else ""


@routes.on("cancel_reservation")
def cancel(ctx: Context) -> str:
    """Cancel by title, by position in 我的预约, or all; ask when unclear or when a title is several children's."""
    if not people(ctx):
        return not_bound_reply(ctx)
    mine = _mine(ctx)
    if not mine:
        return "现在没有预约，不用取消。"
    query = ctx.slots.get("query")
    chosen = mine if ctx.slots.get("all") else [m for m in mine if query and query in m[1].title]
    indexes = ctx.slots.get("indexes") or []
    if indexes:
        chosen = [mine[i - 1] for i in indexes if 1 <= i <= len(mine)]
    if not chosen:
        return _ask_cancel(ctx, mine, "取消哪一个预约？")
    if query and not indexes and not ctx.slots.get("all") and len({p.reader_id for p, _ in chosen}) > 1:
        # 三体 reserved for both children: which child's is a choice the parent makes, not the bot.
        names = "和".join(dict.fromkeys(p.name for p, _ in chosen))
        return _ask_cancel(ctx, chosen, f"{names}都预约了《{query}》，取消谁的？", both="回复“都取消”全部取消。")
    return _cancel_each(ctx, chosen)


def _ask_cancel(ctx: Context, options: Mine, lead: str, both: str = "回复“全部”都取消。") -> str:
    ctx.ask("cancel_reservation", tuple(r.reservation_id for _, r in options),
            people=[p.reader_id for p, _ in options])
    lines = [f"{i}.{_whose(ctx, p)}《{r.title}》" for i, (p, r) in enumerate(options, 1)]
    name = "或孩子名字" if is_parent_view(ctx) else ""
    return "\n".join([lead, *lines, f"请回复序号{name}，{both}"])


def _cancel_each(ctx: Context, chosen: Mine) -> str:
    lines = []
    for person, r in chosen:
        who = _whose(ctx, person)
        try:
            cancel_reservation(ctx.library, CancelReservation(person.reader_id, r.reservation_id,
                                                              actor=ctx.message.user_id))
            lines.append(f"已取消{who}《{r.title}》的预约。")
        except Refused as exc:
            lines.append(f"{who}《{r.title}》没能取消：{refusal(exc)}。")
    return "\n".join(lines)


@routes.resume("cancel_reservation")
def cancel_answer(ctx: Context) -> str | None:
    """The answer to "取消哪一个预约？" / "取消谁的？": positions, a child's name (followups.py) or 全部."""
    assert ctx.pending is not None
    by_id = {r.reservation_id: (p, r) for p, r in _mine(ctx)}
    shown = [by_id[i] for i in ctx.pending.options if i in by_id]
    if ctx.slots.get("all"):
        return _cancel_each(ctx, shown)
    indexes = ctx.slots.get("indexes") or []
    chosen = [shown[i - 1] for i in indexes if 1 <= i <= len(shown)]
    if chosen:
        return _cancel_each(ctx, chosen)
    if indexes:  # "第二个" when the list had one: ask again rather than pretend it was a no
        ctx.ask("cancel_reservation", ctx.pending.options, **ctx.pending.data)
        return f"列表里只有{len(shown)}个预约，请回复1到{len(shown)}之间的序号，或回复“全部”。"
    return "好的，预约都保留着。"
