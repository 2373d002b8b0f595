"""The librarian's words at the desk: which book, which rule, how much.

Shared by the two staff front ends (`cli/desk.py`, `console/desk.py`); the readers' chat texts
live in `bot/handlers/texts.py`. Every function takes core results or a `Refused` and returns
plain Chinese text (the console escapes it when rendering). `money=False` leaves amounts out, for
student helpers (no money, DESIGN.md "Roles").
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from core.circulation.results import (
    CardReplaced,
    ConditionRecord,
    ItemDamaged,
    ItemLost,
    LoanCreated,
    LoanRecalled,
    LoanRenewed,
    LoanReturned,
    ReaderCleared,
    ReaderSuspended,
    SuspensionLifted,
    TheftCharged,
    TheftPreview,
)
from core.circulation.suspension import is_indefinite
from core.clock import school_today
from core.errors import Reason, Refused

WEEKDAYS = "一二三四五六日"
READER_TYPES = {"teacher": "教师", "student": "学生", "staff": "职工", "class": "班级"}
ITEM_TYPES = {"general": "普通图书", "teaching_reference": "教学参考书", "reference": "工具书",
              "periodical": "期刊"}
ITEM_STATUSES = {"available": "在架", "on_loan": "已借出", "held": "预约保留中", "in_repair": "送修中",
                 "lost": "已登记丢失", "withdrawn": "已注销"}
CHARGE_KINDS = {"overdue": "逾期罚款", "lost": "丢书赔偿", "damage": "损坏修补", "theft": "偷窃赔偿"}
ACTIONS = {"checkout": "不能借出", "checkin": "不能归还", "renew": "不能续借", "recall": "不能催还",
           "lost": "不能登记丢失", "damaged": "不能登记损坏", "repaired": "不能登记修好",
           "pay": "不能缴费", "waive": "不能免除", "card_lost": "不能挂失", "replace_card": "不能补证",
           "clear": "不能清退", "reader": "这张证不能用", "issue_card": "不能办证",
           "theft": "不能登记偷窃赔偿", "suspend": "不能暂停借书", "lift": "不能恢复借书",
           "condition": "不能登记原有损坏"}


def day(d: date | None) -> str:
    """11月20日（周五）; — for no date."""
    if d is None:
        return "—"
    return f"{d.month}月{d.day}日（周{WEEKDAYS[d.weekday()]}）"


def yuan(fen: int) -> str:
    """Integer fen as 12.50元."""
    return f"{fen // 100}.{fen % 100:02d}元"


def _who(ctx: Mapping[str, Any]) -> str:
    return str(ctx.get("reader_name") or "这位读者")


def _limit(ctx: Mapping[str, Any]) -> str:
    kind = f"{READER_TYPES.get(ctx.get('reader_type', ''), '')}{ITEM_TYPES.get(ctx.get('item_type', ''), '')}"
    n = ctx.get("max_items")
    return f"{_who(ctx)}已借满{n}本（{kind}上限{n}本）" if n is not None else f"{_who(ctx)}已借满上限"


def _total_limit(ctx: Mapping[str, Any]) -> str:
    n = ctx.get("max_items_total")
    kind = READER_TYPES.get(ctx.get("reader_type", ""), "")
    return f"{_who(ctx)}已借满{n}本（{kind}各类图书合计最多{n}本），先还一本再借"


def until_text(d: date | None) -> str:
    """The end of a suspension: a day, or 图书室恢复为止 for an indefinite one."""
    return "图书室恢复为止" if is_indefinite(d) else day(d)


def _suspended(ctx: Mapping[str, Any]) -> str:
    why = ctx.get("suspension_reason") or "续借后再次逾期"
    until = ctx.get("suspended_until")
    return f"{_who(ctx)}暂停借阅到{until_text(until)}（{why}）"


def suspension(until: date | None, reason: str) -> str:
    """暂停借阅到12月1日（周二）（原因：损坏图书未赔偿）; "" when not suspended."""
    if until is None:
        return ""
    return f"暂停借阅到{until_text(until)}（{'原因：' + reason if reason else '续借后再次逾期'}）"


def suspension_status(until: date, reason: str) -> str:
    """A reader's state while suspended: 暂停借书（多次损坏图书，到图书室恢复为止）."""
    end = "到图书室恢复为止" if is_indefinite(until) else f"到{day(until)}"
    return f"暂停借书（{reason or '续借后再次逾期'}，{end}）"


