"""发验证码: the librarian (any card) or a class teacher (their class's parents) gets a binding code by message.

The parser's `issue_code` intent ("验证码 T0012", "发验证码 S30201 家长", "家长验证码 S30201") carries
the card number and whether the code is for the student's parent.
"""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.texts import day
from core import accounts
from core.accounts import IssueFailure, IssueRefused
from core.clock import SCHOOL_TZ, school_today

routes = Routes("codes")
INTENT = "issue_code"

_REFUSED = {
    IssueFailure.NOT_ALLOWED: "验证码由图书室老师或班主任发放，需要绑定的话请向他们领取。",
    IssueFailure.PARENTS_ONLY: "班主任可以为本班学生的家长发验证码，请发送：验证码 学生证号 家长",
    IssueFailure.NOT_IN_CLASS: "只能为本班学生的家长发验证码。请核对证号，其他班级请找图书室老师。",
    IssueFailure.NO_SUCH_CARD: "没有这张借阅证，请核对证号。",
    IssueFailure.NOT_A_STUDENT: "家长验证码只用于学生的借阅证；老师本人的验证码请发送：验证码 证号",
    IssueFailure.CARD_INACTIVE: "这张借阅证已挂失或注销，先补办新证再发验证码。",
}


@routes.on(INTENT)
def issue(ctx: Context) -> str:
    """Issue a one-time code and say who should send what."""
    if ctx.identity is None:  # most likely someone who wants a code for themselves
        return _REFUSED[IssueFailure.NOT_ALLOWED] + "\n拿到后发送：绑定 借阅证号 姓名 验证码"
    try:
        issued = accounts.issue_code_as(ctx.library, ctx.identity, ctx.slots["card_no"],
                                        for_guardian=bool(ctx.slots.get("for_parent")))
    except IssueRefused as exc:
        return _REFUSED[exc.failure]
    whom = f"{issued.reader_name}的家长" if issued.for_guardian else issued.reader_name
    until = day(school_today(issued.expires_at, SCHOOL_TZ))
    return (f"验证码：{issued.code}（给{whom}，{until}前有效，只能用一次）\n"
            f"请对方发送：绑定 {issued.card_no} {issued.reader_name} {issued.code}")
