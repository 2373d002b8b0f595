"""班主任: 本班逾期, 本班借阅统计, 哪些同学还没借过书 (own class only); 全校逾期 for the librarian.

Replies go to the asker's own chat only (the bot answers no group chat); class groups get counts
from the pushes, never names.
"""
from __future__ import annotations

import re

from bot.handlers.base import Context, Routes
from bot.handlers.paging import MORE_HINT, more_after, offset
from bot.handlers.people import not_bound_reply
from bot.handlers.staff import refusal_for
from console.auth import PREFIX
from core import lists, queries
from core.reports.periods import NoTerm
from core.reports.stats import class_term_stats
from core.targets import Targets, per_student_text, target_text

routes = Routes("classes")
OVERDUE_PAGE = f"{PREFIX}/lists/overdue"  # console/lists.py


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


GRADES = "一二三四五六七八九"
FOR_CLASS_TEACHERS = "只提供给班主任查看本班哦。"


_CLASS_IN_TEXT = re.compile(r"([一二三四五六七八九1-9])\s*年级\s*([0-9一二三四五六七八九十]+)\s*班")


def _other_class_note(ctx: Context, own: str) -> str:
    """"您是…的班主任，只能查看本班" when the message names another class (its name is not repeated)."""
    other = _names_other_class(ctx, own)
    if not other and (match := _CLASS_IN_TEXT.search(ctx.text)) is not None:
        grade = match.group(1)
        grade_no = int(grade) if grade.isdigit() else GRADES.index(grade) + 1
        number = match.group(2)
        class_no = int(number) if number.isdigit() else "一二三四五六七八九十".index(number) + 1
        own_grade = GRADES.find(own[0]) + 1
        own_no = int("".join(ch for ch in own if ch.isdigit()) or 0)
        other = (grade_no, class_no) != (own_grade, own_no)
    return f"您是{own}的班主任，只能查看本班。下面是本班的：\n" if other else ""


def _own_class(ctx: Context, what: str) -> tuple[int, str] | str:
    """The class this user leads, or the refusal to send (names no class and no pupil)."""
    if ctx.identity is None:
        return not_bound_reply(ctx)
    if ctx.identity.class_teacher_of is None:
        extra = "全校的借阅统计请用学期报表（shuxiang report）。" if ctx.identity.is_librarian else \
            "想看自己的借阅，请发送“我的借阅”。"
        return f"{what}{FOR_CLASS_TEACHERS}{extra}"
    return ctx.identity.class_teacher_of


@routes.on("class_stats")
def class_stats(ctx: Context) -> str:
    """本班借阅统计: this term's loans per student, the class's 生均 and the grade's (the teacher's own class)."""
    own = _own_class(ctx, "本班借阅统计")
    if isinstance(own, str):
        return own
    return _other_class_note(ctx, own[1]) + _class_stats(ctx, own)


def _class_stats(ctx: Context, own: tuple[int, str]) -> str:
    try:
        stats = class_term_stats(ctx.library, own[0], Targets.from_config(ctx.settings.targets))
    except NoTerm:
        return "校历里还没有设置学期，暂时没有本学期的统计。请联系图书室老师设置学期。"
    students = len(stats.students)
    lines = [f"{stats.class_name}本学期（{stats.since.month}月{stats.since.day}日起）借了{stats.loans}本，"
             f"{stats.borrowers}/{students}位同学借过书。",
             f"生均{per_student_text(stats.per_student)}本{_against_target(stats.per_student, stats.target)}，"
             f"{GRADES[stats.grade - 1] if 0 < stats.grade < 10 else ''}年级平均"
             f"{per_student_text(stats.grade_per_student)}本（年级{stats.grade_classes}个班中第{stats.rank_in_grade}）。"]
    if stats.rotations_target or stats.rotations:
        goal = f"（目标{stats.rotations_target}次）" if stats.rotations_target else ""
        lines.append(f"班级图书角本学期换书{stats.rotations}次{goal}。")
    if stats.students:
        lines.append("每人借阅：" + "、".join(f"{s.name}{s.loans}" for s in stats.students[:60]))
        if students > 60:
            lines.append(f"……另有{students - 60}位，完整名单请到图书室查看")
    if stats.borrowers < students:
        lines.append("发送“哪些同学还没借过书”看还没借的同学。")
    return "\n".join(lines)