def _unpaid(ctx: Mapping[str, Any], money: bool) -> str:
    if not money or ctx.get("unpaid_fen") is None:
        return f"{_who(ctx)}有未缴欠款，请找图书管理员处理"
    owed = yuan(int(ctx["unpaid_fen"]))
    if ctx.get("max_unpaid_fen") is None:  # clearance: every charge must be settled
        return f"还有欠款{owed}未结清"
    return f"{_who(ctx)}欠款{owed}，超过{yuan(int(ctx['max_unpaid_fen']))}的上限，缴清后才能借"


def _status(ctx: Mapping[str, Any]) -> str:
    return ITEM_STATUSES.get(str(ctx.get("item_status", "")), "不在架上")


def _not_for_loan(ctx: Mapping[str, Any]) -> str:
    item = ITEM_TYPES.get(ctx.get("item_type", ""), "这类书")
    if ctx.get("item_type") == "reference":
        return "工具书、大型成套图书只在阅览室看，不外借"
    return f"{item}不借给{READER_TYPES.get(ctx.get('reader_type', ''), '这类读者')}"


# One phrase per reason; each reads the context core sent with the refusal (missing values fall back).
_PHRASES: dict[Reason, Callable[[Mapping[str, Any], bool], str]] = {
    Reason.READER_NOT_FOUND: lambda c, m: f"没有证号为{c.get('card_no', '')}的读者，请核对证号",
    Reason.CARD_LOST: lambda c, m: f"{_who(c)}的借书证已挂失，补证后才能用",
    Reason.READER_LEFT: lambda c, m: f"{_who(c)}已注销（离校或调离）",
    Reason.SUSPENDED: lambda c, m: _suspended(c),
    Reason.UNPAID_CHARGES: lambda c, m: _unpaid(c, m),
    Reason.HAS_OVERDUE: lambda c, m: f"{_who(c)}有{c.get('overdue_loans', '')}本逾期未还，先还书再借",
    Reason.ITEM_NOT_FOUND: lambda c, m: f"没有条码为{c.get('barcode', '')}的书，请核对条码",
    Reason.TITLE_NOT_FOUND: lambda c, m: "没有这个书目",
    Reason.LOAN_NOT_FOUND: lambda c, m: "找不到这笔借阅",
    Reason.NOT_FOR_LOAN: lambda c, m: _not_for_loan(c),
    Reason.ITEM_UNAVAILABLE: lambda c, m: f"这本书现在{_status(c)}",
    Reason.HELD_FOR_ANOTHER: lambda c, m: "这本书在为别的读者预约保留，请放回预约架",
    Reason.LIMIT_REACHED: lambda c, m: _limit(c),
    Reason.TOTAL_LIMIT_REACHED: lambda c, m: _total_limit(c),
    Reason.NOT_ON_LOAN: lambda c, m: f"这本书没有借出（现在{_status(c)}）",
    Reason.NOT_ON_SHELF: lambda c, m: (f"这本书现在{_status(c)}，原有损坏只能在书在图书室时（或借出时）记录；"
                                       "还回来时发现损坏，请登记“损坏”"),
    Reason.OVERDUE: lambda c, m: f"已逾期{c.get('days_late', '')}天，先还书",
    Reason.RECALLED: lambda c, m: "图书室已催还这本书",
    Reason.RESERVED_BY_OTHER: lambda c, m: "别的读者在排队预约这本书",
    Reason.RENEWALS_USED_UP: lambda c, m: f"续借次数已用完（最多{c.get('renewals', 1)}次）",
    Reason.TERM_END: lambda c, m: f"学期{day(c.get('term_end'))}结束，续借不能更晚",
    Reason.ALREADY_RESERVED: lambda c, m: "已经预约过",
    Reason.ALREADY_BORROWED: lambda c, m: "已经借着这本书",
    Reason.COPY_AVAILABLE: lambda c, m: "架上有书，直接借就行",
    Reason.RESERVATION_LIMIT: lambda c, m: f"预约已满{c.get('max_reservations', '')}本",
    Reason.RESERVATION_NOT_FOUND: lambda c, m: "找不到这个预约",
    Reason.HAS_OPEN_LOANS: lambda c, m: f"还有{c.get('open_loans', '')}本书没还",
    Reason.CHARGE_NOT_FOUND: lambda c, m: f"没有编号为{c.get('charge_id', '')}的欠款",
    Reason.CHARGE_SETTLED: lambda c, m: f"欠款{c.get('charge_id', '')}已经结清了",
    Reason.CARD_IN_USE: lambda c, m: f"证号{c.get('card_no', '')}已被使用或已作废，请换一个",
    Reason.NO_PRICE: lambda c, m: "这本书没有登记书价，请写上书价再登记",
    Reason.PRICE_TOO_HIGH: lambda c, m: (f"书价太高，请核对（现在是{yuan(int(c.get('price_fen', 0)))}，"
                                         f"最多{yuan(int(c.get('max_price_fen', 0)))}）"),
}


