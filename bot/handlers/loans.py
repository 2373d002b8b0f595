"""我的借阅、借阅历史、欠款: for the user's own card and for each child."""
from __future__ import annotations

import re

from bot.handlers.base import Context, Routes
from bot.handlers.people import (
    OwnedLoan,
    is_parent_view,
    not_bound_reply,
    numbered_loans,
    people,
    renew_blockers,
)
from bot.handlers.staff import codes_in, staff_role
from bot.handlers.texts import day, refusal, suspension_text, yuan
from core import queries
from core.circulation.collections import class_collection
from core.desk import reader_summary
from core.errors import Reason, Refused
from core.models import ChargeKind, ReservationStatus
from core.queries import LoanView
from core.staff import Role as StaffRole

routes = Routes("loans")
MAX_CHARS = 600


def loan_line(position: int, loan: LoanView, who: str = "") -> str:
    """1.《草房子》11月20日（周五）到期 / 已逾期3天…"""
    if loan.overdue_days > 0:
        fine = f"，罚金{yuan(loan.fine_fen)}" if loan.fine_fen else ""
        state = f"已逾期{loan.overdue_days}天{fine}，请尽快归还"
    elif loan.recalled:
        state = f"图书室催还，请在{day(loan.due_date)}前归还"
    else:
        state = f"{day(loan.due_date)}到期"
    renewed = f"（已续借{loan.renewal_count}次）" if loan.renewal_count > 1 else "（已续借）" if loan.renewal_count else ""
    return f"{position}.{who}《{loan.title}》{state}{renewed}"


def _fit(lines: list[str], tail: str) -> str:
    out: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in out) + len(line) + len(tail) > MAX_CHARS - 20:
            out.append("……（更多请到图书室查询）")
            break
        out.append(line)
    return "\n".join(out + [tail])


@routes.on("my_loans")
def my_loans(ctx: Context) -> str:
    """Open loans with due dates, overdue days and fines; per child for parents."""
    holders = people(ctx)
    if not holders:
        return not_bound_reply(ctx)
    if _asks_reservations(ctx):
        return reservations_reply(ctx)
    loans = numbered_loans(ctx)
    if ctx.shown is not None:  # "续借第2本" next means the second book of this list
        ctx.shown.remember(ctx.message.user_id, [o.loan.loan_id for o in loans], ctx.library.now())
    lines: list[str] = []
    for person in holders:
        mine = [o for o in loans if o.holder.reader_id == person.reader_id]
        who = person.name + (f"（{person.class_name}）" if is_parent_view(ctx) and person.class_name else "")
        if (stopped := queries.suspension(ctx.library, person.reader_id)) is not None:
            lines.append(f"{who}的{suspension_text(stopped.until, stopped.reason)}。")
        if not mine:
            lines.append(f"{who}现在没有借书。")
            continue
        lines.append(f"{who}借了{len(mine)}本：")
        lines += [loan_line(o.position, o.loan) for o in mine]
    block = class_collection_block(ctx)
    tail = [*block, _next_step(ctx, loans)]
    if loans and _SAYS_RETURNED.search(ctx.text):  # "书已经还了，怎么还显示借着": who can check it
        tail.append(f"如果书已经还了这里还显示借着，可能还书时没扫到条码，请找{ctx.library.school.librarian_contact}核对。")
    return _fit(lines, "\n".join(tail))


# The reader says a book shown as out was given back (孩子说书已经还了，系统里还显示借着吗).
_SAYS_RETURNED = re.compile(r"(?:已经|早就?|明明|都|早都)还了|还过了|还回去了|交回去了")


def class_collection_block(ctx: Context) -> list[str]:
    """班级图书角: what the class teacher's class borrowed as a class (集体借阅), apart from their own books."""
    identity = ctx.identity
    if identity is None or identity.class_teacher_of is None:
        return []
    collection = class_collection(ctx.library, identity.class_teacher_of[0])
    if not collection.loans:
        return []
    today = ctx.library.today()
    late = sum(1 for loan in collection.loans if loan.due_date < today)
    recalled = [loan for loan in collection.loans if loan.recalled and loan.due_date >= today]
    lines = [f"班级图书角（{collection.class_name}集体借阅）{len(collection.loans)}本，"
             f"{day(max(loan.due_date for loan in collection.loans))}到期" + (f"，其中{late}本已逾期，请尽快还到图书室" if late else "") + "。"]
    lines += [f"图书室催还《{loan.title}》，请在{day(loan.due_date)}前归还。" for loan in recalled[:3]]
    return lines