def _against_target(per_student: float, target: float) -> str:
    """"（目标4本，还差1.2本）" / "（目标4本，已达标👍）"; nothing when the grade has no target."""
    return f"（{text}）" if (text := target_text(per_student, target)) else ""


@routes.on("class_not_borrowed")
def class_not_borrowed(ctx: Context) -> str:
    """哪些同学还没借过书: the teacher's own class, students with no loan since the term began."""
    own = _own_class(ctx, "没借过书的名单")
    if isinstance(own, str):
        return own
    return _other_class_note(ctx, own[1]) + _not_borrowed(ctx, own)


def _not_borrowed(ctx: Context, own: tuple[int, str]) -> str:
    class_id, class_name = own
    try:
        found = lists.not_borrowed(ctx.library, class_id=class_id)
    except lists.NoCurrentTerm:
        return "现在不在学期中，没有“本学期没借过书”的名单。开学后再来看看吧。"
    since = f"{found.since.month}月{found.since.day}日"
    if not found.rows:
        return f"{class_name}本学期（{since}起）每位同学都借过书了👍"
    names = "、".join(row.reader for row in found.rows)
    return (f"{class_name}本学期（{since}起）还没借过书的同学有{len(found.rows)}位：\n{names}\n"
            "可以鼓励他们课间来图书室看看；发送“推荐 三年级”可以看适合的书。")


@routes.on("school_overdue")
def school_overdue(ctx: Context) -> str:
    """全校逾期 (the librarian): counts by reader, copy and grade, the longest overdue, and the console's list."""
    if "统计" in ctx.text and "逾期" not in ctx.text and "超期" not in ctx.text:
        # "全校借阅统计" (the parser reads it as 全校逾期): the term's figures are in the report.
        return "全校的借阅统计请看学期报表：后台“报表”，或命令 shuxiang report。"
    if (refused := refusal_for(ctx, "school_overdue")) is not None:
        return refused
    start = offset(ctx)
    per_reply = 5 if not start else 15  # the first reply also carries the counts; 更多 shows 15 at a time
    summary = lists.overdue_summary(ctx.library, first=start + per_reply)
    if not summary.copies:
        return "全校现在没有逾期未还的书👍"
    page = summary.first[start:]
    if start:
        if not page:
            return f"全校逾期的{summary.copies}本都在上面了，没有更多了。\n{_overdue_page(ctx)}"
        lines = [f"全校逾期未还（第{start + 1}–{start + len(page)}本，共{summary.copies}本）："]
    else:
        grades = "；".join(f"{_grade_name(g.grade)}{g.readers}人{g.copies}本" for g in summary.by_grade)
        lines = [f"全校逾期未还：{summary.readers}人，{summary.copies}本。", grades, "逾期最久的："]
    for row in page:
        cls = f"（{row.class_name}）" if row.class_name else ""
        lines.append(f"· {row.reader}{cls}《{row.title}》{row.barcode}，逾期{row.days_late}天")
    if (rest := summary.copies - start - len(page)) > 0:
        more_after(ctx, len(page))  # 更多 continues this list (bot/handlers/paging.py)
        lines.append(f"……另有{rest}本，{MORE_HINT}")
    lines.append(_overdue_page(ctx))
    lines.append(f"催还请发送：催还 {page[0].barcode}")
    return "\n".join(lines)


def _grade_name(grade: int) -> str:
    return f"{GRADES[grade - 1]}年级" if 0 < grade < 10 else "老师等（无班级）"


def _overdue_page(ctx: Context) -> str:
    """A link to the console's overdue list when the server's address is configured, else where to find it."""
    base = ctx.settings.console.public_url.rstrip("/")
    if base:
        return f"完整名单（可按班级排、下载Excel）：{base}{OVERDUE_PAGE}"
    return f"完整名单在后台：清单 → 逾期清单（{OVERDUE_PAGE}）"
