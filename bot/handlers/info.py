"""帮助、开放时间、借阅规则 (from the configured Policy), and the menu for anything else."""
from __future__ import annotations

import re
from datetime import date, timedelta

from bot.handlers.base import Context, Routes
from bot.handlers.people import is_parent_view, people
from bot.handlers.staff import staff_role
from bot.handlers.texts import WEEKDAYS, day, refusal, suspension_text, yuan
from bot.nlp.dates import extract_date
from core import queries
from core.accounts import Role
from core.desk import reader_summary
from core.errors import Refused
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
NOTHING_WAITING = ("现在没有等您回答的问题（我问的问题{minutes}分钟内没回复就过期了）。\n"
                   "想做什么直接告诉我就行，比如：我的借阅、续借第1本、查 草房子。")
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
    asked = _asked_days(ctx.text, status.today)
    if asked:  # "星期六开不开门", "周末开吗", "明天开门吗": that day's answer first
        lines.insert(0, "；".join(f"{_day_name(d, status.today)}{'开放' if queries.is_open_on(ctx.library, d) else '闭馆'}"
                                 for d in asked) + "。")
    if status.closed_weekdays:  # from the school calendar: holidays the reader might not expect
        lines.append("近期闭馆：" + "、".join(day(d) for d in status.closed_weekdays[:5]))
    if status.term_end is not None:
        lines.append(f"本学期最后还书日：{day(status.term_end)}。")
    closed = "闭馆日不计逾期。" if ctx.library.policy.fine_days == "open" else "逾期按天计算，闭馆日也算。"
    lines.append(f"{closed}有事可以找{school.librarian_contact}。")
    return "\n".join(lines)


def _asked_days(text: str, today: date) -> list[date]:
    """The days a question about opening asks about, other than today: 周末 → the coming Saturday and
    Sunday; 明天, 周六, 下周三, 12月5日 → that day (bot.nlp.dates); none → []."""
    if "周末" in text:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return [saturday, saturday + timedelta(days=1)]
    asked = extract_date(text, today)
    return [asked] if asked is not None and asked != today else []


def _day_name(asked: date, today: date) -> str:
    relative = {1: "明天", 2: "后天"}.get((asked - today).days)
    return f"{relative or ''}{day(asked)}"


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
        if (total := policy.total_limit(reader_type)) is not None:
            lines.append(f"· {_READERS[reader_type]}各类合计最多借{total}本")
    lines.append("· 工具书、大型成套图书只在阅览室看，不外借")
    lines.append(f"· 逾期每天罚{policy.fine_per_day_fen / 100:.2f}元"
                 + ("，最多不超过书价" if policy.fine_cap_at_price else "") + "；" + _closed_days(policy))
    lines.append("· 有人预约的书、已逾期或被催还的书不能续借；期末前要全部归还")
    lines.append("· 书丢了照价赔偿，损坏需修补")
    return "\n".join(lines)


def _reader_types(ctx: Context) -> list[ReaderType]:
    types: list[ReaderType] = []
    if ctx.identity is not None and ctx.identity.reader is not None:
        types.append(ReaderType.STUDENT if ctx.identity.reader.reader_type == ReaderType.STUDENT
                     else ReaderType.TEACHER)
    if ctx.identity is not None and ctx.identity.children and ReaderType.STUDENT not in types:
        types.append(ReaderType.STUDENT)
    return types or [ReaderType.TEACHER, ReaderType.STUDENT]


@routes.on("rules")
def rules(ctx: Context) -> str:
    """A question about one rule gets that answer first (from the policy), then a pointer to 借阅规则;
    借阅规则 itself gets the rules that apply to this user (teacher, student/parent), or both."""
    text = ctx.text
    types = _reader_types(ctx)
    for words, answer in _QUESTIONS:
        if any(w in text for w in words):
            return f"{answer(ctx, types)}\n其他借阅规则（借期、本数等）请发送“借阅规则”。"
    return rules_text(ctx.library.policy, types)


def _fine_text(policy: Policy) -> str:
    cap = "，最多不超过书价" if policy.fine_cap_at_price else ""
    return f"逾期每天罚{yuan(policy.fine_per_day_fen)}{cap}，{_closed_days(policy)}"


def _closed_days(policy: Policy) -> str:
    """Whether closed days count as late ([policy] fine_days)."""
    return "闭馆日不计" if policy.fine_days == "open" else "闭馆日也算"


def _lost_card(ctx: Context, types: list[ReaderType]) -> str:
    return ("借书证丢了请马上发送“挂失”：我会先跟您确认是哪张证，确认后这张证立刻停用，别人捡到也借不了书。\n"
            "然后到图书室找老师补办新证：借阅记录和没还的书都转到新证上，微信不用重新绑定。")


def _overdue(ctx: Context, types: list[ReaderType]) -> str:
    policy = ctx.library.policy
    lines = [f"超期（逾期）了：{_fine_text(policy)}。"]
    if policy.block_checkout_when_overdue:
        lines.append("有逾期没还的书时，不能再借新书，也不能续借、预约；把书还了就能接着借。")
    lines.append(f"欠款超过{yuan(policy.max_unpaid_fen)}没缴清也不能借书。")
    if policy.suspension_days:
        lines.append(f"续借过的书再逾期，会暂停借阅{policy.suspension_days}天。")
    return "\n".join(lines)


