"""One composition root for the server, the terminal chat and the benchmarks: settings, library, responder."""
from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

from bot.responder import HelpResponder, Responder
from core.clock import Clock
from core.library import Library
from core.models import Title
from core.policy import Policy
from core.settings import DatabaseSettings, Settings, load_settings

log = logging.getLogger("shuxiang.bootstrap")

DEMO_TOKEN = "shuxiang-demo"
DEMO_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DEMO_APPID = "wxdemo0000000000"
DEMO_DB_URL = "sqlite:///var/demo.db"

# Used when core.demo is not there (yet): the simulator still lists the demo users.
FALLBACK_DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("demo-teacher", "teacher", "T0001", "张老师"),
    ("demo-headteacher", "headteacher", "", "班主任"),
    ("demo-parent", "parent", "", "家长"),
    ("demo-librarian", "librarian", "", "图书管理员"),
    ("demo-stranger", "stranger", "", "未绑定的访客"),
)


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
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    library = Library.open(url, clock=clock, policy=Policy.from_config(settings.policy), school=settings.school,
                           echo=settings.database.echo)
    if settings.demo:
        ensure_demo(library)
    return library


def ensure_demo(library: Library) -> None:
    """Build the demo school once (an empty catalogue); degrade to an empty library if core.demo is missing."""
    with library.session_factory() as session:
        if session.scalar(select(func.count()).select_from(Title)):
            return
    try:
        from core.demo.builder import build_demo
    except ImportError:
        log.warning("core.demo is not available: the demo starts with an empty library")
        return
    summary = build_demo(library)
    log.info("demo school built: %s", summary)


def demo_users() -> list[tuple[str, str, str, str]]:
    """(openid, role, card or guardian, display name) for each demo user."""
    try:
        from core.demo import DEMO_USERS
    except ImportError:
        return list(FALLBACK_DEMO_USERS)
    return [tuple(str(part) for part in user)[:4] for user in DEMO_USERS]  # type: ignore[misc]


def build_responder(settings: Settings, library: Library) -> Responder:
    """The responder the server uses; the handlers' router replaces HelpResponder here."""
    return HelpResponder()
