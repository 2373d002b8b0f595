"""`shuxiang readers suspend|lift`: 取消其借书资格 with a reason, and giving it back (audited)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import click

from cli.checked import DB_OPTION
from core import desk_words as words
from core.circulation import LiftSuspension, SuspendReader, SuspensionError, lift_suspension, suspend_reader
from core.clock import system_clock
from core.errors import Refused
from core.library import Library

ACTOR = "cli"
T = TypeVar("T")


def _apply(db_url: str, verb: str, change: Callable[[Library], T]) -> T:
    """Run one change of a reader's borrowing rights; its refusals become the terminal's Chinese error."""
    library = Library.open(db_url, clock=system_clock, live=False)
    try:
        return change(library)
    except SuspensionError as exc:
        raise click.ClickException(exc.message) from None
    except Refused as exc:
        raise click.ClickException(words.refusal(verb, exc)) from None
    finally:
        library.close()


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
    done = _apply(db_url, "suspend", lambda library: suspend_reader(library, SuspendReader(card, reason, day, actor=ACTOR)))
    click.echo(words.suspended(done))


@readers.command("lift")
@click.argument("card")
@DB_OPTION
def lift(card: str, db_url: str) -> None:
    """恢复一位读者的借书资格（手动暂停和续借后再次逾期的暂停都能恢复）。"""
    done = _apply(db_url, "lift", lambda library: lift_suspension(library, LiftSuspension(card, actor=ACTOR)))
    click.echo(words.lifted(done))
