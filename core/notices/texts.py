"""Notice texts: short, friendly Chinese that says what to do next."""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

WEEKDAYS = "一二三四五六日"


def md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def md_week(day: date) -> str:
    return f"{md(day)}（周{WEEKDAYS[day.weekday()]}）"


def _whose(child: str | None) -> str:
    return f"{child}借的" if child else "您借的"


def due_soon(title: str, due: date, *, child: str | None, renew_days: int | None) -> str:
    # An absolute date: the notice may be held (quiet hours, closed days) and read days later.
    when = f"将于{md_week(due)}到期"
    if renew_days:
        span = "一周" if renew_days == 7 else f"{renew_days}天"
        tail = f"，可回复“续借”延长{span}" if not child else f"，请提醒孩子按时归还，也可回复“续借”延长{span}"
    else:
        tail = "，请按时还到图书室" if not child else "，请提醒孩子按时还到图书室"
    return f"{_whose(child)}《{title}》{when}{tail}。"


def overdue(title: str, due: date, days_late: int, *, child: str | None) -> str:
    ask = "请提醒孩子尽快还到图书室" if child else "请尽快还到图书室"
    return f"{_whose(child)}《{title}》已逾期{days_late}天（应于{md(due)}归还），{ask}；如已归还，请忽略本消息。"


def class_collection_overdue(corner: str, titles: Sequence[str], first_due: date, days_late: int) -> str:
    """To the class teacher: the class's own books (集体借阅) past their date, counted once for the set."""
    books = "、".join(f"《{t}》" for t in titles[:3]) + ("等" if len(titles) > 3 else "")
    return (f"{corner}有{len(titles)}本书逾期未还：{books}（最早应于{md(first_due)}归还，已逾期{days_late}天），"
            "请安排同学整理后尽快还到图书室；如已归还，请忽略本消息。")


def class_weekly(class_name: str, rows: Sequence[tuple[str, str, int]]) -> str:
    """rows: (student, title, days late); the class teacher sees names, the class group never does."""
    lines = [f"{class_name}逾期未还的图书（{len(rows)}本）："]
    lines += [f"{i}. {name}《{title}》逾期{days}天" for i, (name, title, days) in enumerate(rows, 1)]
    lines.append("请提醒同学们尽快还到图书室，谢谢！")
    return "\n".join(lines)


def class_group_counts(class_name: str, books: int, students: int) -> str:
    return (f"{class_name}本周有{students}位同学的{books}本图书逾期未还，"
            "请同学们检查书包，尽快还到图书室，谢谢配合！")


def class_turn(starts: str, class_name: str, late_books: int,
               names: Sequence[tuple[str, str, int]] | None = None, *, parents: bool = False) -> str:
    """借书日提醒; `names` (student, title, days late) only for the class teacher, never the class group;
    `parents` words it for the class group (家长: 请提醒孩子…)."""
    late = f"本班逾期{late_books}本" if late_books else "本班没有逾期的书"
    who = "孩子" if parents else "同学"
    text = f"今天{starts}{class_name}借书，请提醒{who}带上要还的书（{late}）"
    if names:
        text += "\n逾期未还：" + "；".join(f"{n}《{t}》逾期{d}天" for n, t, d in names)
    return text


def reservation_ready(title: str, hold_until: date, *, child: str | None) -> str:
    who = f"{child}预约的" if child else "您预约的"
    return f"{who}《{title}》已到馆，请在{md_week(hold_until)}前到图书室借阅，过期将取消预约。"


def new_books(books: Sequence[tuple[str, str, str, int | None, int | None]], *, limit: int = 10,
              reading_room: Collection[str] = ()) -> str:
    """books: (title, author, one-line introduction, min grade, max grade); `reading_room`: the titles
    that are 工具书 only (said so, never offered as borrowable)."""
    lines = [f"本周新书推荐（{len(books)}本）："]
    for title, author, summary, lo, hi in books[:limit]:
        intro = f" —— {summary.strip()}" if summary.strip() else ""
        where = "，工具书，在图书室阅览，不外借" if title in reading_room else ""
        lines.append(f"《{title}》{author}{intro}（{grades(lo, hi)}{where}）")
    if len(books) > limit:
        lines.append(f"……还有{len(books) - limit}本，回复“新书”查看全部。")
    lines.append("回复书名可以查询或预约。")
    return "\n".join(lines)


def grades(lo: int | None, hi: int | None) -> str:
    if lo is None and hi is None:
        return "各年级"
    if lo == 0 and hi == 0:
        return "教师用书"
    lo, hi = lo or 1, hi or 9
    return f"适合{lo}年级" if lo == hi else f"适合{lo}–{hi}年级"


def activity(title: str, body: str, starts_on: date, place: str = "") -> str:
    """The 活动通知 a parent or teacher gets: title, the day (and the place when one is given), the text."""
    where = f"，{place.strip()}" if place.strip() else ""
    return f"【活动通知】{title}（{md_week(starts_on)}{where}）：{body.strip()}"


def term_end(term_end_day: date, titles: Sequence[str], *, child: str | None) -> str:
    books = "、".join(f"《{t}》" for t in titles[:5]) + ("等" if len(titles) > 5 else "")
    who = f"{child}还有" if child else "您还有"
    return (f"本学期{md(term_end_day)}结束，{who}{len(titles)}本书未还：{books}。"
            "请在期末前还到图书室，假期里就不用惦记啦。")


def unreachable(user_id: str, channel: str, reason: str) -> str:
    return f"有一条推送无法送达用户 {user_id}（{channel}：{reason}），已改用其他渠道；请核对该用户的绑定。"


def _per_student(value: float) -> str:
    from core.targets import per_student_text

    return per_student_text(value)  # two decimals, as the console and the reports show it


def _vs_target(per_student: float, target: float) -> str:
    from core.targets import target_text

    return f"，{text}" if (text := target_text(per_student, target)) else ""


def class_summary_group(class_name: str, monday: date, through: date, week_loans: int, per_student: float,
                        target: float, overdue: int, *, ask: str = "请同学们检查书包，尽快还到图书室。") -> str:
    """The class group's weekly summary: counts only, never a child's name (dates, not 本周: it may be held)."""
    late = f"逾期未还{overdue}本，{ask}" if overdue else "没有逾期未还的书，真棒！"
    return (f"{class_name}本周（{md(monday)}–{md(through)}）借阅{week_loans}本；本学期生均{_per_student(per_student)}本"
            f"{_vs_target(per_student, target)}；{late}")


def class_summary_teacher(class_name: str, monday: date, through: date, week_loans: int, per_student: float,
                          target: float, overdue: int, not_borrowed: Sequence[str], students: int, *,
                          limit: int = 40) -> str:
    """The class teacher's copy: the same counts, and who has not borrowed yet this term (names)."""
    lines = [class_summary_group(class_name, monday, through, week_loans, per_student, target, overdue,
                                 ask="发送“本班逾期”看名单。")]
    if not_borrowed:
        names = "、".join(not_borrowed[:limit]) + (f"等{len(not_borrowed)}位" if len(not_borrowed) > limit else "")
        lines.append(f"本学期还没借过书的同学（{len(not_borrowed)}/{students}位）：{names}。可以鼓励他们来图书室看看。")
    elif students:
        lines.append("全班同学本学期都借过书了👍")
    return "\n".join(lines)
