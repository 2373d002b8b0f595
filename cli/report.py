"""`shuxiang report term|week|class|student|honours`: the term's figures as text, Excel or PNG; the 表彰 list."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from core.clock import system_clock
from core.db import DEFAULT_DB_URL
from core.library import Library
from core.reports import (
    ClassRow,
    NoTerm,
    Period,
    Report,
    build_report,
    student_reading,
    term_period,
    week_period,
)
from core.reports.workbook import summary_rows
from core.targets import Targets, gap_text, grade_name


def _db(func):  # type: ignore[no-untyped-def]
    return click.option("--db", "db_url", default=DEFAULT_DB_URL, show_default=True, envvar="SHUXIANG_DATABASE_URL",
                        help="SQLAlchemy URL or a SQLite file path.")(func)


def _config(func):  # type: ignore[no-untyped-def]
    return click.option("--config", "config", type=click.Path(exists=True, dir_okay=False), default=None,
                        envvar="SHUXIANG_CONFIG", help="config.toml（读取 [targets] 借阅目标）。")(func)


def _targets(config: str | None, library: Library) -> tuple[Targets, str]:
    """The targets the server would use, and a line saying which they are.

    The server's rule (bot/bootstrap.py build_settings): the config's [targets] when it sets any;
    otherwise, on the demo school's database (serve --demo), the demo's targets (core/demo/targets.py);
    otherwise the plans' 4 books per student per term.
    """
    table: dict = {}
    if config is not None:
        from core.settings import SettingsError, load_settings

        try:
            table = load_settings(config).targets or {}
            targets = Targets.from_config(table)
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        if table:
            return targets, f"借阅目标：{config} 的 [targets]。"
    from core.demo.builder import is_demo_school

    with library.read_uow() as uow:
        demo = is_demo_school(uow.session)
    if demo:
        from core.demo.targets import demo_targets

        return Targets.from_config(demo_targets()), "借阅目标：演示学校的目标（与 shuxiang serve --demo 相同）。"
    return Targets(), ("借阅目标：没有设置 [targets]，按每学期生均4本；"
                       "要用学校自己的目标，请加 --config config.toml。")


def _output(func):  # type: ignore[no-untyped-def]
    func = click.option("--format", "fmt", type=click.Choice(["text", "xlsx", "png"]), default="text",
                        show_default=True, help="text 打印到屏幕；xlsx 每个表一个工作表；png 三张图表。")(func)
    return click.option("--out", type=click.Path(path_type=Path), default=None,
                        help="xlsx 文件名或 png 所在文件夹（默认当前文件夹）。")(func)


@click.group()
def report() -> None:
    """学期、每周、班级统计与学生阅读报告。"""


@report.command("term")
@click.option("--term", "term_name", default=None, help="学期名称（默认：当前学期）。")
@_output
@_config
@_db
def term(term_name: str | None, fmt: str, out: Path | None, config: str | None, db_url: str) -> None:
    """本学期统计：生均借阅（与目标）、流通率、覆盖率、班级排名、阅读之星、热门图书、每周趋势。"""
    _run(db_url, fmt, out, lambda lib, s: term_period(s, lib.today(), term_name), None, config)


@report.command("week")
@click.option("--week-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="那一周里的任意一天（默认：本周）。")
@_output
@_config
@_db
def week(week_of: object, fmt: str, out: Path | None, config: str | None, db_url: str) -> None:
    """一周统计（周一到周日）。"""
    _run(db_url, fmt, out, lambda lib, s: week_period(week_of.date() if week_of else lib.today()), None,  # type: ignore[attr-defined]
         config)


@report.command("class")
@click.argument("class_name")
@click.option("--term", "term_name", default=None, help="学期名称（默认：当前学期）。")
@_output
@_config
@_db
def class_(class_name: str, term_name: str | None, fmt: str, out: Path | None, config: str | None,
           db_url: str) -> None:
    """一个班本学期的统计（学生借阅、生均与目标、阅读之星、热门图书）。"""
    _run(db_url, fmt, out, lambda lib, s: term_period(s, lib.today(), term_name), class_name, config)


@report.command("honours")
@click.option("--term", "term_name", default=None, help="学期名称（默认：当前学期）。")
@click.option("--stars", "stars", type=click.IntRange(1, 50), default=3, show_default=True,
              help="每个年级的阅读之星人数（与最后一名并列的同学一并列入）。")
@click.option("--format", "fmt", type=click.Choice(["text", "xlsx", "html"]), default="text", show_default=True,
              help="text 打印到屏幕；xlsx 表格；html 可直接打印张贴的网页。")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件名（默认当前文件夹）。")
@_config
@_db
def honours(term_name: str | None, stars: int, fmt: str, out: Path | None, config: str | None, db_url: str) -> None:
    """期末表彰名单：各年级阅读之星、先进班级（只给图书室打印张贴，不推送到班级群）。"""
    from cli.honours import render_honours_html, render_honours_text
    from core.reports.honours import build_honours, write_honours_workbook

    library = Library.open(db_url, clock=system_clock)
    try:
        targets, used = _targets(config, library)
        with library.uow() as uow:
            try:
                period = term_period(uow.session, library.today(), term_name)
            except NoTerm as exc:
                raise click.ClickException(str(exc)) from None
        with _spinner("正在统计……"):
            result = build_honours(library, period, targets=targets, stars_per_grade=stars)
        school = library.school.name
    finally:
        library.close()
    stem = period.name.replace(" ", "")
    if fmt == "xlsx":
        path = write_honours_workbook(result, out or Path(f"{stem}-表彰名单.xlsx"))
        click.echo(f"已生成 Excel：{path}")
    elif fmt == "html":
        path = out or Path(f"{stem}-表彰名单.html")
        path.write_text(render_honours_html(result, school), encoding="utf-8")
        click.echo(f"已生成网页（用浏览器打开后打印）：{path}")
    else:
        click.echo(render_honours_text(result))
    click.echo(used)


@report.command("student")
@click.argument("card_no")
@click.option("--png", type=click.Path(path_type=Path), default=None, help="把阅读图表存为这个 PNG 文件。")
@_db
def student(card_no: str, png: Path | None, db_url: str) -> None:
    """一个学生的阅读记录（给家长看）。"""
    from core.circulation.lookups import reader_by_card
    from core.errors import Refused

    library = Library.open(db_url, clock=system_clock)
    try:
        with library.uow() as uow:
            try:
                reader_id = reader_by_card(uow.session, card_no).id
            except Refused:
                raise click.ClickException(f"没有找到借书证 {card_no}") from None
        reading = student_reading(library, reader_id, chart=png is not None)
    finally:
        library.close()
    click.echo(f"{reading.class_name}{reading.name}（{reading.card_no}）一共借阅 {reading.total} 本")
    click.echo("每月：" + "，".join(f"{m} {n}本" for m, n in reading.by_month))
    for entry in reading.entries:
        back = f"{entry.returned_on} 还" if entry.returned_on else "在读"
        click.echo(f"  {entry.loaned_on} 借《{entry.title}》{entry.author}（{back}）")
    if png is not None and reading.chart_png:
        png.write_bytes(reading.chart_png)
        click.echo(f"图表：{png}")


def _run(db_url: str, fmt: str, out: Path | None, period_of, class_name: str | None,  # type: ignore[no-untyped-def]
         config: str | None = None) -> None:
    library = Library.open(db_url, clock=system_clock)
    try:
        targets, used = _targets(config, library)
        with library.uow() as uow:
            try:
                period: Period = period_of(library, uow.session)
            except NoTerm as exc:
                raise click.ClickException(str(exc)) from None
        with _spinner("正在统计……"):
            try:
                result = build_report(library, period, class_name=class_name, targets=targets)
            except LookupError as exc:
                raise click.ClickException(str(exc)) from None
    finally:
        library.close()
    stem = f"{period.name}{'-' + class_name if class_name else ''}".replace(" ", "")
    if fmt == "xlsx":
        from core.reports.fonts import NoChineseFont
        from core.reports.workbook import write_workbook

        target = out or Path(f"{stem}-借阅统计.xlsx")
        try:
            path = write_workbook(result, target)  # with the three charts on its 图表 sheet
        except NoChineseFont as missing:
            path = write_workbook(result, target, charts={})
            click.echo(f"{missing}。这次的 Excel 没有图表。", err=True)
        click.echo(f"已生成 Excel：{path}")
    elif fmt == "png":
        from core.reports.charts import write_charts

        with _spinner("正在画图……"):
            paths = write_charts(result, out or Path("."), stem=stem)
        click.echo("已生成图表：\n" + "\n".join(f"  {p}" for p in paths))
    else:
        click.echo(render_text(result))
    if period.is_term:
        click.echo(used)


def _spinner(text: str):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True).status(text) if sys.stderr.isatty() else _Null()


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _vs_target(row: ClassRow) -> str:
    """"（目标4，差0.6）" / "（目标4，已达标）" beside a class's 生均; nothing without a target."""
    return f"（目标{row.target:g}，{gap_text(row.per_student, row.target)}）" if row.target else ""


