"""缴费 证号 (the librarian only): show what the reader owes, record it paid on “确认”.

Two steps, because it is money: "缴费 S30201" lists the open charges and leaves a "confirm" question
holding exactly those charge ids; "确认" comes back here through bot/handlers/confirm.py with them and
settles those charges only (one paid meanwhile at the console, or a new one, is never touched).
"""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.staff import actor, refusal_for
from bot.handlers.texts import refusal, yuan
from bot.nlp import ParseResult
from core import queries
from core.circulation import SettleReaderCharges, settle_reader_charges
from core.desk import reader_summary
from core.desk_words import CHARGE_KINDS
from core.errors import Reason, Refused

routes = Routes("payments")
INTENT = "pay_fine"


@routes.on(INTENT)
def pay_fine(ctx: Context) -> str:
    """First the amounts and a question; with the confirmed charge ids, record them paid."""
    if (refused := refusal_for(ctx, INTENT)) is not None:
        return refused
    card = ctx.slots.get("card_no") or ""
    if not card:
        return "请发送：缴费 证号，例如：缴费 S30201"
    charge_ids = ctx.slots.get("charge_ids")
    try:
        if charge_ids:
            return _settle(ctx, card, tuple(int(i) for i in charge_ids))
        reader = reader_summary(ctx.library, card)
    except Refused as exc:
        if Reason.CHARGE_SETTLED in exc.reasons:
            return "这些欠款已经登记过缴费了，不用再登记。发送“缴费 证号”可以再看一遍。"
        return f"没办成：{refusal(exc)}。"
    cls = f"，{reader.class_name}" if reader.class_name else ""
    who = f"{reader.name}（{reader.card_no}{cls}）"
    accruing = _accruing(ctx, reader.reader_id)
    if not reader.charges:
        return f"{who}现在没有要缴的欠款。{accruing}".strip()
    lines = [f"{who}共欠{yuan(reader.owed_fen)}："]
    lines += [f"· {CHARGE_KINDS.get(c.kind, '欠款')}{yuan(c.amount_fen)}{_note(c.note)}" for c in reader.charges]
    if accruing:
        lines.append(accruing)
    lines.append("收到钱后回复“确认”，我就登记已缴清；回复“算了”不登记。")
    ctx.ask("confirm", parse=ParseResult(INTENT, {"card_no": reader.card_no,
                                                  "charge_ids": [c.charge_id for c in reader.charges]}, 1.0))
    return "\n".join(lines)


def _settle(ctx: Context, card: str, charge_ids: tuple[int, ...]) -> str:
    done = settle_reader_charges(ctx.library, SettleReaderCharges(card, charge_ids, actor=actor(ctx)))
    left = reader_summary(ctx.library, card)
    lines = [f"已登记{done.reader_name}缴费{yuan(done.total_fen)}（{len(done.paid)}笔）。"]
    if left.owed_fen:  # charged meanwhile (e.g. a late return): not part of what was confirmed
        lines.append(f"另有{yuan(left.owed_fen)}是刚产生的欠款，发送“缴费 {left.card_no}”再登记。")
    else:
        lines.append("欠款已结清。")
    if accruing := _accruing(ctx, left.reader_id):
        lines.append(accruing)
    return "\n".join(lines)


def _accruing(ctx: Context, reader_id: int) -> str:
    """Fines still growing on books out late: they become a charge when the book comes back."""
    fen = queries.charges(ctx.library, reader_id).accruing_fen
    return f"还有逾期未还的书，罚金已累计{yuan(fen)}，还书时再结算。" if fen else ""


_PLAIN_NOTES = frozenset(CHARGE_KINDS.values()) | {"照价赔偿", "损坏修复"}  # the services' default notes


def _note(note: str) -> str:
    """The charge's note when it says more than its kind (逾期11天, a librarian's remark)."""
    return f"（{note}）" if note and note not in _PLAIN_NOTES else ""