def _renewal(ctx: Context, types: list[ReaderType]) -> str:
    policy = ctx.library.policy
    lines = []
    for reader_type in types:
        rule = policy.rule(reader_type, ItemType.GENERAL)
        who = _READERS[reader_type] if len(types) > 1 else ""
        if rule.renewals:
            lines.append(f"{who}每本书可以续借{rule.renewals}次，每次延长{rule.renew_days}天。")
        else:
            lines.append(f"{who}借的书不能续借。")
    lines.append("续借请发送“续借 书名”或“续借第1本”（先发“我的借阅”看序号），到期前就能办。")
    lines.append("已逾期、被催还或有人预约的书不能续借。")
    return "\n".join(lines)


def _may_borrow_now(ctx: Context, types: list[ReaderType]) -> str:
    """For a bound reader (or each child): may they borrow today, and if not, why and what to do."""
    persons = people(ctx)
    if not persons:
        rule = ctx.library.policy.rule(types[0], ItemType.GENERAL)
        return (f"借阅证正常、没有逾期的书、欠款不超过{yuan(ctx.library.policy.max_unpaid_fen)}、"
                f"没借满{rule.max_items}本，就能借书。绑定借阅证后问我，我帮您看看现在能不能借。")
    by_name = len(persons) > 1 or is_parent_view(ctx)
    return "\n".join(_borrow_state(ctx, p.card_no, p.name if by_name else "您") for p in persons)


def _borrow_state(ctx: Context, card_no: str, who: str) -> str:
    try:
        reader = reader_summary(ctx.library, card_no)
    except Refused as exc:
        return f"{who}现在不能借书：{refusal(exc)}。"
    policy = ctx.library.policy
    why = []
    if reader.suspended_until:  # the summary carries a current suspension only
        why.append(suspension_text(reader.suspended_until, reader.suspension_reason))
    late = [loan for loan in reader.loans if loan.overdue]
    if late and policy.block_checkout_when_overdue:
        why.append(f"有{len(late)}本逾期没还（《{late[0].title}》），请先还书")
    owed = sum(c.amount_fen for c in reader.charges)
    if owed > policy.max_unpaid_fen:
        why.append(f"有{yuan(owed)}欠款没缴清，请先到图书室缴清")
    general = next((m for m in reader.may_borrow if m.item_type == ItemType.GENERAL.value), None)
    if general is not None and general.left == 0:
        full = reader.total_limit if reader.total_limit is not None and len(reader.loans) >= reader.total_limit \
            and reader.total_limit < general.limit else general.limit
        why.append(f"已经借满{full}本，还一本才能再借")
    if why:
        return f"{who}现在还不能借书：" + "；".join(why) + "。"
    left = f"，还能借{general.left}本" if general is not None else ""
    return f"{who}现在可以借书{left}，直接到图书室借就行。"


def _lost(ctx: Context, types: list[ReaderType]) -> str:
    """A lost card or a lost book: "书丢了怎么办" is not the card (core.circulation.losses: 照价赔偿)."""
    text = ctx.text
    card = any(w in text for w in ("证", "卡", "挂失", "补办", "补证"))
    if card or not any(w in text for w in ("书", "本", "赔")):
        return _lost_card(ctx, types)
    return ("书丢了别着急，先在家里和学校再找找。确实找不到，请到图书室告诉老师登记丢失：照价赔偿（按这本书的定价，"
            "记为欠款），登记后这本书不再算逾期。\n发送“我的借阅”可以看这本书的书名和应还日期。")


_QUESTIONS = (
    (("丢", "掉了", "找不到", "补办", "补证", "挂失"), _lost),
    (("超期", "逾期", "过期", "晚还", "迟还", "罚"), _overdue),  # "超期了会不会不让借书": the consequence
    (("还能借", "能不能借", "能借书吗", "可以借书吗", "能借吗", "让借", "借不了", "不能借"), _may_borrow_now),
    (("续借", "续期", "延期", "续一下"), _renewal),
)


# "谢谢" / "好的谢谢你啊" close a conversation: a thank-you, not the menu as if it were not understood.
_THANKS = re.compile(r"谢谢|多谢|感谢|谢啦|辛苦了|thanks?|thx", re.IGNORECASE)
THANKS_REPLY = "不客气😊 还有需要随时发消息给我，比如“我的借阅”“查 书名”。"


# A reader who cannot bind for want of the card number or code: where they come from.
_NO_CARD_NUMBER = re.compile(r"(?:卡号|证号|借书证|借阅证|验证码|绑定码).{0,8}(?:不知道|没给|没有|没收到|找不到|忘了|不记得)"
                             r"|(?:不知道|没给|没有|没收到|找不到|忘了|不记得).{0,8}(?:卡号|证号|验证码|绑定码)")
NO_CARD_NUMBER_REPLY = ("借书证号和验证码在班主任发的“家长绑定通知单”上（老师的证号和验证码在图书室领）。没拿到或弄丢了，请问班主任或"
                        "图书室老师要一张新的；拿到后发送“绑定 证号 姓名 验证码”，比如：绑定 S30201 王小明 123456。")


@fallback.on("unknown")
def unknown(ctx: Context) -> str:
    """Anything not understood (or a short answer with nothing pending): the menu."""
    if ctx.slots.get("indexes") or "confirm" in ctx.slots or ctx.slots.get("all"):
        # Nothing was lost: no question is open (or it timed out). Say so briefly and what to send.
        minutes = max(1, int(ctx.question_lifetime.total_seconds() // 60))
        return NOTHING_WAITING.format(minutes=minutes)

    if _THANKS.search(ctx.text) and len(ctx.text) <= 16:
        return THANKS_REPLY
    if _NO_CARD_NUMBER.search(ctx.text):  # "我不知道什么卡号 老师没给我": where the number and code come from
        return NO_CARD_NUMBER_REPLY
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
