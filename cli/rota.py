"""`shuxiang rota`: the class borrowing rota (借阅轮流表) from a terminal.

A thin front end over `core.rota`: parse, call one service, print the result or each field's
Chinese message (exit 1 on refused input). Registered in cli/main.py as "rota": "cli.rota:rota".
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any

import click

from cli.checked import DB_OPTION, checked_library, remember_db
from core.library import Library
from core.rota import RotaInvalid, class_rota, make_turn, remove_turns, set_turn, skipped_turns
from core.rota.schedule import WEEKDAY_NAMES, never_comes, next_turn, parse_weekday
from core.rota.timetable import TimetableProblems, import_timetable
from core.school_calendar import CalendarInvalid, parse_day

ACTOR = "cli"
FIELD_NAMES = {"class": "班级", "weekday": "星期", "window": "时间", "every": "--every", "from": "--from",
               "place": "--place", "start": "--from"}


@click.group()
@DB_OPTION
@click.pass_context
def rota(ctx: click.Context, db_url: str) -> None:
    """借阅轮流表：各班哪天几点来借书。"""
    remember_db(ctx, db_url)


def _library() -> AbstractContextManager[Library]:
    """The library for one command; RotaInvalid becomes the field's message and exit code 1."""
    return checked_library(RotaInvalid, FIELD_NAMES)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return parse_day(text, option)
    except CalendarInvalid as invalid:
        click.echo(f"✗ {option}：{next(iter(invalid.errors.values()))}", err=True)
        raise SystemExit(1) from None


@rota.command("set")
@click.argument("class_name")
@click.argument("weekday")
@click.argument("window")
@click.option("--every", default="1", show_default=True,
              help="每几周一次：1 每周，2 隔周；单周、双周按学期第一周数。")
@click.option("--from", "start", default=None,
              help="从哪天那一周开始（默认：替换原有的沿用原来的；每周从本周，隔周从学期第一周）。")
@click.option("--place", default="", help="地点，如 图书室、阅览室。")
def set_command(class_name: str, weekday: str, window: str, every: str, start: str | None, place: str) -> None:
    """设置一个班某天的借阅时间（同一天原有的会被替换），如：rota set 三年级2班 周三 12:10-12:50 --every 2"""
    first = _day(start, "--from")
    with _library() as library:
        turn = make_turn(weekday, window, every=every, start=first, place=place, today=library.today(),
                         calendar=library.school_calendar())
        result = set_turn(library, class_name, turn, actor=ACTOR)
        saved = next(t for t in result.turns if (t.weekday, t.starts, t.ends) == (turn.weekday, turn.starts, turn.ends))
        click.echo(f"✓ {result.class_name}：{saved.describe(library.today())}")
        why = never_comes(saved, library.school_calendar(), library.today())
        if why:
            click.echo(f"  注意：{why}")
        _print_next(library, result.class_name, result.turns)


def _print_next(library: Library, class_name: str, turns: tuple[Any, ...]) -> None:
    found = next_turn(list(turns), library.school_calendar(), library.today())
    if found is not None:
        day, turn = found
        click.echo(f"  下次：{day.isoformat()}（{WEEKDAY_NAMES[day.weekday()]}）{turn.starts}")
    else:
        click.echo("  一年内没有开馆日轮到这个班，请检查校历或起始周。")


@rota.command("show")
@click.argument("class_name", required=False)
def show_command(class_name: str | None) -> None:
    """查看借阅轮流表：全校，或一个班（含下次借阅日）。"""
    with _library() as library:
        rows = class_rota(library, class_name)
        calendar, today = library.school_calendar(), library.today()
        empty = [r.class_name for r in rows if not r.turns]
        shown = [r for r in rows if r.turns]
        if not shown:
            click.echo("还没有设置借阅轮流表。用 shuxiang rota set 三年级2班 周三 12:10-12:50 添加，"
                       "或 shuxiang rota import 轮流表.xlsx 导入整张表。")
        for row in shown:
            found = next_turn(list(row.turns), calendar, today)
            upcoming = (f"  下次 {found[0].isoformat()}（{WEEKDAY_NAMES[found[0].weekday()]}）"
                        if found else "  一年内没有开馆日轮到")
            click.echo(f"{row.class_name}：" + "；".join(t.describe(today) for t in row.turns) + upcoming)
        if empty and class_name is None:
            click.echo(f"未设置借阅时间的班级（{len(empty)}个）：" + "、".join(empty))
        elif empty:
            click.echo(f"{empty[0]}还没有借阅时间。")


@rota.command("remove")
@click.argument("class_name")
@click.argument("weekday", required=False)
def remove_command(class_name: str, weekday: str | None) -> None:
    """删除一个班某天的借阅时间（不写星期则删除这个班的全部）。"""
    with _library() as library:
        day = parse_weekday(weekday) if weekday else None
        removed = remove_turns(library, class_name, day, actor=ACTOR)
        click.echo(f"✓ 已删除 {removed} 个借阅时间。" if removed else "这个班在那天本来就没有借阅时间。")


@rota.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """导入整张借阅轮流表（.xlsx；表头：班级、星期、时间，可选 间隔、起始、地点）。有错就一行也不写。"""
    with _library() as library:
        warnings: list[str] = []
        try:
            result = import_timetable(path, library, actor=ACTOR, warnings=warnings)
        except TimetableProblems as problems:
            click.echo(f"✗ 表里有 {len(problems.problems)} 处问题，什么也没有写入：", err=True)
            for line in problems.problems:
                click.echo(f"  {line}", err=True)
            raise SystemExit(1) from None
        turns = sum(len(r.turns) for r in result)
        click.echo(f"✓ 已导入 {len(result)} 个班、{turns} 个借阅时间；表里没有的班级保持原样。")
        if warnings:
            click.echo(f"注意（{len(warnings)}处，已导入，需要的话改表后重新导入）：")
            for line in warnings:
                click.echo(f"  {line}")


@rota.command("skipped")
@click.option("--from", "start", default=None, help="从哪天起（默认四周前）。")
@click.option("--to", "end", default=None, help="到哪天（默认昨天）。")
def skipped_command(start: str | None, end: str | None) -> None:
    """轮到借书却没有一个学生借书的班级（开馆日）。"""
    first, last = _day(start, "--from"), _day(end, "--to")
    with _library() as library:
        rows = skipped_turns(library, start=first, end=last)
        if not rows:
            click.echo("这段时间每个班轮到时都有人借书。")
            return
        click.echo(f"轮到借书但没有人借的（{len(rows)}次）：")
        for row in rows:
            click.echo(f"  {row.day.isoformat()}（{WEEKDAY_NAMES[row.day.weekday()]}） {row.class_name}  "
                       f"{row.turn.starts}-{row.turn.ends}" + (f" {row.turn.place}" if row.turn.place else ""))
