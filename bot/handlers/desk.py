"""The desk by message: 借出 条码 证号, 归还 / 催还 / 丢失 / 损坏 条码, 补办 证号 新证号.

The librarian may do all of it, a student helper 借出 and 归还 (bot/handlers/staff.py); everyone else
is refused. Each is an action: the transport claims the message first, so a WeChat retry never runs
it twice (bot/router.py READ_ONLY_INTENTS lists the only intents that skip the claim).
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from bot.handlers.base import Context, Routes
from bot.handlers.staff import actor, codes_in, money_shown, refusal_for
from bot.handlers.texts import day, refusal, yuan
from bot.nlp import ParseResult
from core import desk_words as words
from core import queries
from core.circulation import (
    CheckinItem,
    CheckoutItem,
    MarkItemDamaged,
    MarkItemLost,
    ReplaceCard,
    checkin,
    checkout,
    mark_damaged,
    mark_lost,
    replace_card,
)
from core.circulation.results import LoanReturned
from core.desk import reader_summary, recall_and_notify
from core.errors import Reason, Refused

routes = Routes("desk")
DESK_INTENTS = ("checkout", "checkin", "recall", "mark_lost", "mark_damaged")  # 发布活动: handlers/notices.py
# An amount with its unit (5元, 5.5块, ¥5), never the tail of a longer number such as the barcode.
_FEE = re.compile(r"(?:[¥￥]\s*(\d{1,4}(?:\.\d{1,2})?))|(?:(?<![\d.])(\d{1,4}(?:\.\d{1,2})?)\s*(?:元|块))")
_EXAMPLES = {"checkin": "归还 10000003", "recall": "催还 10000003", "mark_lost": "丢失 10000003",
             "mark_damaged": "损坏 10000003（收修补费：损坏 10000003 5元）"}


@routes.on(*DESK_INTENTS)
def desk(ctx: Context) -> str:
    """Run a desk command for the librarian (or a helper: lend and return); explain refusals with their reasons."""
    intent = ctx.parse.intent
    if (refused := refusal_for(ctx, intent)) is not None:
        return refused
    barcode = ctx.slots.get("barcode") or ""
    try:
        if intent == "checkout":
            card = ctx.slots.get("card_no")
            if not (barcode and card):
                return "请发送：借出 条码 证号，例如：借出 B000123 T0001"
            loan = checkout(ctx.library, CheckoutItem(card, barcode, actor=actor(ctx)))
            return f"已借出《{loan.title}》给{loan.reader_name}，{day(loan.due_date)}到期。"
        if not barcode:
            return f"请带上条码，例如：{_EXAMPLES[intent]}"
        if intent in ("mark_lost", "mark_damaged") and (asked := _one_at_a_time(ctx, intent)) is not None:
            return asked
        if intent == "checkin":
            returned = checkin(ctx.library, CheckinItem(barcode, actor=actor(ctx)))
            return "\n".join(_returned(ctx, returned) + [_after_return(ctx, returned)])
        if intent == "recall":
            # The reader (a student's parents) gets the 催书 notice at once, quiet hours respected.
            recalled = recall_and_notify(ctx.library, ctx.settings, barcode, actor=actor(ctx))
            unreached = "借书人（或家长）还没有绑定微信，收不到通知，请另行告知。" if recalled.notified == 0 else ""
            if recalled.new_due < ctx.library.today():  # already overdue: the date stays, it is just chased
                return (f"《{recalled.title}》已逾期（应于{day(recalled.new_due)}归还），已登记催还，"
                        + (unreached or "会提醒借书人尽快归还。"))
            if unreached:
                return f"已催还《{recalled.title}》，新的还书日{day(recalled.new_due)}。{unreached}"
            return f"已催还《{recalled.title}》，新的还书日{day(recalled.new_due)}，会通知借书人。"
        if intent == "mark_lost":
            lost = mark_lost(ctx.library, MarkItemLost(barcode, actor=actor(ctx)))
            if lost.reader_id is None:  # nobody had it: nobody owes anything
                return f"已登记《{lost.title}》丢失，这本书不会再出现在可借的书里。"
            who = queries.reader_name(ctx.library, lost.reader_id)
            if not lost.compensation_fen:
                return f"已登记《{lost.title}》丢失（{who}借的），这本书没有定价，不用赔偿。"
            return (f"已登记《{lost.title}》丢失，{who}需赔偿{yuan(lost.compensation_fen)}，"
                    "已记在名下，收到钱后发送“缴费 证号”登记。")
        if intent == "mark_damaged":
            return _damaged(ctx, barcode)
    except Refused as exc:
        if (already := _already_recorded(exc, intent)) is not None:
            return already
        return f"没办成：{refusal(exc)}。"
    raise AssertionError(f"desk intent without a branch: {intent}")


_HEDGES = ("好像", "似乎", "可能", "是不是", "估计", "怀疑", "不确定", "大概")


def _one_at_a_time(ctx: Context, intent: str) -> str | None:
    """丢失/损坏 change a copy and may charge a reader: two barcodes in one message are not guessed
    between, and "好像坏了" (it only seems so) is asked before anything is recorded."""
    barcodes = list(dict.fromkeys(ctx.slots.get("barcodes") or []))
    word = "损坏" if intent == "mark_damaged" else "丢失"
    if len(barcodes) > 1:
        return (f"一条消息里有{len(barcodes)}个条码（{'、'.join(barcodes)}），没有登记。"
                f"请一本一本发送，例如：{word} {barcodes[0]}")
    if any(h in ctx.text for h in _HEDGES):
        # The message itself rides along: its fee and note are read after the yes ("好的" has neither).
        ctx.ask("confirm", parse=ParseResult(intent, {**ctx.slots, "_text": ctx.text}, 1.0))
        return (f"确定{ctx.slots['barcode']}要登记{word}吗？登记后书会" + ("送去修补" if word == "损坏" else "下架")
                + "，在借的会按归还处理。回复“好的”登记，回复“算了”不登记。")
    return None


def _already_recorded(exc: Refused, intent: str) -> str | None:
    """损坏 / 丢失 on a copy already in repair or lost: say what it is, and that nothing was recorded again."""
    status = exc.context.get("item_status")
    if Reason.ITEM_UNAVAILABLE not in exc.reasons or status not in ("in_repair", "lost"):
        return None
    title = f"《{exc.context.get('title') or '这本书'}》"
    state = "已登记损坏、正在修补" if status == "in_repair" else "已登记丢失"
    if intent == "mark_damaged":
        return (f"{title}{state}，这次没有再登记，也没有收费。"
                + ("修好后在后台借还台登记“修好”。" if status == "in_repair" else ""))
    return f"{title}{state}，这次没有再登记。"


def _returned(ctx: Context, returned: LoanReturned) -> list[str]:
    """What a return means: late days (and the fine, for the librarian), a suspension."""
    lines = [f"已归还《{returned.title}》（{returned.reader_name}）。"]
    if returned.overdue_days:
        fine = f"，罚金{yuan(returned.fine_fen)}" if money_shown(ctx) else "，已记录"
        lines.append(f"逾期{returned.overdue_days}天{fine}。")
    if returned.suspended_until:
        lines.append(f"再次逾期，暂停借阅到{day(returned.suspended_until)}。")
    if returned.condition_note:
        lines.append(words.condition_line(returned.condition_note, returned.condition_records))
    return lines


def _after_return(ctx: Context, returned: LoanReturned) -> str:
    """Where the copy goes next: the hold shelf for the reader who reserved it, else the shelf."""
    ready = returned.reservation_ready
    if ready is None:
        return "请上架。"
    return (f"这本书有人预约：请放到预约架，为{queries.reader_name(ctx.library, ready.reader_id)}"
            f"保留到{day(ready.hold_until)}。")


def _fee_fen(text: str) -> int:
    """A repair fee written in the message (5元, 5.5块, ¥5) in fen; 0 when none is written."""
    match = _FEE.search(unicodedata.normalize("NFKC", text))
    if match is None:
        return 0
    return int(Decimal(match.group(1) or match.group(2)) * 100)


_COMMAND_WORDS = re.compile(r"登记|损坏|损毁|弄坏了?|修补费|赔偿?|钱|[，,。.!！、\s]+")


def _note(text: str, barcode: str) -> str:
    """What the librarian wrote besides the command, the barcode and the fee (封面撕了), for the charge and audit."""
    folded = unicodedata.normalize("NFKC", text).upper().replace(barcode.upper(), " ")
    return _COMMAND_WORDS.sub(" ", _FEE.sub(" ", folded)).strip()[:100]


def _damaged(ctx: Context, barcode: str) -> str:
    """损坏: a lent copy is returned as well; the fee written in the message goes to its (last) borrower."""
    text = ctx.slots.get("_text") or ctx.text  # the original message, when this runs after a yes
    fee = _fee_fen(text)
    done = mark_damaged(ctx.library, MarkItemDamaged(barcode, fee, _note(text, barcode), actor=actor(ctx)))
    lines = [f"已登记《{done.title}》损坏，请送去修补。"]
    if done.condition_note:
        lines.append("注意：" + words.condition_line(done.condition_note, done.condition_records).removeprefix("这本书"))
    if done.returned is not None:
        lines += [line for line in _returned(ctx, done.returned)
                  if not line.startswith(("这本书原有损坏", "这本书记录的损坏"))]
    if done.reader_id is not None and done.repair_fee_fen:
        lines.append(f"修补费{yuan(done.repair_fee_fen)}记在{queries.reader_name(ctx.library, done.reader_id)}"
                     "名下，收到钱后发送“缴费 证号”登记。")
    elif fee:
        lines.append("这本书没有借阅记录，修补费没有记到谁名下。")
    else:
        lines.append("没有收修补费（要收的话写上金额，例如：损坏 10000003 5元）。")
    lines.append("修好后在后台借还台登记“修好”，书就能再借出。")
    return "\n".join(lines)


@routes.on("replace_card")
def replace(ctx: Context) -> str:
    """补办 旧证号 新证号: the old number stops, loans, history and WeChat bindings move to the new one."""
    if (refused := refusal_for(ctx, "replace_card")) is not None:
        return refused
    codes = codes_in(ctx.text)
    old = codes[0] if codes else (ctx.slots.get("card_no") or "")
    new = codes[1] if len(codes) > 1 else ""
    if not old:
        return "请发送：补办 旧证号 新证号，例如：补办 S30211 S30299"
    try:
        if not new or new == old:
            reader = reader_summary(ctx.library, old)
            cls = f"，{reader.class_name}" if reader.class_name else ""
            return (f"给{reader.name}（{reader.card_no}{cls}）补办新证：请发送“补办 {reader.card_no} 新证号”，"
                    f"例如：补办 {reader.card_no} S30299。\n旧证会作废，在借的书和借阅记录都转到新证。")
        done = replace_card(ctx.library, ReplaceCard(old, new, actor=actor(ctx)))
        reader = reader_summary(ctx.library, done.new_card_no)
    except Refused as exc:
        if exc.context.get("replaced_by") == new:  # the same 补办 sent again
            return f"已经补办过了：{old}的新证号是{new}，不用再办。"
        return f"没办成：{refusal(exc)}。"
    return (f"已为{reader.name}补办新证{done.new_card_no}，旧证{done.old_card_no}作废。\n"
            f"在借的{len(reader.loans)}本书和借阅记录都在新证上，已绑定的微信不用重新绑定。请把新证交给读者。")
