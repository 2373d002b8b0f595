"""班主任: 本班逾期, for the class teacher's own class only."""
from __future__ import annotations

from bot.handlers.base import Context, Routes
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
    if not rows:
        return f"{class_name}现在没有逾期未还的书👍"
    lines = [f"{class_name}逾期未还{len(rows)}本："]
    for row in rows[:15]:
        lines.append(f"· {row.student}《{row.title}》逾期{row.overdue_days}天")
    if len(rows) > 15:
        lines.append(f"……另有{len(rows) - 15}本，请到图书室查看完整名单")
    lines.append("麻烦提醒同学们尽快还书，谢谢！")
    return "\n".join(lines)
