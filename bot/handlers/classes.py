"""班主任: 本班逾期, for the class teacher's own class only."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
from bot.handlers.paging import MORE_HINT, more_after, offset
from bot.handlers.people import not_bound_reply
from core import queries

routes = Routes("classes")


@routes.on("class_overdue")
def class_overdue(ctx: Context) -> str:
    """The overdue list of the class this teacher leads; anyone else is politely refused."""
    if ctx.identity is None:
        return not_bound_reply(ctx)
    if ctx.identity.class_teacher_of is None:
        return "本班逾期名单只提供给班主任查看哦。想看自己的借阅，请发送“我的借阅”。"
    class_id, class_name = ctx.identity.class_teacher_of
    rows = queries.class_overdue(ctx.library, class_id)
    # Asked about another class ("三年级一班的超期名单"): say so, then show their own.
    asked_other = _names_other_class(ctx, class_name)
    note = f"您是{class_name}的班主任，只能查看本班名单。\n" if asked_other else ""
    if not rows:
        return f"{note}{class_name}现在没有逾期未还的书👍"
    per_reply = 15  # then 更多 shows the next 15 (bot/handlers/paging.py)
    start = offset(ctx)
    page = rows[start:start + per_reply]
    if not page:
        return f"{class_name}逾期未还的{len(rows)}本都在上面了，没有更多了。"
    head = f"{class_name}逾期未还{len(rows)}本" + (f"（第{start + 1}–{start + len(page)}本）：" if start else "：")
    lines = [f"{note}{head}"] + [f"· {row.student}《{row.title}》逾期{row.overdue_days}天" for row in page]
    if (rest := len(rows) - start - len(page)) > 0:
        more_after(ctx, len(page))
        lines.append(f"……另有{rest}本，{MORE_HINT}")
    lines.append("麻烦提醒同学们尽快还书，谢谢！")
    return "\n".join(lines)


def _names_other_class(ctx: Context, own: str) -> bool:
    """True when the message names a grade/class that is not the teacher's own."""
    grade, class_no = ctx.slots.get("grade"), ctx.slots.get("class_no")
    own_grade = "一二三四五六七八九".find(own[0]) + 1
    own_no = int("".join(ch for ch in own if ch.isdigit()) or 0)
    return bool((grade and grade != own_grade) or (class_no and class_no != own_no))
