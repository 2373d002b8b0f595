"""我们班什么时候借书 / 今天轮到我们班吗: the class borrowing rota (core/rota) for class teachers and parents.

A class teacher gets their own class; a parent gets their child's class (asked which child when the
children are in different classes); a teacher or the librarian may name any class (the rota is the
school's timetable, not anyone's data). A parent naming another class is told whose class they can see.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from bot.handlers.base import Context, Routes
from bot.handlers.people import not_bound_reply
from core.accounts import Person
from core.clock import SCHOOL_TZ
from core.imports.values import parse_class
from core.models import ReaderType
from core.notices.texts import md_week
from core.rota import WEEKDAY_NAMES, RotaInvalid, TurnStatus, class_rota, turn_status, turns_on

routes = Routes("rota")
_ONE_DAY = timedelta(days=1)
WHICH_CHILD = "class_turn_for"  # bot/handlers/followups.py lets a child's name answer it
_CLASS_IN_TEXT = re.compile(r"(?:初)?[一二三四五六七八九1-9]\s*(?:年级|年)?\s*[(（]?\s*[0-9一二三四五六七八九十]{1,3}\s*[)）]?\s*班")
_ABOUT_CHILD = re.compile(r"孩子|娃|儿子|女儿|闺女|宝贝")


def _named_class(text: str) -> str | None:
    """The class the message names, in the stored form ('三年级二班' → '三年级2班'), or None."""
    for match in _CLASS_IN_TEXT.finditer(text):
        parsed = parse_class(match.group(0))
        if parsed is not None:
            return parsed[0]
    return None


def _status(ctx: Context, class_name: str) -> TurnStatus | None:
    try:
        rota = class_rota(ctx.library, class_name)
    except RotaInvalid:
        return None
    return turn_status(ctx.library, rota[0].class_id)


def _when(day: date, today: date) -> str:
    return f"今天（{WEEKDAY_NAMES[day.weekday()]}）" if day == today else md_week(day)


def _answer(ctx: Context, class_name: str, prefix: str = "", *, parent: bool = False) -> str:
    """The class's turn today or its next one, and its weekly plan; `parent` words it for a parent."""
    status = _status(ctx, class_name)
    if status is None:
        return f"没有找到{class_name}，请写成 三年级2班 这样再问我。"
    if not status.turns:
        return (f"{prefix}{class_name}还没有排借书时间，可以问问图书室老师。"
                "课间和午休也能去图书室借书（发送“开放时间”查看）。")
    library = ctx.library
    now = library.now().astimezone(SCHOOL_TZ).strftime("%H:%M")
    today_day = library.today()
    todays = turns_on(list(status.turns), library.school_calendar(), today_day)
    ahead = [t for t in todays if t.ends > now]
    remind = "请提醒孩子带上要还的书。" if parent else "请提醒同学带上要还的书。"
    lines: list[str] = []
    if ahead:
        today = ahead[0]
        place = f"，在{today.place}" if today.place else ""
        lines.append(f"{prefix}今天轮到{class_name}借书：{today.starts}-{today.ends}{place}。{remind}")
    else:
        upcoming, day = status.next_turn, status.next_day
        if todays:
            last = todays[-1]
            lines.append(f"{prefix}今天{class_name}的借书时间（{last.starts}-{last.ends}）已经过了。")
            later = turn_status(library, _class_id(ctx, class_name), day=today_day + _ONE_DAY)
            upcoming, day = later.next_turn, later.next_day
        asked_today = "今天" in ctx.text or "今日" in ctx.text
        if upcoming is not None and day is not None:
            place = f"，在{upcoming.place}" if upcoming.place else ""
            when = f"{_when(day, today_day)} {upcoming.starts}-{upcoming.ends}{place}"
            if asked_today and not todays:
                lines.append(f"{prefix}今天不轮到{class_name}，下次是{when}。")
            else:
                if prefix and not todays:
                    lines.append(prefix.rstrip("，"))
                lines.append(f"{class_name}下次借书：{when}。")
        else:
            if asked_today and not todays:
                lines.append(f"{prefix}今天不轮到{class_name}。")
            elif prefix and not todays:
                lines.append(prefix.rstrip("，"))
            lines.append("最近没有开馆日轮到这个班（可能在放假），开学后再问我吧。")
    lines.append("借书安排：" + "；".join(t.describe() for t in status.turns))
    return "\n".join(lines)


def _class_id(ctx: Context, class_name: str) -> int:
    return class_rota(ctx.library, class_name)[0].class_id


def _children_answer(ctx: Context, children: list[Person]) -> str:
    """One class among the children: answer; several: ask which child."""
    in_class = [c for c in children if c.class_name]
    if not in_class:
        return "您绑定的孩子还没有分到班级，请联系班主任或图书室老师。"
    classes = list(dict.fromkeys(c.class_name for c in in_class if c.class_name))
    if len(classes) == 1:
        names = "、".join(c.name for c in in_class)
        return _answer(ctx, classes[0], prefix=f"{names}在{classes[0]}，", parent=True)
    ctx.ask(WHICH_CHILD, tuple(c.reader_id for c in in_class))
    listed = "\n".join(f"{i}.{c.name}（{c.class_name}）" for i, c in enumerate(in_class, 1))
    return f"想看哪个孩子班级的借书时间？\n{listed}\n请回复序号或孩子的名字。"


@routes.on("class_turn")
def class_turn(ctx: Context) -> str:
    """When the asker's class (a class teacher's, a child's, or the one named) goes to borrow books."""
    identity = ctx.identity
    if identity is None:
        return not_bound_reply(ctx)
    named = _named_class(ctx.text)
    children = list(identity.children)
    is_staff = identity.is_librarian or identity.class_teacher_of is not None or (
        identity.reader is not None and identity.reader.reader_type != ReaderType.STUDENT)
    if named is not None:
        if is_staff and not (children and _ABOUT_CHILD.search(ctx.text)):
            return _answer(ctx, named)
        mine = [c for c in children if c.class_name == named]
        if mine:
            return _children_answer(ctx, mine)
        if children:
            return "只能查看自己孩子所在班级的借书时间哦。\n" + _children_answer(ctx, children)
    if children and (_ABOUT_CHILD.search(ctx.text) or identity.class_teacher_of is None):
        return _children_answer(ctx, children)
    if identity.class_teacher_of is not None:
        return _answer(ctx, identity.class_teacher_of[1])
    if identity.reader is not None and identity.reader.reader_type == ReaderType.STUDENT and identity.reader.class_name:
        return _answer(ctx, identity.reader.class_name)
    return "想查哪个班的借书时间？请带上班级问我，比如：三年级2班什么时候借书。"


@routes.resume(WHICH_CHILD)
def class_turn_which_child(ctx: Context) -> str | None:
    """The answer to "想看哪个孩子班级的借书时间？"."""
    assert ctx.pending is not None and ctx.identity is not None
    by_id = {c.reader_id: c for c in ctx.identity.children}
    shown = [by_id[i] for i in ctx.pending.options if i in by_id]
    indexes = ctx.slots.get("indexes") or []
    if len(indexes) != 1 or not 1 <= indexes[0] <= len(shown):
        return None  # not an answer: the message is handled as a new request
    child = shown[indexes[0] - 1]
    assert child.class_name is not None
    return _answer(ctx, child.class_name, prefix=f"{child.name}在{child.class_name}，", parent=True)