def refusal(action: str, exc: Refused, *, money: bool = True) -> str:
    """《草房子》不能借出：陈思雨已借满2本（学生普通图书上限2本）— every reason, in the order to act on.

    `action` is a key of ACTIONS (checkout, renew, ...); the book's title leads when core sent it.
    """
    ctx = exc.context
    reasons = [_PHRASES[r](ctx, money) for r in exc.reasons]
    head = f"《{ctx['title']}》" if ctx.get("title") else ""
    return f"{head}{ACTIONS.get(action, '没办成')}：{'；'.join(reasons)}"


def lent(loan: LoanCreated) -> str:
    """✓ 借出《草房子》给王小明，12月2日（周三）前归还。"""
    done = f"✓ 借出《{loan.title}》给{loan.reader_name}，{day(loan.due_date)}前归还。"
    return done + (f"已记录书的原有损坏：{loan.condition_note}。" if loan.condition_note else "")


def noted_by(actor: str) -> str:
    """Who wrote an audit entry, for the desk: a console login's name; 微信 or 图书室 otherwise (no ids)."""
    kind, _, name = actor.partition(":")
    if kind == "staff" and name:
        return name
    return "微信值班" if kind == "wechat" else "图书室"


def condition_line(note: str, records: Sequence[ConditionRecord]) -> str:
    """这本书原有损坏：缺页（王老师11月3日记录，借出前就有，不是这位读者造成的，不要收费）。

    Only damage noted before this loan began clears the reader; a note without its audit entry, or one
    written while the reader had the book, names who wrote it and asks the librarian to check.
    """
    def when(rs: Sequence[ConditionRecord]) -> str:
        return "、".join(f"{noted_by(r.actor)}{d.month}月{d.day}日" for r in rs for d in [school_today(r.at)])

    if not records:
        return f"这本书原有损坏：{note}（已记录，记录人不明，请核对）。"
    later = [r for r in records if not r.before_loan]
    if not later:
        return f"这本书原有损坏：{note}（{when(records)}记录，借出前就有，不是这位读者造成的，不要收费）。"
    return (f"这本书记录的损坏：{note}（{when(records)}记录；其中{when(later)}是借出以后记的，"
            "请核对是不是这位读者造成的）。")


def returned(r: LoanReturned, *, money: bool = True) -> list[str]:
    """The return and what follows from it: fine, suspension, put on the hold shelf."""
    lines = [f"✓ 归还《{r.title}》（{r.reader_name}）。"]
    if r.condition_note:
        lines.append(condition_line(r.condition_note, r.condition_records))
    if r.overdue_days:
        lines.append(f"逾期{r.overdue_days}天" + (f"，罚款{yuan(r.fine_fen)}（记为欠款）。" if money and r.fine_fen
                                                  else "，已记录。"))
    if r.suspended_until:
        lines.append(f"续借后再次逾期，暂停借阅到{day(r.suspended_until)}。")
    if r.reservation_ready is not None:
        lines.append(f"有人预约：请放到预约架，保留到{day(r.reservation_ready.hold_until)}。")
    return lines


def renewed(r: LoanRenewed) -> str:
    """✓ 续借《草房子》：11月20日（周五） → 11月27日（周五）。"""
    return f"✓ 续借《{r.title}》：{day(r.old_due)} → {day(r.new_due)}。"


def recalled(r: LoanRecalled) -> str:
    """The recall and its new deadline; the notice is queued by core.desk.recall_and_notify."""
    if r.notified == 0:
        return f"✓ 已催还《{r.title}》，新的还书日{day(r.new_due)}。借书人（或家长）还没有绑定微信，收不到通知，请另行告知。"
    return f"✓ 已催还《{r.title}》，新的还书日{day(r.new_due)}，已通知借书人（夜间和闭馆日的通知在开馆后发出）。"


def lost(r: ItemLost) -> str:
    """✓ 登记《城南旧事》丢失，照价赔偿18.00元（记为欠款）。"""
    return f"✓ 登记《{r.title}》丢失，照价赔偿{yuan(r.compensation_fen)}（记为欠款）。"


