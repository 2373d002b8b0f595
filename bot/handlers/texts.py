"""Shared wording: dates, money, refusal reasons, and the replies for unbound users."""
from __future__ import annotations

from datetime import date
from typing import Any

from core.errors import Reason, Refused

WEEKDAYS = "一二三四五六日"

NOT_BOUND = ("还没有绑定借阅证哦。请发送：绑定 借阅证号 姓名 验证码\n"
             "例如：绑定 T0001 张老师 123456（验证码向图书室老师领取；家长用孩子的证号和姓名）")
CARD_INACTIVE = ("您绑定的借阅证已挂失或已注销，暂时不能查看借阅。补办新证后即可继续使用，"
                 "有疑问请联系图书室老师。")


def day(d: date | None) -> str:
    """11月20日（周五）"""
    if d is None:
        return "—"
    return f"{d.month}月{d.day}日（周{WEEKDAYS[d.weekday()]}）"


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


_REASONS: dict[Reason, str] = {
    Reason.READER_NOT_FOUND: "没有找到这张借阅证",
    Reason.CARD_LOST: "借阅证已挂失，补办新证后才能办理",
    Reason.READER_LEFT: "借阅证已注销",
    Reason.SUSPENDED: "借阅权限暂停到{suspended_until}",
    Reason.UNPAID_CHARGES: "还有未缴清的欠款，请先到图书室处理",
    Reason.HAS_OVERDUE: "有逾期未还的书，请先归还",
    Reason.ITEM_NOT_FOUND: "没有这个条码的书",
    Reason.TITLE_NOT_FOUND: "没有找到这本书",
    Reason.LOAN_NOT_FOUND: "没有找到这笔借阅",
    Reason.NOT_FOR_LOAN: "这本书只能在阅览室看，不外借",
    Reason.ITEM_UNAVAILABLE: "这本书现在不在架上",
    Reason.HELD_FOR_ANOTHER: "这本书正为预约的读者保留",
    Reason.LIMIT_REACHED: "已达到可借数量（最多{max_items}本），请先还一本",
    Reason.NOT_ON_LOAN: "这本书没有借出",
    Reason.OVERDUE: "已逾期{days_late}天，不能续借，请尽快归还",
    Reason.RECALLED: "图书室已催还这本书，不能续借，请尽快归还",
    Reason.RESERVED_BY_OTHER: "有人预约了这本书，不能续借，请按时归还",
    Reason.RENEWALS_USED_UP: "已续借过，每本最多续借{renewals}次",
    Reason.TERM_END: "已到本学期最后还书日（{term_end}），期末需全部归还",
    Reason.ALREADY_RESERVED: "您已经预约过这本书了",
    Reason.ALREADY_BORROWED: "这本书您正借着呢",
    Reason.COPY_AVAILABLE: "架上就有，不用预约，直接来借吧",
    Reason.RESERVATION_LIMIT: "预约数已满（最多{max_reservations}本），可先取消一个",
    Reason.RESERVATION_NOT_FOUND: "没有找到这个预约",
    Reason.HAS_OPEN_LOANS: "还有没还的书",
    Reason.CHARGE_NOT_FOUND: "没有找到这笔欠款",
    Reason.CHARGE_SETTLED: "这笔欠款已处理",
    Reason.CARD_IN_USE: "这个证号已被使用",
}


def _fmt(value: Any) -> str:
    return day(value) if isinstance(value, date) else str(value)


def reason_text(reason: Reason, context: dict[str, Any]) -> str:
    """One reason in plain Chinese, with the details core gave (dates, limits)."""
    template = _REASONS.get(reason, "暂时不能办理")
    values = {key: _fmt(value) for key, value in context.items() if value is not None}
    try:
        return template.format(**values)
    except KeyError:  # a detail core did not send: drop the sentence's tail, keep the reason
        return template.split("（")[0].split("{")[0].rstrip("，到")


def refusal(exc: Refused) -> str:
    """Every reason, in the order the reader can act on, joined as one sentence."""
    return "；".join(reason_text(r, exc.context) for r in exc.reasons)
