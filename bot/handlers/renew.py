"""续借: by title, by position, several or all; asks with a numbered list when it cannot tell."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.loans import loan_line
from bot.handlers.people import OwnedLoan, is_parent_view, not_bound_reply, numbered_loans, people
from bot.handlers.texts import day, refusal
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


def _ask(ctx: Context, loans: list[OwnedLoan], lead: str) -> str:
    ctx.ask("renew", tuple(o.loan.loan_id for o in loans))
    # Numbered as shown (1..n), which is what the answer "1" refers to.
    lines = [lead] + [loan_line(i, o.loan, _who(ctx, o)) for i, o in enumerate(loans, 1)]
    lines.append("请回复序号，比如“1”或“1、3”，回复“全部”都续借。")
    return "\n".join(lines)


def _by_positions(loans: list[OwnedLoan], indexes: list[int]) -> list[OwnedLoan] | None:
    chosen = []
    for index in indexes:
        position = len(loans) + 1 + index if index < 0 else index  # -1: the last one
        if not 1 <= position <= len(loans):
            return None
        chosen.append(loans[position - 1])
    return chosen


@routes.on("renew")
def renew_request(ctx: Context) -> str:
    """Renew what the message names; ask when it names nothing or several titles match."""
    if not people(ctx):
        return not_bound_reply(ctx)
    loans = numbered_loans(ctx)
    if not loans:
        return "现在没有在借的书，不用续借。发送“查 书名”找书吧。"
    if ctx.slots.get("all"):
        return _renew_each(ctx, loans)
    if indexes := ctx.slots.get("indexes"):
        chosen = _by_positions(loans, indexes)
        if chosen is None:
            return _ask(ctx, loans, f"没有第{'、'.join(str(i) for i in indexes)}本哦，您借的书是：")
        return _renew_each(ctx, chosen)
    if query := ctx.slots.get("query"):
        matches = [o for o in loans if query.lower() in o.loan.title.lower()]
        if len(matches) == 1:
            return _renew_each(ctx, matches)
        if matches:
            return _ask(ctx, matches, f"有{len(matches)}本书名里有“{query}”，续借哪一本？")
        return _ask(ctx, loans, f"在借的书里没有“{query}”，您借的是：")
    if len(loans) == 1:
        return _renew_each(ctx, loans)
    return _ask(ctx, loans, "续借哪一本？")


@routes.resume("renew")
def renew_answer(ctx: Context) -> str | None:
    """The answer to "续借哪一本？": positions in the list just shown, or all of it."""
    assert ctx.pending is not None
    if ctx.slots.get("confirm") is False:
        return "好的，不续借了。"
    loans = {o.loan.loan_id: o for o in numbered_loans(ctx)}
    shown = [loans[i] for i in ctx.pending.options if i in loans]  # returned meanwhile: dropped
    if not shown:
        return "这些书已经不在借了。"
    # "好的" renews the one book shown; with several it is not a choice, and renewing them all
    # would be an action the user did not ask for.
    if ctx.slots.get("all") or (ctx.slots.get("confirm") is True and len(shown) == 1):
        return _renew_each(ctx, shown)
    if ctx.slots.get("confirm") is True:
        return _ask(ctx, shown, "请回复要续借的序号，比如“1”或“1、3”；都续借请回复“全部”：")
    chosen = _by_positions(shown, ctx.slots.get("indexes") or [])
    if not chosen:
        return _ask(ctx, shown, "没有这个序号哦，请从下面选：")
    return _renew_each(ctx, chosen)
