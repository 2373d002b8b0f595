"""`shuxiang chat --as OPENID`: the same conversation in a terminal (same dispatcher, console pushes)."""
from __future__ import annotations

import asyncio
import sys
import time
import uuid

import click

from core.clock import system_clock


@click.command()
@click.option("--as", "user", required=True, help="The user to speak as, e.g. demo-teacher.")
@click.option("--demo", is_flag=True, help="Use the demo school (var/demo.db).")
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False), default=None,
              envvar="SHUXIANG_CONFIG", help="A config.toml (see config.example.toml).")
@click.option("--db", "db", default=None, help="SQLAlchemy URL or SQLite file.")
def chat(user: str, demo: bool, config: str | None, db: str | None) -> None:
    """Chat with the bot in the terminal; an empty line or Ctrl-D ends."""
    from core.settings import SettingsError

    try:
        asyncio.run(_chat(user, demo, config, db))
    except SettingsError as exc:  # e.g. --demo on a real school's database: the message, not a trace
        raise click.ClickException(str(exc)) from None


async def _chat(user: str, demo: bool, config: str | None, db: str | None) -> None:
    from bot.bootstrap import build_responder, build_settings, open_library
    from bot.delivery import DeliveryPump, LateReplies
    from bot.dispatch import Dispatcher
    from bot.keywriter import BatchedKeys
    from bot.messages import IncomingMessage
    from bot.pushes import ConsoleChannel
    from core.messaging import IdempotencyStore, OutboundQueue

    settings = build_settings(config, demo=demo, db=db)
    library = await asyncio.to_thread(open_library, settings, system_clock)
    try:
        queue = OutboundQueue(library.session_factory, system_clock)
        console = ConsoleChannel(queue)
        # No WeChat deadline in a terminal: wait for the full answer.
        keys = BatchedKeys(IdempotencyStore(library.session_factory, system_clock))
        keys.start()
        dispatcher = Dispatcher(build_responder(settings, library), keys, LateReplies(queue, DeliveryPump(None)),
                                deadline=3600, clock=system_clock)
        seen = max((p.id for p in console.inbox(user)), default=0)
        click.echo(f"你现在是 {user}。输入消息后回车；空行或 Ctrl-D 结束。")
        while True:
            line = await asyncio.to_thread(_read_line)
            if line is None or not line.strip():
                break
            message = IncomingMessage(channel="terminal", user_id=user, kind="text", text=line.strip(),
                                      msg_id=uuid.uuid4().hex, create_time=int(time.time()), msg_type="text")
            reply = await dispatcher.dispatch(message)
            click.echo(reply.text or "（没有回复）")
            for push in console.inbox(user, after=seen):
                seen = push.id
                click.echo(f"📬 {push.title or '推送'}：{push.text}")
        await keys.stop()
    finally:
        library.close()


def _read_line() -> str | None:
    sys.stdout.write("> ")
    sys.stdout.flush()
    line = sys.stdin.readline()
    return line if line else None
