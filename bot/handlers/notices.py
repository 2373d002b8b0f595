"""退订 / 恢复 pushes, 活动 (upcoming reading activities) and 发布活动 for the librarian."""
from __future__ import annotations

import re

from bot.handlers.base import Context, Routes
from bot.handlers.texts import day
from bot.nlp.dates import DATE_WORDS, extract_date
from core.accounts import Role
from core.notices import activities, preferences, topics

routes = Routes("notices")

# The parser's `kind` slot → the topic the delivery side checks.
KIND_TOPICS = {
    "due_soon": topics.DUE_SOON, "overdue": topics.OVERDUE, "new_books": topics.NEW_BOOKS,
    "activity": topics.ACTIVITIES, "arrival": topics.RESERVATION_READY, "weekly_report": topics.CLASS_WEEKLY,
    "term_end": topics.TERM_END, "all": topics.ALL,
}
GRADE_NAMES = "一二三四五六七八九"
_CLASS = re.compile(r"[一二三四五六七八九]年级\d{1,2}班")


def _topic(ctx: Context) -> str | None:
    if topics.topic_from_text(ctx.text) == topics.CLASS_SUMMARY:
        return topics.CLASS_SUMMARY  # 借阅周报: the parser knows no such kind and would read it as 周报
    kind = ctx.slots.get("kind")
    return KIND_TOPICS.get(kind) if kind else topics.topic_from_text(ctx.text)


@routes.on("unsubscribe")
def unsubscribe(ctx: Context) -> str:
    """Stop one kind of push (退订全部 keeps 催还: a book still out is never silently forgotten)."""
    topic = _topic(ctx)
    if topic is None:
        ctx.ask("unsubscribe_kind")  # "新书推荐" next answers it (bot/handlers/followups.py)
        return "想退订哪种推送？直接回复就行，比如：新书推荐、活动通知、到期提醒、全部。"
    label = topics.LABELS[topic]
    preferences.unsubscribe(ctx.library, ctx.message.user_id, topic)
    if topic == topics.ALL:
        return ("已退订全部推送。借的书逾期时仍会提醒您，想停止请发送“退订催还通知”。\n"
                "想恢复随时发送“恢复全部推送”。")
    if topic == topics.OVERDUE:
        return f"已退订{label}，请记得按时还书哦。想恢复发送“恢复{label}”。"
    return f"已退订{label}。想恢复随时发送“恢复{label}”。"


@routes.on("resubscribe")
def resubscribe(ctx: Context) -> str:
    """Restart a kind of push (恢复全部 restarts everything)."""
    topic = _topic(ctx)
    if topic is None:
        ctx.ask("resubscribe_kind")
        return "想恢复哪种推送？直接回复就行，比如：新书推荐、活动通知、到期提醒、全部。"
    stopped = preferences.resubscribe(ctx.library, ctx.message.user_id, topic)
    label = topics.LABELS[topic]
    return f"已恢复{label}。" if stopped else f"{label}本来就开着，不用恢复～"


@routes.on("activities")
def upcoming(ctx: Context) -> str:
    """Upcoming activities for the user's own grades and classes (whole-school ones for everyone)."""
    identity = ctx.identity
    grades: set[int] = set()
    classes: set[str] = set()
    if identity is not None:
        people = list(identity.children) + ([identity.reader] if identity.reader else [])
        classes = {p.class_name for p in people if p.class_name}
        if identity.class_teacher_of is not None:
            classes.add(identity.class_teacher_of[1])
        grades = {GRADE_NAMES.index(c[0]) + 1 for c in classes if c and c[0] in GRADE_NAMES}
    everyone = identity is not None and Role.LIBRARIAN in identity.roles
    found = activities.upcoming_activities(ctx.library, grades=grades, classes=classes, everyone=everyone)
    if not found:
        return "近期还没有读书活动安排。有新活动会推送通知您；发送“推荐”看看适合的好书。"
    lines = ["近期读书活动："]
    for i, act in enumerate(found, 1):
        body = f"：{act.body[:50]}" if act.body and act.body != act.title else ""
        where = f"（{act.place}）" if act.place else ""
        lines.append(f"{i}. {day(act.starts_on)} {act.title}{where}{body}")
    lines.append("不想收活动通知，可以发送“退订活动通知”。")
    return "\n".join(lines)


@routes.on("publish_activity")
def publish(ctx: Context) -> str:
    """The librarian announces an activity: date, optional grade/classes; the activities job pushes it."""
    identity = ctx.identity
    if identity is None or Role.LIBRARIAN not in identity.roles:
        return "发布活动由图书室老师操作。想看近期活动，请发送“活动”。"
    text = (ctx.slots.get("text") or "").strip()
    today = ctx.library.today()
    when = extract_date(text, today)
    example = "例如：发布活动 11月28日 三年级 读书分享会，请带一本最喜欢的书"
    if not text or when is None:
        return f"请写上活动日期和内容。{example}"
    if when < today:
        return f"{day(when)}已经过去了，请写一个今天以后的日期。{example}"
    classes = _CLASS.findall(text)
    grade = ctx.slots.get("grade")
    grades = [grade] if grade and not classes else []
    rest = re.sub(r"[一二三四五六七八九]年级|初[一二三]", "", DATE_WORDS.sub("", _CLASS.sub("", text)))
    title, details = _title_and_details(rest.strip(" ，,。:："))
    activities.add_activity(ctx.library, title=title[:40], body=details, starts_on=when, grades=grades,
                            classes=classes)
    who = "、".join(classes) if classes else (f"{GRADE_NAMES[grade - 1]}年级" if grades else "全校")
    return (f"已发布：{day(when)} {title[:40]}（面向{who}的家长和老师）。\n"
            "活动通知会在下一次推送时发出（夜间和闭馆日会等到开馆时间）。")


def _title_and_details(text: str) -> tuple[str, str]:
    """'故事会：请家长陪孩子一起来' → ('故事会', '请家长陪孩子一起来'): the name, then what to know."""
    parts = re.split(r"[：:，,。；;]", text, maxsplit=1)
    title = parts[0].strip() or "读书活动"
    return title, parts[1].strip() if len(parts) > 1 else ""
