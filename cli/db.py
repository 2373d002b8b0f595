"""`shuxiang db init [--demo] [--db URL]`: create or migrate the database, optionally with the demo school."""
from __future__ import annotations

import click

from core.clock import system_clock
from core.db import DEFAULT_DB_URL
from core.library import Library


@click.group()
def db() -> None:
    """Database commands."""


@db.command("init")
@click.option("--db", "db_url", default=DEFAULT_DB_URL, show_default=True, envvar="SHUXIANG_DATABASE_URL",
              help="SQLAlchemy URL or a SQLite file path.")
@click.option("--demo", is_flag=True, help="Fill an empty database with the demo school.")
def init(db_url: str, demo: bool) -> None:
    """Create the tables (or migrate them to the newest schema)."""
    library = Library.open(db_url, clock=system_clock)
    try:
        if demo:
            from core.demo.builder import DemoBuildError, build_demo

            try:
                summary = build_demo(library)
            except DemoBuildError as exc:
                raise click.ClickException(str(exc)) from None
            click.echo(f"演示学校已就绪：{summary}")
        click.echo(f"数据库已就绪：{db_url}")
    finally:
        library.close()