def damaged(r: ItemDamaged, *, money: bool = True) -> list[str]:
    """The damage record, then the return it included (if the copy was on loan)."""
    fee = f"，修补费{yuan(r.repair_fee_fen)}（记为欠款）" if r.repair_fee_fen and money else ""
    lines = [f"✓ 登记《{r.title}》损坏，送修补{fee}。"]
    if r.condition_note:
        lines.append("注意：" + condition_line(r.condition_note, r.condition_records).removeprefix("这本书")
                     + "修补费只收新的损坏（收错了可以在欠款里免除）。")
    back = returned(r.returned, money=money) if r.returned else []
    # The return's own line about the old damage would say the same thing again.
    return lines + [line for line in back if not line.startswith(("这本书原有损坏", "这本书记录的损坏"))]


def repaired(barcode: str) -> str:
    """A copy back from repair."""
    return f"✓ {barcode.strip().upper()} 修好了，可以上架（有人预约会放到预约架）。"


def settled(charge_id: int, amount_fen: int, *, waived: bool) -> str:
    """✓ 欠款1（18.00元）已缴清。"""
    return f"✓ 欠款{charge_id}（{yuan(amount_fen)}）已{'免除' if waived else '缴清'}。"


def card_lost(card_no: str) -> str:
    """The card stops at once; what to do next."""
    return f"✓ 借书证 {card_no.strip().upper()} 已挂失，立即停用。可以补办新证，借阅记录保留。"


def card_replaced(r: CardReplaced) -> str:
    """✓ 已补办新证 NEW01（旧证 R00001 作废），借阅记录保留。"""
    return f"✓ 已补办新证 {r.new_card_no}（旧证 {r.old_card_no} 作废），借阅记录保留。"


def cleared(r: ReaderCleared) -> str:
    """✓ 王小明 已结清注销。"""
    extra = f"，取消了{r.cancelled_reservations}个预约" if r.cancelled_reservations else ""
    return f"✓ {r.name} 已结清注销{extra}。"


def theft(r: TheftCharged, *, money: bool = True, charge_no: bool = True) -> str:
    """✓ 登记偷窃赔偿：王小明《草房子》，书价25.00元×10 = 250.00元（记为欠款1）.

    Without `charge_no` (the console, where 缴费 is a button): …偷窃赔偿250.00元，已记入欠款。
    """
    if not money:
        return f"✓ 已登记偷窃赔偿：{r.reader_name}《{r.title}》。"
    if not charge_no:
        return (f"✓ {r.reader_name}《{r.title}》：偷窃赔偿{yuan(r.amount_fen)}（书价{yuan(r.price_fen)}×{r.multiple}），"
                "已记入欠款。")
    return (f"✓ 登记偷窃赔偿：{r.reader_name}《{r.title}》，书价{yuan(r.price_fen)}×{r.multiple}"
            f" = {yuan(r.amount_fen)}（记为欠款{r.charge_id}）。")


def theft_preview(r: TheftPreview) -> str:
    """请确认：王小明《草房子》偷窃赔偿250.00元（书价25.00元×10）。"""
    return (f"请确认：{r.reader_name}《{r.title}》偷窃赔偿{yuan(r.amount_fen)}（书价{yuan(r.price_fen)}×{r.multiple}）。"
            "确认后记入欠款。")


def suspended(r: ReaderSuspended) -> str:
    """✓ 已暂停王小明的借书资格到图书室恢复为止（原因：……）。可以还书。"""
    if r.kept_later:
        return (f"✓ 已暂停{r.name}的借书资格（原因：{r.reason}）。原来的暂停更长，仍暂停到{until_text(r.until)}；"
                "要提前恢复，请先恢复借书资格再重新暂停。期间可以还书，不能借书。")
    return f"✓ 已暂停{r.name}的借书资格到{until_text(r.until)}（原因：{r.reason}）。期间可以还书，不能借书。"


def lifted(r: SuspensionLifted) -> str:
    """✓ 已恢复王小明的借书资格。"""
    return f"✓ 已恢复{r.name}的借书资格，现在可以借书了。"


def condition_noted(barcode: str, title: str, note: str) -> str:
    """✓ 已记录《草房子》B0001的原有损坏：缺页。"""
    return f"✓ 已记录《{title}》{barcode}的原有损坏：{note}。还书时不会算在读者头上。"
