"""`shuxiang readers suspend|lift`: 取消其借书资格 with a reason, and giving it back (audited)."""
from __future__ import annotations

from datetime import date

import click

from core import desk_words as words
from core.circulation import LiftSuspension, SuspendReader, SuspensionError, lift_suspension, suspend_reader
from core.clock import system_clock
from core.db import DEFAULT_DB_URL
from core.errors import Refused
from core.library import Library

DB_OPTION = click.option("--db", "db_url", default=DEFAULT_DB_URL, show_default=True,
                         envvar="SHUXIANG_DATABASE_URL", help="SQLAlchemy URL or a SQLite file path.")
ACTOR = "cli"


def _open(db_url: str) -> Library:
    return Library.open(db_url, clock=system_clock, live=False)


def _date(raw: str | None) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise click.BadParameter(f"日期“{raw}”看不懂，请写成 2026-12-31 这样。", param_hint="--until") from None


@click.group()
def readers() -> None:
    """读者的借书资格：暂停（写明原因）与恢复。"""


@readers.command("suspend")
@click.argument("card")
@click.option("--reason", required=True, help="暂停的原因，例如：多次损坏图书，经德育处同意。")
@click.option("--until", "until", default=None, help="暂停到哪天（含这天），如 2026-12-31；不写就是一直暂停，直到恢复。")
@DB_OPTION
def suspend(card: str, reason: str, until: str | None, db_url: str) -> None:
    """暂停一位读者的借书资格（取消其借书资格）；期间可以还书。"""
    day = _date(until)
    library = _open(db_url)
    try:
        done = suspend_reader(library, SuspendReader(card, reason, day, actor=ACTOR))
    except SuspensionError as exc:
        raise click.ClickException(exc.message) from None
    except Refused as exc:
        raise click.ClickException(words.refusal("suspend", exc)) from None
    finally:
        library.close()
    click.echo(words.suspended(done))


@readers.command("lift")
@click.argument("card")
@DB_OPTION
def lift(card: str, db_url: str) -> None:
    """恢复一位读者的借书资格（手动暂停和续借后再次逾期的暂停都能恢复）。"""
    library = _open(db_url)
    try:
        done = lift_suspension(library, LiftSuspension(card, actor=ACTOR))
    except SuspensionError as exc:
        raise click.ClickException(exc.message) from None
    except Refused as exc:
        raise click.ClickException(words.refusal("lift", exc)) from None
    finally:
        library.close()
    click.echo(words.lifted(done))
