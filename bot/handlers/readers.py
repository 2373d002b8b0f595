"""S30211借了什么: a reader's loans by card number, for the librarian and student helpers.

Anyone else asking about their own card or their own child's gets that card's loans; about any other
card, the same refusal whatever the card (an unknown card and another child's read alike).
"""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.loans import loan_line
from bot.handlers.people import not_bound_reply, people
from bot.handlers.staff import money_shown, refusal_for
from bot.handlers.texts import day, refusal, yuan
from core import queries
from core.desk import reader_summary
from core.desk_words import suspension
from core.errors import Reason, Refused
from core.models import ReaderStatus

routes = Routes("readers")
INTENT = "reader_loans"
MAX_LINES = 12


@routes.on(INTENT)
def reader_loans(ctx: Context) -> str:
    """Name, class, loans with due dates and overdue days (and what is owed, for the librarian)."""
    card = (ctx.slots.get("card_no") or "").upper()
    if (refused := refusal_for(ctx, INTENT)) is not None:
        own = [p for p in people(ctx) if p.card_no == card]
        if own:  # a parent or teacher asking about a card they speak for
            loans = queries.open_loans(ctx.library, own[0].reader_id)
            if not loans:
                return f"{own[0].name}现在没有借书。发送“我的借阅”可以看全部。"
            lines = [f"{own[0].name}借了{len(loans)}本："] + [loan_line(i, loan) for i, loan in enumerate(loans, 1)]
            return "\n".join(lines + ["发送“我的借阅”可以续借。"])
        return refused if ctx.identity is not None else f"{refused}\n{not_bound_reply(ctx)}"
    if not card:
        return "请发送：证号借了什么，例如：S30211借了什么"
    try:
        reader = reader_summary(ctx.library, card)
    except Refused as exc:
        if Reason.CARD_LOST in exc.reasons:  # a retired number: replaced by a new card
            return f"{card}这个证号已作废（补办过新证），请用新证号查询。"
        return f"没查到：{refusal(exc)}。"
    cls = f"，{reader.class_name}" if reader.class_name else ""
    head = f"{reader.name}（{reader.card_no}{cls}）"
    notes = []
    if reader.status == ReaderStatus.CARD_LOST:
        notes.append("这张证已挂失，补办请发送：补办 旧证号 新证号。")
    if reader.suspended_until:  # the summary carries a current suspension only
        notes.append(f"{suspension(reader.suspended_until, reader.suspension_reason)}。")
    loans = queries.open_loans(ctx.library, reader.reader_id)
    if not loans:
        return "\n".join([f"{head}现在没有借书。", *notes])
    lines = [f"{head}借了{len(loans)}本："]
    for i, loan in enumerate(loans[:MAX_LINES], 1):
        state = f"已逾期{loan.overdue_days}天" if loan.overdue_days else f"{day(loan.due_date)}到期"
        lines.append(f"{i}.《{loan.title}》{loan.barcode}，{state}" + ("，已催还" if loan.recalled else ""))
    if len(loans) > MAX_LINES:
        lines.append(f"……另有{len(loans) - MAX_LINES}本，请到后台借还台查看")
    if money_shown(ctx):
        if reader.owed_fen:
            lines.append(f"欠款{yuan(reader.owed_fen)}，缴费请发送：缴费 {reader.card_no}")
        if accruing := sum(loan.fine_fen for loan in loans):
            lines.append(f"逾期罚金已累计{yuan(accruing)}，还书时结算。")
    lines += notes
    late = next((loan for loan in loans if loan.overdue_days), None)
    if late is not None and money_shown(ctx):
        lines.append(f"催还请发送：催还 {late.barcode}")
    else:
        lines.append(f"还书请发送：归还 {loans[0].barcode}")
    return "\n".join(lines)