def _rotations(row: ClassRow) -> str:
    if not row.rotations and not row.rotations_target:
        return ""
    target = f"/目标{row.rotations_target}" if row.rotations_target else ""
    return f" 集体借阅轮换{row.rotations}次{target}"


def render_text(result: Report, top: int = 10) -> str:
    """The report as plain text for the terminal (also pasteable into a WeChat message)."""
    lines = [f"【{result.class_name or '全校'}借阅统计】"]
    lines += [f"{name}：{value}" for name, value in summary_rows(result)]
    lines.append("\n班级排名（按生均借阅）：")
    lines += [f"  {c.rank}. {c.name} 生均{c.per_student:.2f}册{_vs_target(c)} 共{c.loans}册 覆盖率{c.coverage:.0%} "
              f"逾期{c.overdue}册{_rotations(c)}" + (f" 集体借阅{c.collection_loans}册" if c.collection_loans else "")
              for c in result.classes]
    lines.append("\n阅读之星（借阅不同的书最多；同一本书借多次只算一种）：")
    for grade, stars in result.stars.items():
        lines.append(f"  {grade_name(grade)}：" + "、".join(f"{s.name}（{s.class_name}，{s.titles}种）" for s in stars))
    lines.append("\n热门图书：")
    lines += [f"  {i}. 《{t.title}》{t.author} {t.loans}次" for i, t in enumerate(result.top_titles[:top], start=1)]
    lines.append("\n每周借阅：" + "，".join(f"{m.month}/{m.day} {n}" for m, n in result.weeks))
    return "\n".join(lines)


