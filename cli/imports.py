"""`shuxiang import catalog|readers FILE`: preview, report bad rows, commit in one transaction."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from core.clock import system_clock
from core.db import DEFAULT_DB_URL
from core.imports import ImportReport, UnreadableFile, import_catalogue, import_readers, open_source
from core.library import Library

PREVIEW_LINES = 30
PROBLEM_LINES = 200

COUNT_NAMES = {"titles_created": "新增书目", "titles_updated": "更新书目", "items_created": "新增复本",
               "items_updated": "更新复本", "unchanged": "无变化", "isbn_conflicts": "ISBN冲突"}
DECISIONS = {"separate": "另立书目", "existing": "并入已有书目"}


def _options(func: Callable[..., None]) -> Callable[..., None]:
    func = click.option("--db", "db_url", default=DEFAULT_DB_URL, show_default=True,
                        envvar="SHUXIANG_DATABASE_URL", help="SQLAlchemy URL or a SQLite file path.")(func)
    func = click.option("--dry-run", is_flag=True, help="只预览将要做的改动，不写入。")(func)
    func = click.option("--accept-partial", is_flag=True,
                        help="有错误行时，仍导入其余正确的行（错误行记录在导入批次里）。")(func)
    func = click.option("--all-changes", is_flag=True, help="预览时列出全部改动，而不只前30条。")(func)
    return click.argument("file", type=click.Path(path_type=Path))(func)


@click.group("import")
def import_group() -> None:
    """导入书目或读者名单（CSV/Excel/MARC）。"""


@import_group.command("catalog")
@_options
@click.option("--same-isbn", type=click.Choice(["separate", "existing"]), default=None,
              help="ISBN 已属于另一书名时：separate 另立书目（分册、套书），existing 并入已有书目。不给则列为冲突。")
@click.option("--decide", "decide", multiple=True, metavar="行号=separate|existing",
              help="逐行决定 ISBN 冲突，如 --decide 12=separate（可重复）。")
def catalog(file: Path, db_url: str, dry_run: bool, accept_partial: bool, all_changes: bool,
            same_isbn: str | None, decide: tuple[str, ...]) -> None:
    """导入书目：CSV（UTF-8/GBK）、Excel .xlsx/.xls 或 MARC ISO 2709（CNMARC/MARC21）。"""
    decisions = _decisions(decide)
    _run("catalogue", file, db_url, dry_run, accept_partial, all_changes, teachers=False,
         isbn={"same_isbn": same_isbn or "ask", "decisions": decisions})


def _decisions(pairs: tuple[str, ...]) -> dict[int, str]:
    """'12=separate' → {12: 'separate'}; a malformed pair stops with the pair named."""
    out: dict[int, str] = {}
    for pair in pairs:
        line, _, choice = pair.partition("=")
        if not line.strip().isdigit() or choice.strip() not in DECISIONS:
            raise click.BadParameter(f"“{pair}”应写成 行号=separate 或 行号=existing", param_hint="--decide")
        out[int(line)] = choice.strip()
    return out


@import_group.command("readers")
@_options
@click.option("--teachers", is_flag=True, help="这是教师名单（没有“身份”列时按教师导入）。")
def readers(file: Path, db_url: str, dry_run: bool, accept_partial: bool, all_changes: bool,
            teachers: bool) -> None:
    """导入学生名单（班级、学号、姓名、家长）或教师名单。"""
    _run("readers", file, db_url, dry_run, accept_partial, all_changes, teachers=teachers)


def _run(kind: str, file: Path, db_url: str, dry_run: bool, accept_partial: bool, all_changes: bool,
         *, teachers: bool, isbn: dict[str, object] | None = None) -> None:
    library = Library.open(db_url, clock=system_clock)
    try:
        report = _import(library, kind, file, dry_run, accept_partial, teachers, isbn or {})
        _print(report, all_changes)
        if report.problems and not report.committed and not dry_run and sys.stdin.isatty():
            if click.confirm(f"有{len(report.problems)}行有问题。只导入其余{report.good_rows}行吗？", default=False):
                report = _import(library, kind, file, False, True, teachers, isbn or {})
                _print(report, all_changes)
        _verdict(report)
    finally:
        library.close()


def _import(library: Library, kind: str, file: Path, dry_run: bool, accept_partial: bool,
            teachers: bool, isbn: dict[str, object]) -> ImportReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    try:
        source = open_source(file, "catalogue" if kind == "catalogue" else "readers")
        with Progress(TextColumn("读取 {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task(file.name, total=source.total_hint)
            step = bar.advance if sys.stderr.isatty() else None

            def progress(n: int) -> None:
                if step is not None:
                    step(task, n)

            common = {"filename": file.name, "sha256": source.sha256, "dry_run": dry_run,
                      "accept_partial": accept_partial, "progress": progress}
            if kind == "catalogue":
                report = import_catalogue(library, source.rows, **common, **isbn)  # type: ignore[arg-type]
            else:
                report = import_readers(library, source.rows, teachers=teachers, **common)  # type: ignore[arg-type]
    except UnreadableFile as exc:
        click.echo(f"无法导入：{exc}", err=True)
        raise SystemExit(2) from exc
    encoding = f"，编码 {source.encoding.upper()}" if source.encoding else ""
    click.echo(f"文件：{file.name}（{source.format.upper()}{encoding}），读到 {report.rows_read} 行")
    return report


def _print(report: ImportReport, all_changes: bool) -> None:
    if report.counts:
        click.echo("统计：" + "，".join(f"{COUNT_NAMES.get(k, k)} {v}" for k, v in report.counts.items()))
    if report.dry_run and report.changes:
        click.echo(f"将要做的改动（共{len(report.changes)}项）：")
        shown = report.changes if all_changes else report.changes[:PREVIEW_LINES]
        for change in shown:
            click.echo(f"  {change.action} {change.key} {change.detail}".rstrip())
        if len(shown) < len(report.changes):
            click.echo(f"  ……还有{len(report.changes) - len(shown)}项（加 --all-changes 查看全部）")
    for warning in report.warnings[:PROBLEM_LINES]:
        click.echo(f"  提醒 {warning.where}：{warning.reason}")
    if len(report.warnings) > PROBLEM_LINES:
        click.echo(f"  ……还有{len(report.warnings) - PROBLEM_LINES}条提醒没有列出（共{len(report.warnings)}条）")
    if report.conflicts:
        click.echo(f"ISBN冲突（共{len(report.conflicts)}行，同一ISBN、不同书名，需要您决定）：")
        for c in report.conflicts[:PROBLEM_LINES]:
            click.echo(f"  {c.where}：《{c.title}》的ISBN {c.isbn} 已属于《{c.held_title}》")
        click.echo("  分册或套书请加 --same-isbn separate（另立书目），同一本书加 --same-isbn existing（并入），"
                   "也可逐行 --decide 行号=separate")
    if report.problems:
        click.echo(f"有问题的行（共{len(report.problems)}行）：")
        for problem in report.problems[:PROBLEM_LINES]:
            click.echo(f"  {problem.where}：{problem.reason}")
        if len(report.problems) > PROBLEM_LINES:
            click.echo(f"  ……还有{len(report.problems) - PROBLEM_LINES}行没有列出")


def _verdict(report: ImportReport) -> None:
    if report.dry_run:
        click.echo("这是预览，没有写入任何数据。确认无误后去掉 --dry-run 再导入。")
    elif report.committed:
        click.echo(f"导入完成（批次 {report.batch_id}）。" + ("" if report.changed else "数据已是最新，没有改动。"))
    elif report.problems:
        click.echo("没有写入任何数据：请修改上面的行后重新导入，或加 --accept-partial 只导入正确的行。")
        raise SystemExit(1)
    else:
        click.echo("文件里没有可导入的行。")
        raise SystemExit(1)
