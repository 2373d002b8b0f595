"""Typed application keys (aiohttp's "no singletons"): what the app holds and who reads it."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.delivery import DeliveryPump
from bot.dispatch import Dispatcher
from bot.pushes import ConsoleChannel
from bot.responder import Responder
from bot.wechat import WeChatEndpoint
from bot.wecom import WeComEndpoint
from core.clock import Clock
from core.library import Library
from core.messaging import OutboundQueue
from core.settings import Settings


@dataclass
class Readiness:
    """What /healthz reports on; set by the start-up contexts."""

    database: bool = False
    responder: bool = False


SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
RESPONDER = web.AppKey("responder", Responder)  # type: ignore[type-abstract]
READINESS = web.AppKey("readiness", Readiness)
LIBRARY = web.AppKey("library", Library)
HTTP = web.AppKey("http", aiohttp.ClientSession)
QUEUE = web.AppKey("queue", OutboundQueue)
CONSOLE = web.AppKey("console", ConsoleChannel)
PUMP = web.AppKey("pump", DeliveryPump)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
WECHAT = web.AppKey("wechat", WeChatEndpoint)
WECOM = web.AppKey("wecom", WeComEndpoint)
PURGE = web.AppKey("purge", Callable[[], Awaitable[tuple[int, int]]])  # one purge of old run-once keys and nonces
