"""`shuxiang calendar`: the school calendar (校历) from a terminal.

A thin front end over `core.school_calendar` and `core.national_holidays`: it parses the
arguments, calls one service, and prints the result or the field's Chinese message (exit 1 on
refused input, as click's own usage errors exit 2). Registered in bot/cli.py as
"calendar": "cli.calendar:calendar".
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

import click

from cli.checked import DB_OPTION, checked_library, remember_db
from core.library import Library
from core.national_holidays import HolidayPlan, PlannedDay, holiday_plan, load_holidays
from core.school_calendar import (
    WEEKDAY_NAMES,
    CalendarInvalid,
    DayView,
    MonthView,
    TermStatus,
    add_term,
    clear_day,
    close_days,
    current_term,
    delete_term,
    edit_term,
    find_term,
    list_terms,
    month_view,
    open_day,
    parse_day,
    parse_month,
    parse_range,
    set_closed_weekdays,
)

ACTOR = "cli"
# What a field is called in the terminal: the argument or option the librarian typed.
FIELD_NAMES = {"name": "学期名称", "start": "第一天", "end": "最后一天", "day": "日期", "last": "结束日期",
               "reason": "--reason", "year": "年份", "term": "学期", "weekdays": "星期", "month": "--month"}


@click.group()
@DB_OPTION
@click.pass_context
def calendar(ctx: click.Context, db_url: str) -> None:
    """校历：学期、闭馆日、调休、每周闭馆日、法定节假日。"""
    remember_db(ctx, db_url)


def _library() -> AbstractContextManager[Library]:
    """The library for one command; CalendarInvalid becomes the field's message and exit code 1."""
    return checked_library(CalendarInvalid, FIELD_NAMES)


def _parsed(parse: Callable[..., Any], text: str, field: str) -> Any:
    """Parse an argument; bad input names the field and exits 1 before anything is opened."""
    try:
        return parse(text, field)
    except CalendarInvalid as invalid:
        click.echo(f"✗ {FIELD_NAMES.get(field, field)}：{invalid.errors[field]}", err=True)
        raise SystemExit(1) from None


