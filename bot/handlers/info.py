"""帮助、开放时间、借阅规则 (from the configured Policy), and the menu for anything else."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.staff import staff_role
from bot.handlers.texts import WEEKDAYS, day
from core import queries
from core.accounts import Role
from core.models import ItemType, ReaderType
from core.policy import Policy
from core.staff import Role as StaffRole

routes = Routes("info")
fallback = Routes("fallback")

MENU = ("我是书香图书室小助手📚 可以这样问我：\n"
        "· 查书：查 草房子 / 曹文轩的书\n"
        "· 我的借阅、借阅历史、我有罚款吗\n"
        "· 续借：续借第2本 / 全部续借\n"
        "· 预约 三体 / 取消预约 三体 / 我的预约\n"
        "· 新书、推荐适合三年级的书、开放时间、借阅规则\n"
        "· 借书证丢了请发“挂失”")
ROLE_TIPS = {
    Role.CLASS_TEACHER: ("· 班主任：发送“本班逾期”看本班没还的书，“本班借阅统计”“哪些同学还没借过书”看本学期借阅；"
                         "“验证码 学生证号 家长”给家长发绑定验证码"),
    Role.LIBRARIAN: ("· 管理员：借出 条码 证号 / 归还 条码 / 催还 条码 / 丢失 条码 / 损坏 条码 [金额] / 缴费 证号 / "
                     "补办 旧证号 新证号 / 证号借了什么 / 全校逾期 / 验证码 证号（给家长加“家长”）"),
}
HELPER_TIP = "· 小图书管理员：借出 条码 证号 / 归还 条码 / 证号借了什么"
BIND_TIP = "还没绑定？发送：绑定 借阅证号 姓名 验证码"


def menu(ctx: Context) -> str:
    """The menu, with the lines for this user's roles, or how to bind."""
    lines = [MENU]
    if ctx.identity is None:
        lines.append(BIND_TIP)
    else:
        lines += [tip for role, tip in ROLE_TIPS.items() if role in ctx.identity.roles]
        if staff_role(ctx) is StaffRole.HELPER:
            lines.append(HELPER_TIP)
    return "\n".join(lines)


@routes.on("help")
def help_(ctx: Context) -> str:
    """Greetings and 帮助: the menu with examples."""
    return menu(ctx)


@routes.on("hours")
def hours(ctx: Context) -> str:
    """开放时间 and where the library is, from the school settings."""
    school = ctx.library.school
    status = queries.opening_status(ctx.library)
    if status.open_today:
        today = "今天开放。"
    else:
        today = f"今天（周{WEEKDAYS[status.today.weekday()]}）闭馆，{day(status.next_open_day)}开门。"
    lines = [f"{school.name}开放时间：{school.hours}", today, f"地点：{school.location}"]
    if status.closed_weekdays:  # from the school calendar: holidays the reader might not expect
        lines.append("近期闭馆：" + "、".join(day(d) for d in status.closed_weekdays[:5]))
    if status.term_end is not None:
        lines.append(f"本学期最后还书日：{day(status.term_end)}。")
    lines.append(f"闭馆日不计逾期。有事可以找{school.librarian_contact}。")
    return "\n".join(lines)


_READERS = {ReaderType.TEACHER: "老师", ReaderType.STUDENT: "学生"}
_ITEMS = {ItemType.GENERAL: "普通图书", ItemType.TEACHING_REFERENCE: "教学参考书", ItemType.PERIODICAL: "期刊"}


def rules_text(policy: Policy, reader_types: list[ReaderType]) -> str:
    """借阅规则 generated from the policy, so a changed setting changes the answer."""
    lines = ["借阅规则："]
    for reader_type in reader_types:
        for item_type, item_name in _ITEMS.items():
            rule = policy.rule(reader_type, item_type)
            who = _READERS[reader_type]
            if not rule.loanable:
                lines.append(f"· {who}·{item_name}：不外借")
                continue
            renew = f"可续借{rule.renewals}次（每次{rule.renew_days}天）" if rule.renewals else "不能续借"
            lines.append(f"· {who}·{item_name}：借期{rule.loan_days}天，最多{rule.max_items}本，{renew}")
    lines.append("· 工具书、大型成套图书只在阅览室看，不外借")
    lines.append(f"· 逾期每天罚{policy.fine_per_day_fen / 100:.2f}元"
                 + ("，最多不超过书价" if policy.fine_cap_at_price else "") + "；闭馆日不计")
    lines.append("· 有人预约的书、已逾期或被催还的书不能续借；期末前要全部归还")
    lines.append("· 书丢了照价赔偿，损坏需修补")
    return "\n".join(lines)


@routes.on("rules")
def rules(ctx: Context) -> str:
    """The rules that apply to this user (teacher, student/parent), or to both when unknown."""
    types: list[ReaderType] = []
    if ctx.identity is not None and ctx.identity.reader is not None:
        types.append(ReaderType.STUDENT if ctx.identity.reader.reader_type == ReaderType.STUDENT
                     else ReaderType.TEACHER)
    if ctx.identity is not None and ctx.identity.children and ReaderType.STUDENT not in types:
        types.append(ReaderType.STUDENT)
    return rules_text(ctx.library.policy, types or [ReaderType.TEACHER, ReaderType.STUDENT])


@fallback.on("unknown")
def unknown(ctx: Context) -> str:
    """Anything not understood (or a short answer with nothing pending): the menu."""
    if ctx.slots.get("indexes") or "confirm" in ctx.slots or ctx.slots.get("all"):
        return "这个问题已经过期啦，请重新说一遍要做什么～\n" + menu(ctx)
    if (guess := _maybe_a_title(ctx)) is not None:
        return guess
    return "没太明白您的意思😊\n" + menu(ctx)


def _maybe_a_title(ctx: Context) -> str | None:
    """A short message the parser could not place may be a mistyped title (草方子): offer close books.

    Only suggests, never acts; long sentences stay unknown so chat is not answered with books.
    """
    text = ctx.message.text.strip().strip("《》“”\"'。？?！!")
    if not 2 <= len(text) <= 12 or any(ch.isspace() for ch in text):
        return None
    result = ctx.search.search(text, limit=3)
    close = [h.title for h in result.hits] if result.matched_well else result.suggestions
    if not close:
        return None
    names = "、".join(f"《{t}》" for t in close[:3])
    return f"您是不是要找：{names}？\n发送“查 书名”就能看在哪个书架，比如：查 {close[0]}。"
