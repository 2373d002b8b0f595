"""续借: by title, by position, several or all; asks with a numbered list when it cannot tell."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.loans import loan_line
from bot.handlers.people import (
    SHOWN_LOANS,
    OwnedLoan,
    as_shown,
    is_parent_view,
    last_shown,
    not_bound_reply,
    numbered_loans,
    numbers_may_have_moved,
    people,
    remember_shown,
    renew_blockers,
    shown_ids,
)
from bot.handlers.texts import day, reason_text, refusal
from core.circulation import RenewLoan, renew
from core.errors import Refused

routes = Routes("renew")


def _who(ctx: Context, owned: OwnedLoan) -> str:
    return f"{owned.holder.name}的" if is_parent_view(ctx) else ""


def _label(ctx: Context, owned: OwnedLoan) -> str:
    return f"{_who(ctx, owned)}《{owned.loan.title}》"


def _renew_each(ctx: Context, chosen: list[OwnedLoan]) -> str:
    lines = []
    for owned in chosen:
        try:
            result = renew(ctx.library, RenewLoan(owned.holder.reader_id, owned.loan.loan_id,
                                                  actor=ctx.message.user_id))
        except Refused as exc:
            lines.append(f"✗ {_label(ctx, owned)}不能续借：{refusal(exc)}。")
        else:
            lines.append(f"✓ {_label(ctx, owned)}已续借，新的还书日是{day(result.new_due)}。")
    return "\n".join(lines) + "\n发送“我的借阅”看最新到期日。"


def _ask(ctx: Context, loans: list[OwnedLoan], lead: str, tail: str = "") -> str:
    ctx.ask("renew", tuple(o.loan.loan_id for o in loans))
    # Numbered as shown (1..n), which is what the answer "1" refers to.
    lines = [lead] + [loan_line(i, o.loan, _who(ctx, o)) for i, o in enumerate(loans, 1)]
    lines.append(tail or "请回复序号，比如“1”或“1、3”，回复“全部”都续借。")
    return "\n".join(lines)


def _ask_renewable(ctx: Context, loans: list[OwnedLoan]) -> str:
    """续借 with nothing named: offer only the books that can be renewed, and say why the others cannot."""
    blockers = renew_blockers(ctx, loans)
    may = [o for o in loans if not blockers[o.loan.loan_id]]
    cannot = [f"· {_label(ctx, o)}：{reason_text(blockers[o.loan.loan_id][0], {})}"
              for o in loans if blockers[o.loan.loan_id]]
    note = "\n".join(["不能续借的：", *cannot]) if cannot else ""
    if not may:
        return "\n".join(["现在没有能续借的书。", *cannot[:5], "发送“我的借阅”看到期日。"])
    if len(may) == 1:
        reply = _ask(ctx, may, "能续借的是这一本：", "要续借的话回复“好的”，不续借回复“算了”。")
    else:
        reply = _ask(ctx, may, "能续借的书有这些，续借哪一本？")
    return reply + ("\n" + note if note else "")


def _by_positions(loans: list[OwnedLoan | None], indexes: list[int]) -> list[tuple[int, OwnedLoan | None]] | None:
    """(number, loan) for each position asked; None when a number is not on the list at all.

    A loan is None when the number was shown but that book is no longer open (returned).
    """
    chosen = []
    for index in indexes:
        position = len(loans) + 1 + index if index < 0 else index  # -1: the last one
        if not 1 <= position <= len(loans):
            return None
        chosen.append((position, loans[position - 1]))
    return chosen


def _renew_positions(ctx: Context, chosen: list[tuple[int, OwnedLoan | None]]) -> str:
    """Renew the books at the chosen numbers; a number whose book was returned is said so."""
    gone = [n for n, o in chosen if o is None]
    present = [o for _, o in chosen if o is not None]
    note = f"第{'、'.join(str(n) for n in gone)}本已经还了，不用续借。" if gone else ""
    if not present:
        return note + "\n发送“我的借阅”看现在借的书。"
    return (note + "\n" if note else "") + _renew_each(ctx, present)


@routes.on("renew")
def renew_request(ctx: Context) -> str:
    """Renew what the message names; ask when it names nothing or several titles match.

    Numbers refer to the list the user last acted on (a renew question, the list an earlier
    "续借第1本" used) while it is open; with none open, to today's order, which is what 我的借阅
    showed unless a loan changed meanwhile (then the bot asks). The list used is remembered again
    afterwards, so a renewal that moves a book down the order does not move the numbers.
    """
    if not people(ctx):
        return not_bound_reply(ctx)
    loans = numbered_loans(ctx)
    if not loans:
        return "现在没有在借的书，不用续借。发送“查 书名”找书吧。"
    listed = shown_ids(ctx)
    if listed is None and ctx.slots.get("indexes"):
        listed = last_shown(ctx)  # the list 我的借阅 just showed (this process)
    reply = _renew_request(ctx, loans, listed)
    if ctx.asked is None and (listed is not None or ctx.slots.get("indexes")):
        remember_shown(ctx, listed if listed is not None else [o.loan.loan_id for o in loans])
    return reply


def _renew_request(ctx: Context, loans: list[OwnedLoan], listed: tuple[int, ...] | None) -> str:
    if ctx.slots.get("all"):
        return _renew_each(ctx, loans)
    if indexes := ctx.slots.get("indexes"):
        if listed is None and numbers_may_have_moved(ctx, loans):
            # What the user read may be numbered differently now: show today's list, act on the answer.
            return _ask(ctx, loans, "您的借阅刚有变化，序号可能和您看到的不一样。续借哪一本？")
        shown = as_shown(listed, loans) if listed is not None else list(loans)
        chosen = _by_positions(shown, indexes)
        if chosen is None:
            return _ask(ctx, loans, f"没有第{'、'.join(str(i) for i in indexes)}本哦，您借的书是：")
        return _renew_positions(ctx, chosen)
    if query := ctx.slots.get("query"):
        matches = [o for o in loans if query.lower() in o.loan.title.lower()]
        if len(matches) == 1:
            return _renew_each(ctx, matches)
        if matches:
            return _ask(ctx, matches, f"有{len(matches)}本书名里有“{query}”，续借哪一本？")
        return _ask(ctx, loans, f"在借的书里没有“{query}”，您借的是：")
    if len(loans) == 1:
        return _renew_each(ctx, loans)
    return _ask_renewable(ctx, loans)


@routes.resume("renew")
def renew_answer(ctx: Context) -> str | None:
    """The answer to "续借哪一本？": positions in the list just shown, or all of it."""
    assert ctx.pending is not None
    if ctx.slots.get("confirm") is False:
        return "好的，不续借了。"
    shown = as_shown(ctx.pending.options, numbered_loans(ctx))
    present = [o for o in shown if o is not None]  # returned meanwhile: not renewable, numbers kept
    if not present:
        return "这些书已经不在借了。"
    # "好的" renews the one book shown; with several it is not a choice, and renewing them all
    # would be an action the user did not ask for.
    if ctx.slots.get("all") or (ctx.slots.get("confirm") is True and len(present) == 1):
        reply = _renew_each(ctx, present)
    elif ctx.slots.get("confirm") is True:
        return _ask(ctx, present, "请回复要续借的序号，比如“1”或“1、3”；都续借请回复“全部”：")
    elif (chosen := _by_positions(shown, ctx.slots.get("indexes") or [])) is None or not chosen:
        return _ask(ctx, present, "没有这个序号哦，请从下面选：")
    else:
        reply = _renew_positions(ctx, chosen)
    remember_shown(ctx, ctx.pending.options)  # "续借第2本" next still means this list
    return reply


@routes.resume(SHOWN_LOANS)
def number_alone(ctx: Context) -> str | None:
    """A bare "2" or "全部" while a list is remembered (no question asked): say how to renew."""
    assert ctx.pending is not None
    shown = as_shown(ctx.pending.options, numbered_loans(ctx))
    indexes = ctx.slots.get("indexes") or []
    chosen = _by_positions(shown, indexes) if indexes else None
    if chosen:
        remember_shown(ctx, ctx.pending.options)
        books = "、".join(f"《{o.loan.title}》" if o else "（已还）" for _, o in chosen)
        numbers = "、".join(str(n) for n, _ in chosen)
        return f"第{numbers}本是{books}。要续借的话，请发送“续借第{numbers}本”。"
    if ctx.slots.get("all"):
        remember_shown(ctx, ctx.pending.options)
        return "要把这些书都续借的话，请发送“全部续借”。"
    return None
