"""Who may do what by message: the librarian everything, student helpers the desk, everyone else a refusal.

The rules are the console's (core.staff.may): 借出/归还 and looking up a reader's loans are the desk
(student helpers too, never with money); 催还/丢失/损坏/补办 are the librarian's circulation tools;
缴费 is money; 全校逾期 is the school's lists. The bot knows the librarian by the card's librarian mark
and a student helper (小图书管理员) by `[desk] helper_cards`.
"""
from __future__ import annotations

import re
import unicodedata

from bot.handlers.base import Context
from core.staff import Area, Role, may

INTENT_AREAS: dict[str, Area] = {
    "checkout": Area.DESK, "checkin": Area.DESK, "reader_loans": Area.DESK,
    "recall": Area.CIRCULATION, "mark_lost": Area.CIRCULATION, "mark_damaged": Area.CIRCULATION,
    "replace_card": Area.CIRCULATION, "pay_fine": Area.MONEY, "school_overdue": Area.LISTS,
}
WHAT: dict[str, str] = {
    "checkout": "借出", "checkin": "归还", "reader_loans": "按证号查借阅", "recall": "催还",
    "mark_lost": "登记丢失", "mark_damaged": "登记损坏", "replace_card": "补办借阅证", "pay_fine": "登记缴费",
    "school_overdue": "全校逾期名单",
}
_CODE = re.compile(r"(?<![A-Z0-9])[A-Z0-9]*\d[A-Z0-9]*(?![A-Z0-9])")


def staff_role(ctx: Context) -> Role | None:
    """LIBRARIAN for a bound card marked librarian, HELPER for a helper's card, else None."""
    identity = ctx.identity
    if identity is None or identity.reader is None:
        return None
    if identity.is_librarian:
        return Role.LIBRARIAN
    if identity.reader.card_no.upper() in ctx.settings.desk.helpers():
        return Role.HELPER
    return None


def refusal_for(ctx: Context, intent: str) -> str | None:
    """None when this user may do `intent` by message; else a short refusal that says who can."""
    role = staff_role(ctx)
    area = INTENT_AREAS[intent]
    if role is not None and may(role, area):
        return None
    what = WHAT[intent]
    if role is Role.HELPER:
        return f"{what}只有图书管理员能办，请交给图书室老师。小图书管理员可以借出、归还和按证号查借阅。"
    if intent == "reader_loans":  # the same words whatever the card: nothing about it leaks
        return "按证号查借阅只有图书管理员和小图书管理员能用。想看自己或孩子的借阅，请发送“我的借阅”。"
    who = "图书管理员和小图书管理员" if area is Area.DESK else "图书管理员"
    return f"这是图书管理员的操作（{what}只有{who}能办），您没有权限哦。借还书请到图书室办理。"


def money_shown(ctx: Context) -> bool:
    """Amounts are for the librarian only (a helper handles no money, DESIGN.md "Roles")."""
    return staff_role(ctx) is Role.LIBRARIAN


def actor(ctx: Context) -> str:
    """Who did it, for the audit log (the channel's user id, as the desk by message always wrote)."""
    return f"wechat:{ctx.message.user_id}"


def codes_in(text: str) -> list[str]:
    """Card numbers and barcodes in a message, in order: ASCII letters and digits with a digit, full-width folded."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return [code for code in _CODE.findall(folded) if len(code) >= 3]
