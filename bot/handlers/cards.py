"""挂失: the user's own card stops working at once (a parent with one child: that child's card)."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.people import not_bound_reply
from bot.handlers.texts import refusal
from core.circulation import ReportCardLost, report_card_lost
from core.errors import Refused

routes = Routes("cards")


@routes.on("report_lost_card")
def report_lost(ctx: Context) -> str:
    """Report the card lost; with several cards to choose from, say how to name one."""
    identity = ctx.identity
    if identity is None:
        return not_bound_reply(ctx)
    cards = ([identity.reader] if identity.reader else []) + list(identity.children)
    name = ctx.slots.get("name")
    chosen = [p for p in cards if p.name == name] if name else cards
    if len(chosen) != 1:
        names = "、".join(p.name for p in cards)
        return f"要挂失谁的借阅证？请发送“挂失 姓名”，比如：挂失 {cards[0].name}（可选：{names}）"
    person = chosen[0]
    try:
        report_card_lost(ctx.library, ReportCardLost(person.card_no, actor=ctx.message.user_id))
    except Refused as exc:
        return f"没能挂失：{refusal(exc)}。请联系图书室老师。"
    return (f"{person.name}的借阅证（{person.card_no}）已挂失，马上停止使用，借阅记录都保留着。"
            "请到图书室补办新证。")
