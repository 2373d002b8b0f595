"""Shared wording: dates, money, refusal reasons, and the replies for unbound users."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from core.circulation.suspension import is_indefinite
from core.errors import Reason, Refused

WEEKDAYS = "一二三四五六日"

NOT_BOUND = ("还没有绑定借阅证哦。请发送：绑定 借阅证号 姓名 验证码\n"
             "验证码向图书室老师或班主任领取；家长用孩子的证号和姓名。")
CARD_INACTIVE = ("您绑定的借阅证已挂失或已注销，暂时不能查看借阅。补办新证后即可继续使用，"
                 "有疑问请联系图书室老师。")


def day(d: date | None) -> str:
    """11月20日（周五）"""
    if d is None:
        return "—"
    return f"{d.month}月{d.day}日（周{WEEKDAYS[d.weekday()]}）"


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


# Each reason says what happened and what to do next. "[...]" is a detail shown only when core sent
# every value in it (dates, limits), so a missing detail never breaks the sentence.
_REASONS: dict[Reason, str] = {
    Reason.READER_NOT_FOUND: "没有找到这张借阅证，请核对证号，或问问图书室老师",
    Reason.CARD_LOST: "借阅证已挂失，暂时不能办理，请到图书室补办新证（借阅记录都保留）",
    Reason.READER_LEFT: "借阅证已注销（调离、转学或毕业），不能再借书，有疑问请联系图书室老师",
    Reason.SUSPENDED: "借书资格暂停中[（{suspension_reason}）][，暂停到{suspended_until}]，期间可以还书，恢复后就能再借",
    Reason.UNPAID_CHARGES: "还有没缴清的欠款，请先到图书室缴清（发送“欠款”看金额）",
    Reason.HAS_OVERDUE: "有逾期没还的书，请先归还（发送“我的借阅”看是哪本）",
    Reason.ITEM_NOT_FOUND: "没有这个条码的书，请核对条码",
    Reason.TITLE_NOT_FOUND: "没有找到这本书，发送“查 书名”再找找",
    Reason.LOAN_NOT_FOUND: "没有找到这笔借阅，发送“我的借阅”看看现在借的书",
    Reason.NOT_FOR_LOAN: "这本书只能在阅览室看，不外借，欢迎到阅览室阅读",
    Reason.ITEM_UNAVAILABLE: "这本书现在不在架上，可以发送“预约 书名”排队",
    Reason.HELD_FOR_ANOTHER: "这本书正为预约的读者保留，可以发送“预约 书名”排在后面",
    Reason.LIMIT_REACHED: "已经借满[{max_items}本]了，请先还一本再借",
    Reason.TOTAL_LIMIT_REACHED: "已经借满[{max_items_total}本]了（各类图书合计），请先还一本再借",
    Reason.NOT_ON_LOAN: "这本书没有借出，请核对条码",
    Reason.NOT_ON_SHELF: "这本书借出中，原有损坏要在书在图书室时记录；还回来发现损坏请登记“损坏”",
    Reason.OVERDUE: "已逾期[{days_late}天]，不能续借，请尽快归还",
    Reason.RECALLED: "图书室要提前收回这本书，不能续借，请按新的还书日归还",
    Reason.RESERVED_BY_OTHER: "有人预约了这本书，不能续借，请按时归还，之后可以再预约",
    Reason.RENEWALS_USED_UP: "已续借过[，每本最多续借{renewals}次]，请按时归还，还了可以再借",
    Reason.TERM_END: "已到本学期最后还书日[（{term_end}）]，期末要全部归还，下学期可以再借",
    Reason.ALREADY_RESERVED: "您已经预约过这本书了，书到了会通知您",
    Reason.ALREADY_BORROWED: "这本书您正借着呢，想多看几天可以发送“续借 书名”",
    Reason.COPY_AVAILABLE: "架上就有，不用预约，直接来图书室借吧",
    Reason.RESERVATION_LIMIT: "预约数已满[（最多{max_reservations}本）]，可以先发送“取消预约 书名”",
    Reason.RESERVATION_NOT_FOUND: "没有找到这个预约，发送“我的预约”看看",
    Reason.HAS_OPEN_LOANS: "还有没还的书，请先全部归还",
    Reason.CHARGE_NOT_FOUND: "没有找到这笔欠款，请核对后再试",
    Reason.CHARGE_SETTLED: "这笔欠款已经处理过了，不用再缴",
    Reason.CARD_IN_USE: "这个证号已被别的读者使用，请换一个证号",
    Reason.NO_PRICE: "这本书没有登记书价，请先补上书价",
    Reason.PRICE_TOO_HIGH: "书价太高，请核对",
}
_DETAIL = re.compile(r"\[([^\[\]]*)\]")


def _fmt(value: Any) -> str:
    return day(value) if isinstance(value, date) else str(value)


def reason_text(reason: Reason, context: dict[str, Any]) -> str:
    """One reason in plain Chinese, with the details core gave (dates, limits) where it gave them."""
    # An indefinite suspension's far date is no day to name: its "[…恢复]" detail is left out.
    values = {key: _fmt(value) for key, value in context.items() if value is not None and not is_indefinite(value)}

    def detail(match: re.Match[str]) -> str:
        try:
            return match.group(1).format(**values)
        except KeyError:
            return ""
    return _DETAIL.sub(detail, _REASONS.get(reason, "暂时不能办理，请联系图书室老师"))


def refusal(exc: Refused) -> str:
    """Every reason, in the order the reader can act on, joined as one sentence."""
    return "；".join(_replaced(exc) if r == Reason.CARD_LOST and exc.context.get("replaced_by")
                    else reason_text(r, exc.context) for r in exc.reasons)


def _replaced(exc: Refused) -> str:
    """A retired number (补办过): name the new one rather than send anyone to 补办 again."""
    old, new = exc.context.get("card_no") or "这个证号", exc.context["replaced_by"]
    return f"{old}已换成新证号{new}，旧号不再使用，请用{new}办理"


def suspension_text(until: date | None, reason: str) -> str:
    """For readers: 借书资格暂停到12月1日（周二）（原因：…） or, indefinite, …暂停中，恢复请找图书室老师."""
    why = f"（原因：{reason}）" if reason else "（续借后再次逾期）"
    if is_indefinite(until):
        return f"借书资格已暂停{why}，期间可以还书，恢复请找图书室老师"
    return f"借书资格暂停到{day(until)}{why}，期间可以还书，{day(until + timedelta(days=1))}起可以再借"
