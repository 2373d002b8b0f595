"""One composition root for the server, the terminal chat and the benchmarks: settings, library, responder."""
from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from bot.responder import Responder
from core.clock import Clock
from core.library import Library
from core.policy import Policy
from core.settings import DatabaseSettings, Settings, SettingsError, load_settings

log = logging.getLogger("shuxiang.bootstrap")

DEMO_TOKEN = "shuxiang-demo"
DEMO_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DEMO_APPID = "wxdemo0000000000"
DEMO_DB_URL = "sqlite:///var/demo.db"
NOT_A_DEMO = ("--demo 只能用于演示数据库：这个数据库里已有书目或读者，但不是演示学校。"
              "连接真实学校请去掉 --demo；想试用演示请去掉 --db，或换一个空的数据库文件。")


class NotADemoDatabase(SettingsError):
    """Demo mode asked for a database holding a real school (no demo marker): refused before anything runs."""


def build_settings(config: str | None = None, *, demo: bool = False, host: str | None = None,
                   port: int | None = None, db: str | None = None) -> Settings:
    """Settings from the file and environment, then demo defaults, then command-line overrides."""
    settings = load_settings(config)
    if demo:
        settings.demo = True
        wc = settings.wechat
        settings.wechat = replace(wc, token=wc.token or DEMO_TOKEN, aes_key=wc.aes_key or DEMO_AES_KEY,
                                  appid=wc.appid or DEMO_APPID)
        if db is None and settings.database.url == DatabaseSettings().url:
            settings.database.url = DEMO_DB_URL  # the demo never touches the default database file
        if not settings.targets:  # a target for every grade (core/demo/targets.py) unless the config sets some
            from core.demo.targets import demo_targets

            settings.targets = demo_targets()
    if db is not None:
        settings.database.url = db
    if host is not None:
        settings.server.host = host
    if port is not None:
        settings.server.port = port
    return settings


def open_library(settings: Settings, clock: Clock) -> Library:
    """Open (and migrate) the database; in demo mode fill an empty one with the demo school."""
    url = settings.database.url
    if settings.demo and url == DEMO_DB_URL:
        # Demo dates are relative to the day the school was built: start from a fresh one so
        # "due soon" and "overdue" stay true whenever the demo runs.
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    library = Library.open(url, clock=clock, policy=Policy.from_config(settings.policy), school=settings.school,
                           echo=settings.database.echo)
    if settings.demo:
        try:
            ensure_demo(library)
        except NotADemoDatabase:
            library.close()
            raise
    return library


def ensure_demo(library: Library) -> None:
    """Build and mark the demo school in an empty database; keep a demo school as it is.

    Raises NotADemoDatabase for a database that holds titles or readers but no demo marker: demo mode
    publishes the demo token and mounts the unauthenticated simulator, so it must never run on a
    real school's data.
    """
    from core.demo.builder import build_demo, holds_school_data, is_demo_school

    with library.session_factory() as session:
        if is_demo_school(session):
            return
        if holds_school_data(session):
            raise NotADemoDatabase(NOT_A_DEMO)
    log.info("demo school built: %s", build_demo(library))


def demo_users() -> list[tuple[str, str, str, str]]:
    """(openid, role, card or guardian, display name) for each demo user."""
    from core.demo import DEMO_USERS

    return [(u.openid, u.role, u.ref, u.display_name) for u in DEMO_USERS]


def build_responder(settings: Settings, library: Library) -> Responder:
    """The handlers' router: the parser with the catalogue's terms, and catalogue search."""
    from bot.router import build_router

    return build_router(library, settings=settings)
