"""Librarian by message: 借出 条码 证号, 归还 条码, 催还 条码, 丢失 条码; everyone else refused."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.texts import day, refusal, yuan
from core import queries
from core.circulation import (
    CheckinItem,
    CheckoutItem,
    MarkItemLost,
    checkin,
    checkout,
    mark_lost,
)
from core.desk import recall_and_notify
from core.errors import Refused

routes = Routes("desk")
DESK_INTENTS = ("checkout", "checkin", "recall", "mark_lost")  # 发布活动 lives in handlers/notices.py


@routes.on(*DESK_INTENTS)
def desk(ctx: Context) -> str:
    """Run a desk command for a bound librarian; explain refusals with their reasons."""
    if ctx.identity is None or not ctx.identity.is_librarian:
        return "这是图书管理员的操作，您没有权限哦。借还书请到图书室办理。"
    actor = f"wechat:{ctx.message.user_id}"
    barcode = ctx.slots.get("barcode") or ""
    intent = ctx.parse.intent
    try:
        if intent == "checkout":
            card = ctx.slots.get("card_no")
            if not (barcode and card):
                return "请发送：借出 条码 证号，例如：借出 B000123 T0001"
            loan = checkout(ctx.library, CheckoutItem(card, barcode, actor=actor))
            return f"已借出《{loan.title}》给{loan.reader_name}，{day(loan.due_date)}到期。"
        if not barcode:
            return "请带上条码，例如：归还 B000123"
        if intent == "checkin":
            return _checkin(ctx, barcode, actor)
        if intent == "recall":
            # The reader (a student's parents) gets the 催书 notice at once, quiet hours respected.
            recalled = recall_and_notify(ctx.library, ctx.settings, barcode, actor=actor)
            if recalled.new_due < ctx.library.today():  # already overdue: the date stays, it is just chased
                return (f"《{recalled.title}》已逾期（应于{day(recalled.new_due)}归还），已登记催还，"
                        "会提醒借书人尽快归还。")
            return f"已催还《{recalled.title}》，新的还书日{day(recalled.new_due)}，会通知借书人。"
        if intent == "mark_lost":
            lost = mark_lost(ctx.library, MarkItemLost(barcode, actor=actor))
            return f"已登记《{lost.title}》丢失，需赔偿{yuan(lost.compensation_fen)}。"
    except Refused as exc:
        return f"没办成：{refusal(exc)}。"
    raise AssertionError(f"desk intent without a branch: {intent}")


def _checkin(ctx: Context, barcode: str, actor: str) -> str:
    returned = checkin(ctx.library, CheckinItem(barcode, actor=actor))
    lines = [f"已归还《{returned.title}》（{returned.reader_name}）。"]
    if returned.overdue_days:
        lines.append(f"逾期{returned.overdue_days}天，罚金{yuan(returned.fine_fen)}。")
    if returned.suspended_until:
        lines.append(f"再次逾期，暂停借阅到{day(returned.suspended_until)}。")
    ready = returned.reservation_ready
    if ready is not None:
        lines.append(f"这本书有人预约：请放到预约架，为{queries.reader_name(ctx.library, ready.reader_id)}"
                     f"保留到{day(ready.hold_until)}。")
    else:
        lines.append("请上架。")
    return "\n".join(lines)
