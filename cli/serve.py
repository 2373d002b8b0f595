"""`shuxiang serve`: run the WeChat/WeCom callback server (and the simulator in demo mode)."""
from __future__ import annotations

import logging

import click

from core import logredact
from core.clock import Clock, system_clock
from core.settings import SettingsError


@click.command()
@click.option("--demo", is_flag=True, help="Demo school, demo WeChat keys, var/demo.db, simulator on.")
@click.option("--host", default=None, help="Listen address (default from [server] host).")
@click.option("--port", type=int, default=None, help="Listen port (default from [server] port).")
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False), default=None,
              envvar="SHUXIANG_CONFIG", help="A config.toml (see config.example.toml).")
@click.option("--db", "db", default=None, help="SQLAlchemy URL or SQLite file; overrides [database] url.")
@click.option("--now", "now_text", default=None,
              help="Simulated time to start from (ISO 8601; naive = school time), e.g. 2026-11-23T08:00.")
@click.option("--fast-clock", type=float, default=None,
              help="Simulated seconds per real second (demo): pushes arrive in /simulator as days pass.")
@click.option("--no-jobs", is_flag=True, help="Do not run the scheduled notices in this process.")
def serve(demo: bool, host: str | None, port: int | None, config: str | None, db: str | None,
          now_text: str | None, fast_clock: float | None, no_jobs: bool) -> None:
    """Start the server: /wechat, /wecom, /healthz (and /simulator with --demo)."""
    from bot.app import create_app
    from bot.bootstrap import build_responder, build_settings, open_library
    from bot.serving import run

    clock = _clock(now_text, fast_clock)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logredact.install()  # database errors in tracebacks lose the values PostgreSQL quotes
    try:
        settings = build_settings(config, demo=demo, host=host, port=port, db=db)
        library = open_library(settings, clock)  # migrate (and build the demo) before listening
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    # One library for the responder and the app: opening the demo a second time would rebuild its
    # database under connections the responder already holds.
    app = create_app(settings, responder=build_responder(settings, library), clock=clock, library=library,
                     scheduler=not no_jobs)
    base = f"http://{settings.server.host}:{settings.server.port}"
    click.echo(f"书香 Shuxiang 服务已启动：{base}/wechat  {base}/wecom  {base}/healthz  后台：{base}/admin")
    if settings.demo:
        click.echo(f"演示模式：在浏览器打开 {base}/simulator 试聊（Token {settings.wechat.token}）")
        from core.demo.staff import DEMO_STAFF, DEMO_STAFF_PASSWORD

        accounts = "、".join(name for name, _, _ in DEMO_STAFF)
        click.echo(f"后台 {base}/admin 演示账号：{accounts}，密码都是 {DEMO_STAFF_PASSWORD}")
    try:
        run(app, settings)
    finally:
        library.close()


def _clock(now_text: str | None, speed: float | None) -> Clock:
    """The system clock, shifted to `--now`, or running `--fast-clock` times faster (demo)."""
    if now_text is None and speed is None:
        return system_clock
    from datetime import UTC, datetime

    from core.clock import SCHOOL_TZ, OffsetClock
    from scheduler.clock import FastClock

    try:
        start = datetime.fromisoformat(now_text) if now_text else system_clock()
    except ValueError:
        raise click.BadParameter(f"--now: not an ISO 8601 time: {now_text}") from None
    start = (start.replace(tzinfo=SCHOOL_TZ) if start.tzinfo is None else start).astimezone(UTC)
    if speed:
        return FastClock(start, speed)
    return OffsetClock(start - system_clock())