def _pad(text: str, width: int = 6) -> str:
    """Pad to `width` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def _d(day: date) -> str:
    return f"{day.isoformat()}（{WEEKDAY_NAMES[day.weekday()]}）"


def _status_line(status: TermStatus) -> str:
    if status.term is not None:
        t = status.term
        return f"当前学期：{t.name}（{t.start.isoformat()} 至 {t.end.isoformat()}）"
    return f"⚠ {status.message}"


# ---------------------------------------------------------------- show

@calendar.command()
@click.option("--month", "month_text", metavar="YYYY-MM", help="要看的月份，默认本月。")
def show(month_text: str | None) -> None:
    """一个月的开馆日、闭馆日和原因，以及到期日怎么顺延。"""
    with _library() as library:
        if month_text:
            year, month = _parsed(parse_month, month_text, "month")
        else:
            today = library.today()
            year, month = today.year, today.month
        click.echo(render_month(month_view(library, year, month)))


def _mark(day: DayView) -> str:
    if day.is_term_last_day:
        return "末" if day.is_open else "末✗"
    if day.is_open:
        return "调" if day.why.endswith("调休上课") else ""
    if day.term is None and day.why.startswith("假期"):
        return "假"
    return "·" if day.why == "周末" else "✗"


def render_month(view: MonthView) -> str:
    """The month as a grid (一…日) plus a list of the days that are not ordinary, in Chinese."""
    lines = [f"{view.year}年{view.month}月校历", _status_line(view.status)]
    for term in view.terms:
        lines.append(f"本月涉及学期：{term.name}（{term.start.isoformat()} 至 {term.end.isoformat()}）")
    lines.append("")
    lines.append("".join(_pad(name[1]) for name in WEEKDAY_NAMES).rstrip())
    row = [_pad("")] * view.days[0].day.weekday()
    for day in view.days:
        row.append(_pad(f"{day.day.day}{_mark(day)}"))
        if day.day.weekday() == 6:
            lines.append("".join(row).rstrip())
            row = []
    if row:
        lines.append("".join(row).rstrip())
    lines.append("（空白=开馆  ·=周末  ✗=闭馆  调=调休上课  假=假期  末=学期最后一天）")
    lines.append(f"本月开馆 {view.open_days} 天。")
    special = [d for d in view.days if d.why not in ("开馆", "周末") and not d.why.startswith(("假期", "每周"))]
    if special:
        lines.append("")
        lines.append("特别的日子：")
        for first, last, sample in _runs(special):
            span = _d(first) if first == last else f"{_d(first)} 至 {_d(last)}"
            what = "开馆" if sample.is_open else "闭馆"
            when = "这天" if first == last else "这期间"
            moves = f"，{when}到期的书顺延到 {_d(sample.due_moves_to)}" if sample.due_moves_to else ""
            lines.append(f"  {span}  {sample.why}：{what}{moves}")
    last_days = [d for d in view.days if d.is_term_last_day]
    for d in last_days:
        lines.append(f"  {_d(d.day)}  学期“{d.term}”最后一天：到期日不会晚于这天（本学期最后一个开馆日）。")
    return "\n".join(lines)


def _runs(days: list[DayView]) -> Iterator[tuple[date, date, DayView]]:
    """Consecutive days with the same reason, open state and due-date target, as one line."""
    start = prev = days[0]
    for day in days[1:]:
        consecutive = (day.day - prev.day).days == 1
        if not (consecutive and (day.why, day.is_open, day.due_moves_to) == (start.why, start.is_open,
                                                                           start.due_moves_to)):
            yield start.day, prev.day, start
            start = day
        prev = day
    yield start.day, prev.day, start


# ---------------------------------------------------------------- terms

@calendar.group()
def term() -> None:
    """学期：添加、查看、修改、删除。"""


@term.command("add")
@click.argument("name")
@click.argument("start")
@click.argument("end")
def term_add(name: str, start: str, end: str) -> None:
    """添加学期：NAME 第一天 最后一天，例如 2027春季学期 2027-02-22 2027-07-09。"""
    first, last = _parsed(parse_day, start, "start"), _parsed(parse_day, end, "end")
    with _library() as library:
        info = add_term(library, name, first, last, actor=ACTOR)
    click.echo(f"✓ 已添加学期“{info.name}”：{_d(info.start)} 至 {_d(info.end)}，共 {info.days} 天。")


@term.command("list")
def term_list() -> None:
    """列出所有学期。"""
    with _library() as library:
        terms, status = list_terms(library), current_term(library)
    if not terms:
        click.echo(f"⚠ {status.message}")
        click.echo("添加学期：shuxiang calendar term add 2026秋季学期 2026-09-01 2027-01-22")
        return
    for t in terms:
        now = "  ← 当前" if status.term is not None and status.term.id == t.id else ""
        click.echo(f"{t.name}  {t.start.isoformat()} 至 {t.end.isoformat()}（{t.days} 天）{now}")
    if status.term is None:
        click.echo(f"⚠ {status.message}")


@term.command("edit")
@click.argument("name")
@click.option("--name", "new_name", help="新名称。")
@click.option("--start", help="新的第一天。")
@click.option("--end", help="新的最后一天。")
def term_edit(name: str, new_name: str | None, start: str | None, end: str | None) -> None:
    """修改学期 NAME 的名称或日期。"""
    first = _parsed(parse_day, start, "start") if start else None
    last = _parsed(parse_day, end, "end") if end else None
    with _library() as library:
        info = edit_term(library, find_term(library, name).id, name=new_name, start=first, end=last, actor=ACTOR)
    click.echo(f"✓ 学期“{info.name}”：{_d(info.start)} 至 {_d(info.end)}。")


@term.command("delete")
@click.argument("name")
def term_delete(name: str) -> None:
    """删除学期 NAME（这段时间变成假期；闭馆日和调休保留）。"""
    with _library() as library:
        info = delete_term(library, find_term(library, name).id, actor=ACTOR)
    click.echo(f"✓ 已删除学期“{info.name}”。")


# ---------------------------------------------------------------- days

@calendar.group()
def closed() -> None:
    """闭馆日：节假日、考试、活动。"""


@closed.command("add")
@click.argument("days", metavar="DATE[..DATE]")
@click.option("--reason", default="", help="原因，例如 期中考试。默认“闭馆”。")
def closed_add(days: str, reason: str) -> None:
    """闭馆一天或一段日期（含首尾），例如 2026-12-24 或 2026-12-24..2026-12-26。"""
    first, last = _parsed(parse_range, days, "day")
    with _library() as library:
        written = close_days(library, first, last, reason=reason, actor=ACTOR)
        status = current_term(library)
    span = _d(first) if first == last else f"{_d(first)} 至 {_d(last)}（{len(written)} 天）"
    click.echo(f"✓ 已设为闭馆：{span}，原因：{reason.strip() or '闭馆'}。到期日会顺延到之后的开馆日。")
    if status.term is None:
        click.echo(f"⚠ {status.message}")


@closed.command("remove")
@click.argument("day", metavar="DATE")
def closed_remove(day: str) -> None:
    """取消某天的单独设置（闭馆或调休），恢复按星期开闭馆。"""
    when = _parsed(parse_day, day, "day")
    with _library() as library:
        clear_day(library, when, actor=ACTOR)
    click.echo(f"✓ {_d(when)} 恢复按星期开闭馆。")


@calendar.group("open")
def open_() -> None:
    """调休：周末或闭馆日改为开馆。"""


@open_.command("add")
@click.argument("day", metavar="DATE")
@click.option("--reason", default="", help="原因，默认“调休上课”。")
def open_add(day: str, reason: str) -> None:
    """把 DATE 设为开馆日（调休上课）。"""
    when = _parsed(parse_day, day, "day")
    with _library() as library:
        open_day(library, when, reason=reason, actor=ACTOR)
    click.echo(f"✓ {_d(when)} 开馆（{reason.strip() or '调休上课'}）。")


@calendar.command()
@click.argument("days", nargs=-1)
def weekdays(days: tuple[str, ...]) -> None:
    """每周固定闭馆的日子，1=周一 … 7=周日，例如 6 7（默认周六周日）；不写参数则每天都开馆。"""
    numbers: set[int] = set()
    for text in days:
        if not text.isdigit() or not 1 <= int(text) <= 7:
            click.echo(f"✗ 星期：“{text}”看不懂，请写 1（周一）到 7（周日）。", err=True)
            raise SystemExit(1)
        numbers.add(int(text) - 1)
    with _library() as library:
        closed_days = set_closed_weekdays(library, numbers, actor=ACTOR)
    names = "、".join(WEEKDAY_NAMES[d] for d in sorted(closed_days)) or "无（每天开馆）"
    click.echo(f"✓ 每周闭馆：{names}。")


# ---------------------------------------------------------------- national holidays

@calendar.command()
@click.argument("year", type=int)
@click.option("--dry-run", is_flag=True, help="只预览，不写入。")
def holidays(year: int, dry_run: bool) -> None:
    """导入 YEAR 年的法定节假日和调休上班日（来自 chinese-calendar）。"""
    with _library() as library:
        plan = holiday_plan(library, year) if dry_run else load_holidays(library, year, actor=ACTOR)
    click.echo(render_plan(plan, dry_run))


def _plan_runs(days: list[PlannedDay]) -> list[str]:
    """Consecutive days with the same reason as one line: `2026-10-01（周四） 至 2026-10-07（周三） 国庆节（7 天）`."""
    lines: list[str] = []
    run: list[PlannedDay] = []
    for day in [*days, None]:
        if run and (day is None or (day.day - run[-1].day).days != 1 or day.reason != run[0].reason
                    or day.in_term != run[0].in_term):
            span = _d(run[0].day) if len(run) == 1 else f"{_d(run[0].day)} 至 {_d(run[-1].day)}"
            count = f"（{len(run)} 天）" if len(run) > 1 else ""
            outside = "" if run[0].in_term else "  ※不在学期内，不影响借还"
            lines.append(f"  {span}  {run[0].reason}{count}{outside}")
            run = []
        if day is not None:
            run.append(day)
    return lines


def render_plan(plan: HolidayPlan, dry_run: bool) -> str:
    """The holidays preview or result in Chinese."""
    lines = [f"{plan.year}年法定节假日：闭馆 {len(plan.holidays)} 天，调休开馆 {len(plan.workdays)} 天"
             + ("（预览，未写入）：" if dry_run else "：")]
    if plan.holidays:
        lines.append("闭馆：")
        lines += _plan_runs(plan.holidays)
    if plan.workdays:
        lines.append("调休开馆：")
        lines += _plan_runs(plan.workdays)
    if plan.kept:
        lines.append("这些日子您已经单独设置过，保留您的设置：")
        lines += _plan_runs(plan.kept)
    if not plan.add:
        lines.append(f"没有新内容：{plan.year}年的节假日已经导入过了。")
    elif dry_run:
        lines.append(f"确认无误后运行：shuxiang calendar holidays {plan.year}")
    else:
        lines.append("✓ 已写入，到期日、罚款和推送立即按新校历计算。")
    return "\n".join(lines)
