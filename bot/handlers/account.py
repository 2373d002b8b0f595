"""绑定 / 解绑: prove who you are with card + name + one-time code; unbind at any time."""
from __future__ import annotations

import re

from bot.handlers.base import Context, Routes
from core import accounts
from core.accounts import BindFailure, BindRefused, Role

routes = Routes("account")

HOW_TO_BIND = ("请发送：绑定 借阅证号 姓名 验证码\n"
               "例如：绑定 T0001 张老师 123456\n"
               "家长请用孩子的借阅证号和姓名：绑定 S30201 陈思雨 654321\n"
               "验证码向图书室老师或班主任领取。")
# One text for both limits (this user's tries, or a card many users guessed at): a guess learns nothing.
RATE_LIMITED = ("尝试次数太多了，为保护读者信息，请一小时后再试。\n"
                "如果还是不行，请找图书室老师或班主任重新领一个验证码。")
_CODE = re.compile(r"(?<![A-Za-z0-9])\d{4,8}(?![A-Za-z0-9])")


def _code(text: str, card_no: str) -> str | None:
    codes = [c for c in _CODE.findall(text) if c != card_no]
    return codes[-1] if codes else None


@routes.on("bind")
def bind(ctx: Context) -> str:
    """Bind with card number, name and code; every failure reads the same."""
    card_no, name = ctx.slots.get("card_no"), ctx.slots.get("name")
    code = _code(ctx.text, card_no or "") if card_no else None
    if not (card_no and name and code):
        return "绑定借阅证需要证号、姓名和验证码三样。\n" + HOW_TO_BIND
    try:
        bound = accounts.bind(ctx.library, ctx.message.user_id, card_no, name, code)
    except BindRefused as exc:
        if exc.failure == BindFailure.RATE_LIMITED:
            return RATE_LIMITED
        if exc.failure == BindFailure.ALREADY_BOUND:
            return "这张借阅证已经绑定在您的微信上了。发送“我的借阅”看看吧。"
        return "证号、姓名或验证码不对，请核对后再试。验证码向图书室老师或班主任领取。"
    if bound.role == Role.PARENT:
        return (f"绑定成功！您现在可以查看{bound.reader_name}的借阅了。\n"
                "发送“我的借阅”看孩子借的书；还有其他孩子也可以继续绑定。")
    extra = "\n您是图书管理员，可以发送：借出 条码 证号 / 归还 条码 / 催还 条码 / 丢失 条码 / 验证码 证号。" \
        if bound.role == Role.LIBRARIAN else ""
    return f"绑定成功，{bound.reader_name}您好！发送“我的借阅”看借的书，发送“帮助”看全部用法。{extra}"


@routes.on("unbind")
def unbind(ctx: Context) -> str:
    """Remove every binding of this user."""
    if accounts.unbind(ctx.library, ctx.message.user_id) == 0:
        return "您还没有绑定借阅证，不用解绑。"
    return "已解除绑定，不会再收到借阅提醒。想重新绑定时发送：绑定 借阅证号 姓名 验证码"
