"""挂失: the card stops working at once, so the bot always asks first, naming whose card, and acts on 是."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.people import not_bound_reply, people
from bot.handlers.texts import refusal
from core.accounts import Person
from core.circulation import ReportCardLost, report_card_lost
from core.errors import Refused

routes = Routes("cards")


def _report(ctx: Context, person: Person) -> str:
    try:
        report_card_lost(ctx.library, ReportCardLost(person.card_no, actor=ctx.message.user_id))
    except Refused as exc:
        return f"没能挂失：{refusal(exc)}。"
    return (f"{person.name}的借阅证（{person.card_no}）已挂失，马上停止使用，别人捡到也借不了书；"
            "借阅记录和在借的书都保留着。\n下一步：请到图书室补办新证，补办后不用重新绑定，马上就能继续借书。")


@routes.on("report_lost_card")
def report_lost(ctx: Context) -> str:
    """Report the named (or only) card lost; otherwise a numbered question."""
    cards = people(ctx)
    if not cards:
        return not_bound_reply(ctx)
    # Only the user's own cards are compared, so a name in the message reveals nothing about others.
    named = [p for p in cards if p.name == ctx.slots.get("name") or p.name in ctx.text]
    chosen = named or cards
    if len(chosen) == 1:
        return _ask_sure(ctx, chosen[0])
    ctx.ask("report_lost_card", tuple(p.reader_id for p in chosen))
    names = "\n".join(f"{i}.{p.name}（{p.card_no}）" for i, p in enumerate(chosen, 1))
    return f"挂失谁的借阅证？\n{names}\n请回复序号；挂失后这张证马上停用。"


@routes.resume("report_lost_card")
def report_lost_answer(ctx: Context) -> str | None:
    """The answer to "挂失谁的借阅证？"."""
    assert ctx.pending is not None
    by_id = {p.reader_id: p for p in people(ctx)}
    shown = [by_id[i] for i in ctx.pending.options if i in by_id]
    indexes = ctx.slots.get("indexes") or []
    if len(indexes) != 1 or not 1 <= indexes[0] <= len(shown):
        return "好的，先不挂失。需要时发送“挂失”。"
    return _report(ctx, shown[indexes[0] - 1])  # the numbered question already said it stops the card


SURE = "report_lost_sure"


def _ask_sure(ctx: Context, person: Person) -> str:
    """One card: name it and wait for 是 — a card reported lost stops working at once."""
    ctx.ask(SURE, (person.reader_id,))
    return (f"要挂失{person.name}的借阅证（{person.card_no}）吗？挂失后这张证马上停用，补办新证后才能再借书。\n"
            "回复“是”确认挂失，回复“算了”不挂失。")


@routes.resume(SURE)
def report_lost_sure(ctx: Context) -> str | None:
    """The answer to "要挂失…吗？": 是 reports that card (if it is still the user's), anything else keeps it."""
    assert ctx.pending is not None
    by_id = {p.reader_id: p for p in people(ctx)}
    person = by_id.get(ctx.pending.options[0]) if ctx.pending.options else None
    if ctx.slots.get("confirm") is True and person is not None:
        return _report(ctx, person)
    return "好的，先不挂失，借阅证照常能用。需要时再发送“挂失”。"