def _next_step(ctx: Context, loans: list[OwnedLoan]) -> str:
    """What to send next: the numbers that can be renewed now, never one the renewal would refuse."""
    if not loans:
        return "发送“查 书名”找书，发送“推荐”看看好书。"
    overdue = [o for o in loans if o.loan.overdue_days > 0]
    # From memory only (the fast path): overdue, recalled, renewals used up, a suspension. A reservation
    # by someone else is said by the renewal itself.
    blockers = renew_blockers(ctx, loans, check_reservations=False)
    may = [o.position for o in loans if not blockers[o.loan.loan_id]]
    if any(Reason.SUSPENDED in blockers[o.loan.loan_id] for o in loans):
        # The suspension's own line above says when (or how) borrowing comes back.
        paused = "借书资格暂停期间不能续借，请按时还书。"
        others = "、".join(str(n) for n in may)
        return paused + (f"回复“续借第{others}本”可以续借其他的书。" if may else "")
    numbers = "、".join(str(n) for n in may)
    if len(may) == len(loans) and len(may) > 1:
        hint = f"回复“续借第{may[0]}本”或“全部续借”可以续借。"
    elif may:
        hint = f"回复“续借第{numbers}本”可以续借。"
    else:
        hint = ""
    if overdue:
        return f"逾期的书不能续借，请尽快归还。{hint}"
    return hint or "这些书都不能再续借了，请按时归还。"


def _asks_reservations(ctx: Context) -> bool:
    return "预约" in ctx.text


def reservations_reply(ctx: Context) -> str:
    """我的预约: waiting position or ready-for-pickup deadline."""
    lines: list[str] = []
    for person in people(ctx):
        for r in queries.reservations(ctx.library, person.reader_id):
            who = f"{person.name}：" if is_parent_view(ctx) else ""
            if r.status == ReservationStatus.READY:
                lines.append(f"· {who}《{r.title}》到了！请在{day(r.hold_until)}前到图书室取书")
            else:
                lines.append(f"· {who}《{r.title}》排第{r.position}位，书一还回来就通知您")
    if not lines:
        return "现在没有预约。想借的书都借出了？发送“预约 书名”排队。"
    return _fit(["您的预约："] + lines, "不想要了可以发送“取消预约 书名”。")


@routes.on("history")
def history(ctx: Context) -> str:
    """This term's count and the latest titles, per person."""
    holders = people(ctx)
    if not holders:
        return not_bound_reply(ctx)
    lines: list[str] = []
    for person in holders:
        h = queries.history(ctx.library, person.reader_id)
        lines.append(f"{person.name}本学期借了{h.this_term}本，累计{h.total}本。")
        if h.by_month:  # a small chart that fits in a chat message: one bar per month
            lines.append("每月：" + "  ".join(f"{m}月{'▇' * min(n, 8)}{n}" for m, n in h.by_month))
        lines += [f"· 《{title}》（{d.month}月{d.day}日借）" for title, d in h.recent]
    return _fit(lines, "发送“推荐”找下一本好书。")


_KINDS = {ChargeKind.OVERDUE: "逾期罚金", ChargeKind.LOST: "丢书赔偿", ChargeKind.DAMAGE: "损坏修补",
          ChargeKind.THEFT: "偷窃赔偿"}


@routes.on("fines")
def fines(ctx: Context) -> str:
    """Open charges and fines still accruing on overdue loans."""
    if (by_card := _fines_by_card(ctx)) is not None:
        return by_card
    holders = people(ctx)
    if not holders:
        return not_bound_reply(ctx)
    lines: list[str] = []
    total = owed = accruing = 0
    for person in holders:
        c = queries.charges(ctx.library, person.reader_id)
        total += c.total_fen
        owed += sum(charge.amount_fen for charge in c.open_charges)
        accruing += c.accruing_fen
        for charge in c.open_charges:
            lines.append(f"· {person.name}：{_KINDS.get(charge.kind, '欠款')}{yuan(charge.amount_fen)}")
        if c.accruing_fen:
            lines.append(f"· {person.name}：逾期未还，罚金已累计{yuan(c.accruing_fen)}，每天还在增加")
    if total == 0:
        return "没有欠款，继续保持按时还书👍"
    return _fit([f"共{yuan(total)}："] + lines, _how_to_pay(owed, accruing))


def _fines_by_card(ctx: Context) -> str | None:
    """"S30211欠多少钱" from the librarian: that reader's debt, never the librarian's own (None: not that)."""
    if staff_role(ctx) is not StaffRole.LIBRARIAN:
        return None
    assert ctx.identity is not None and ctx.identity.reader is not None
    cards = [c for c in codes_in(ctx.text) if c != ctx.identity.reader.card_no.upper()]
    if not cards:
        return None
    try:
        reader = reader_summary(ctx.library, cards[0])
    except Refused as exc:
        return f"没查到：{refusal(exc)}。"
    who = f"{reader.name}（{reader.card_no}）"
    accruing = queries.charges(ctx.library, reader.reader_id).accruing_fen
    running = f"另有逾期罚金已累计{yuan(accruing)}，还书时结算。" if accruing else ""
    if not reader.owed_fen:
        return f"{who}现在没有要缴的欠款。{running}".strip()
    return f"{who}共欠{yuan(reader.owed_fen)}。{running}\n收到钱后发送“缴费 {reader.card_no}”登记。"


def _how_to_pay(owed: int, accruing: int) -> str:
    """One instruction: where and when to pay, whatever mix of charges and running fines there is."""
    if not accruing:
        return "请到图书室缴纳，图书室老师登记后就清了。"
    if not owed:
        return "请尽快把书还到图书室，还书时在图书室一起缴清罚金；早一天还，罚金就少一天。"
    return "请尽快把书还到图书室，在图书室把欠款和逾期罚金一起缴清；早一天还书，罚金就少一天。"
