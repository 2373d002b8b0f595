"""The shape shared by the terminal's field-checked command groups (校历, 借阅轮流表): a --db option with
the test clock on the context object, and one library per command whose field errors become "✗ 字段：说明"
lines and exit code 1; and the shape of the commands that name one record by its number (期末清点's
report, close and scan), whose unknown number becomes click's "Error: …" line."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

from core.clock import Clock, system_clock
from core.db import DEFAULT_DB_URL
from core.library import Library

DB_OPTION = click.option("--db", "db_url", default=DEFAULT_DB_URL, show_default=True, envvar="SHUXIANG_DATABASE_URL",
                         help="SQLAlchemy URL or a SQLite file path.")


def remember_db(ctx: click.Context, db_url: str) -> None:
    """Keep the group's --db (and the system clock unless a test passed obj={"clock": FixedClock(...)})."""
    settings: dict[str, Any] = ctx.ensure_object(dict)
    settings.setdefault("db_url", db_url)
    settings.setdefault("clock", system_clock)


@contextmanager
def checked_library(invalid: type[Exception], field_names: Mapping[str, str]) -> Iterator[Library]:
    """The library for one command. An `invalid` exception (its `errors`: {field: message}) is printed one
    line per field, named as the librarian typed it (`field_names`), and exits with code 1."""
    settings = click.get_current_context().find_object(dict) or {}
    clock: Clock = settings.get("clock", system_clock)
    library = Library.open(settings.get("db_url", DEFAULT_DB_URL), clock=clock)
    try:
        yield library
    except invalid as exc:
        for field, message in exc.errors.items():  # type: ignore[attr-defined]
            click.echo(f"✗ {field_names.get(field, field)}：{message}", err=True)
        raise SystemExit(1) from None
    finally:
        library.close()


@contextmanager
def numbered_library(db_url: str) -> Iterator[Library]:
    """The library at `db_url` (system clock) for one command about a numbered record, such as a stock-take.
    A LookupError in the block (no such record, or one that no longer takes the change) is printed as click's
    "Error: <message>" and exits with code 1; the library is closed either way. Keep only the call that can
    refuse inside the block and print after it, so that nothing is printed for a refused command."""
    library = Library.open(db_url, clock=system_clock)
    try:
        yield library
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        library.close()
