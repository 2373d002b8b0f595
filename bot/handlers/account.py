"""绑定 / 解绑: prove who you are with card + name + one-time code; unbind at any time."""
from __future__ import annotations

import re
import unicodedata

from bot.handlers.base import Context, Routes
from bot.handlers.people import people
from core import accounts
from core.accounts import BindFailure, BindRefused, Role

routes = Routes("account")

# A neutral example: a real reader's card and name would show a stranger a child's details.
HOW_TO_BIND = ("请发送：绑定 借阅证号 姓名 验证码\n"
               "家长请用孩子的借阅证号和姓名：绑定 孩子的证号 孩子姓名 验证码\n"
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
    # Full-width digits and letters (０４４１７７, Ｓ３０２０３) typed on a phone keyboard are the same code.
    text = unicodedata.normalize("NFKC", ctx.text)
    card_no = unicodedata.normalize("NFKC", card_no).upper() if card_no else card_no
    code = _code(text, card_no or "") if card_no else None
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


UNBIND_SURE = "unbind"  # the open question "解除对…的绑定吗？" (a name answers it too: followups.py)


@routes.on("unbind")
def unbind(ctx: Context) -> str:
    """Ask first, naming every card that would be unbound; 是 removes them all, a child's name one."""
    bound = people(ctx)
    if not bound:
        if accounts.has_inactive_binding(ctx.library, ctx.message.user_id):  # only a lost or left card
            ctx.ask(UNBIND_SURE)
            return "解除对原来那张借阅证（已挂失或已注销）的绑定吗？回复“是”确认，回复“算了”不解绑。"
        return "您还没有绑定借阅证，不用解绑。"
    ctx.ask(UNBIND_SURE, tuple(p.reader_id for p in bound))
    names = "、".join(p.name for p in bound)
    if len(bound) == 1:
        return (f"解除对{names}（{bound[0].card_no}）的绑定吗？解绑后不再收到借阅提醒。\n"
                "回复“是”确认，回复“算了”不解绑。")
    one = "孩子名字" if ctx.identity is not None and ctx.identity.children else "名字"
    return f"解除对{names}的绑定吗？回复“是”确认，回复{one}只解除一个，回复“算了”不解绑。"


@routes.resume(UNBIND_SURE)
def unbind_answer(ctx: Context) -> str | None:
    """是: unbind everything asked about; one position (a name, via followups) unbinds that one only."""
    assert ctx.pending is not None
    by_id = {p.reader_id: p for p in people(ctx)}
    asked = [by_id[i] for i in ctx.pending.options if i in by_id]
    indexes = ctx.slots.get("indexes") or []
    if ctx.slots.get("confirm") is True or ctx.slots.get("all"):
        accounts.unbind(ctx.library, ctx.message.user_id)
        names = "、".join(p.name for p in asked) or "原来那张借阅证"
        return (f"已解除对{names}的绑定，不会再收到借阅提醒。\n"
                "想重新绑定时发送：绑定 借阅证号 姓名 验证码")
    if len(indexes) == 1 and 1 <= indexes[0] <= len(asked):
        person = asked[indexes[0] - 1]
        accounts.unbind_one(ctx.library, ctx.message.user_id, person.reader_id)
        rest = [p.name for p in asked if p.reader_id != person.reader_id]
        kept = f"{'、'.join(rest)}的绑定还保留着。" if rest else ""
        return f"已解除对{person.name}的绑定。{kept}"
    return "好的，不解绑了，绑定都保留着。"
