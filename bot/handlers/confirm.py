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

# Handlers that always ask first, naming whose card (cards.py, account.py): a second, vaguer question
# before theirs would only be noise.
ASKS_ITSELF = frozenset({"unbind", "report_lost_card"})


MONEY = frozenset({"pay_fine"})
_FIRM = ("确认", "确定", "是", "是的", "对", "收到", "收到了", "已收", "已收到", "好的", "好", "ok", "OK")


def _firm_yes(text: str) -> bool:
    """A plain yes with nothing that makes it a question or a mere acknowledgement."""
    return text.strip().strip("。.!！~～ ") in _FIRM


def gate(ctx: Context) -> str | None:
    """A weakly indicated action becomes a question; the router runs this before the action handlers."""
    if not ctx.parse.needs_confirmation or ctx.parse.intent in ASKS_ITSELF:
        return None
    what = _WHAT.get(ctx.parse.intent, "办理")
    if ctx.parse.intent == "bind":
        return "您是要绑定借阅证吗？请发送：绑定 借阅证号 姓名 验证码（验证码向图书室老师或班主任领取）"
    ctx.ask("confirm", parse=replace(ctx.parse, confidence=1.0))
    return f"您是想{what}吗？回复“好的”我就去办，回复“算了”就不办。"


@routes.resume("confirm")
def confirmed(ctx: Context) -> str | None:
    """Yes: hand the original request back to the router; no: drop it."""
    assert ctx.pending is not None and ctx.pending.parse is not None
    if ctx.slots.get("confirm") is True and ctx.pending.parse.intent in MONEY and not _firm_yes(ctx.text):
        # Money is recorded only on a plain 确认: "嗯嗯" may just acknowledge, "确认？" is a question.
        ctx.ask("confirm", parse=ctx.pending.parse)
        return "收到钱了吗？收到后请回复“确认”，我再登记缴费；不登记请回复“算了”。"
    if ctx.slots.get("confirm") is True:
        ctx.parse = ctx.pending.parse
        ctx.pending = None
        return None  # the router dispatches the original request next
    return "好的，不办了。还需要什么请直接告诉我。"
