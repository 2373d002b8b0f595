"""`shuxiang log-tag VALUE…`: the log tag of an openid, WeCom user id or card number, to grep the logs.

Logs name users and cards only by a keyed tag (core/logtags.py); the key is this installation's,
so the command reads it from the same database the server uses.
"""
from __future__ import annotations

import click
from sqlalchemy.exc import SQLAlchemyError

from core.circulation.lookups import normalise_card
from core.db import DEFAULT_DB_URL, make_engine
from core.logtags import load_secret, tag


@click.command("log-tag")
@click.argument("values", nargs=-1, required=True)
@click.option("--card", is_flag=True, help="The values are card numbers: tag them as the server does (trimmed, upper case).")
@click.option("--db", "db_url", default=DEFAULT_DB_URL, show_default=True, envvar="SHUXIANG_DATABASE_URL",
              help="SQLAlchemy URL or a SQLite file path (the server's database: the key lives there).")
def log_tag(values: tuple[str, ...], card: bool, db_url: str) -> None:
    """Print `TAG VALUE` per value; then e.g. `grep user#TAG shuxiang.log`."""
    engine = make_engine(db_url)
    try:
        load_secret(engine)
    except SQLAlchemyError:
        raise click.ClickException("读不到这个数据库的日志密钥：请确认 --db 指向服务器用的数据库，并已运行 shuxiang db init。") from None
    finally:
        engine.dispose()
    for value in values:
        click.echo(f"{tag(normalise_card(value) if card else value)}  {value}")
