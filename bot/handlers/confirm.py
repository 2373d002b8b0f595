"""Low-confidence actions: ask first, act only on a clear yes."""
from __future__ import annotations

from dataclasses import replace

from bot.handlers.base import Context, Routes

routes = Routes("confirm")

_WHAT = {
    "renew": "续借", "reserve": "预约", "cancel_reservation": "取消预约", "bind": "绑定借阅证",
    "unbind": "解除绑定", "report_lost_card": "挂失借阅证", "checkout": "借出", "checkin": "归还",
    "recall": "催还", "mark_lost": "登记丢失", "mark_damaged": "登记损坏", "pay_fine": "登记缴费",
    "replace_card": "补办借阅证",
}


def gate(ctx: Context) -> str | None:
    """A weakly indicated action becomes a question; the router runs this before the action handlers."""
    if not ctx.parse.needs_confirmation:
        return None
    what = _WHAT.get(ctx.parse.intent, "办理")
    if ctx.parse.intent == "bind":
        return "您是要绑定借阅证吗？请发送：绑定 借阅证号 姓名 验证码（例如：绑定 T0001 张老师 123456）"
    ctx.ask("confirm", parse=replace(ctx.parse, confidence=1.0))
    return f"您是想{what}吗？回复“好的”我就去办，回复“算了”就不办。"


@routes.resume("confirm")
def confirmed(ctx: Context) -> str | None:
    """Yes: hand the original request back to the router; no: drop it."""
    assert ctx.pending is not None and ctx.pending.parse is not None
    if ctx.slots.get("confirm") is True:
        ctx.parse = ctx.pending.parse
        ctx.pending = None
        return None  # the router dispatches the original request next
    return "好的，不办了。还需要什么请直接告诉我。"
