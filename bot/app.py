"""The aiohttp application: callbacks, simulator, health; every dependency under a typed AppKey."""
from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bot.bootstrap import open_library
from bot.delivery import DeliveryPump, LateReplies
from bot.dispatch import Dispatcher
from bot.keys import (
    CLOCK,
    CONSOLE,
    DISPATCHER,
    HTTP,
    LIBRARY,
    PUMP,
    QUEUE,
    READINESS,
    RESPONDER,
    SETTINGS,
    WECHAT,
    WECOM,
    Readiness,
)
from bot.keywriter import BatchedKeys
from bot.pushes import ConsoleChannel
from bot.responder import Responder
from bot.wechat import WeChatEndpoint
from bot.wecom import WeComEndpoint
from core.clock import Clock
from core.library import Library
from core.live.feed import purge_old_rows
from core.messaging import IdempotencyStore, OutboundQueue
from core.settings import Settings, SettingsError
from scheduler.channels.build import build_reply_channels
from scheduler.channels.tokens import SharedTokens
from scheduler.delivery import REPLY, Delivery

log = logging.getLogger("shuxiang.app")
access = logging.getLogger("shuxiang.access")

CleanupCtx = Callable[[web.Application], AsyncIterator[None]]
KEY_RETENTION = timedelta(days=2)  # WeChat retries within ~15 s; two days also covers clock trouble


def create_app(settings: Settings, *, responder: Responder, clock: Clock, library: Library | None = None,
               simulator: bool | None = None, contexts: Sequence[CleanupCtx] = (),
               delivery_interval: float = 5.0, scheduler: bool = False) -> web.Application:
    """Build the app; the database, HTTP session and delivery pump start in cleanup_ctx, in order.

    `library` given: the caller owns it (tests); otherwise it is opened from settings and closed here.
    `scheduler` starts the notice jobs and their delivery loop ([jobs] in the config); `contexts`
    run last. The simulator defaults to on in demo mode only:
    it lets anyone speak as any user, so it must never face the internet.
    """
    _check_keys(settings)
    app = web.Application(middlewares=[_access_log], client_max_size=settings.server.max_body_bytes)
    app[SETTINGS], app[CLOCK], app[RESPONDER], app[READINESS] = settings, clock, responder, Readiness()
    app.cleanup_ctx.append(_database(library))
    app.cleanup_ctx.append(_http_session)
    app.cleanup_ctx.append(_pipeline(delivery_interval))
    if scheduler:
        app.cleanup_ctx.append(_scheduler)
    app.cleanup_ctx.extend(contexts)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/wechat", _wechat_get)
    app.router.add_post("/wechat", _wechat_post)
    app.router.add_get("/wecom", _wecom_get)
    app.router.add_post("/wecom", _wecom_post)
    if settings.demo if simulator is None else simulator:
        from bot.simulator.views import add_routes

        add_routes(app)
    return app


# The endpoints are built at start-up (they need the database); routes exist from the start.
async def _wechat_get(request: web.Request) -> web.Response:
    return await request.app[WECHAT].get(request)


async def _wechat_post(request: web.Request) -> web.Response:
    return await request.app[WECHAT].post(request)


async def _wecom_get(request: web.Request) -> web.Response:
    return await request.app[WECOM].get(request)


async def _wecom_post(request: web.Request) -> web.Response:
    return await request.app[WECOM].post(request)


def _check_keys(settings: Settings) -> None:
    for name, key in (("wechat.aes_key", settings.wechat.aes_key), ("wecom.aes_key", settings.wecom.aes_key)):
        if key and len(key) != 43:
            raise SettingsError(f"{name}: an EncodingAESKey has 43 characters, got {len(key)}")


def _database(library: Library | None) -> CleanupCtx:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        lib = library or await asyncio.to_thread(open_library, app[SETTINGS], app[CLOCK])
        app[LIBRARY] = lib
        app[READINESS].database = True
        yield
        app[READINESS].database = False
        if library is None:
            await asyncio.to_thread(lib.close)
    return ctx


async def _http_session(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        app[HTTP] = session
        yield


def _pipeline(delivery_interval: float) -> CleanupCtx:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings, clock, lib = app[SETTINGS], app[CLOCK], app[LIBRARY]
        store = IdempotencyStore(lib.session_factory, clock)
        queue = OutboundQueue(lib.session_factory, clock)
        shared = SharedTokens(lib.session_factory, clock)  # one token per app for every process and the jobs
        replies = build_reply_channels(settings, app[HTTP], shared, clock)
        pump = DeliveryPump(Delivery(lib, settings, replies, clock, rules=(REPLY,)), interval=delivery_interval)
        responder = app[RESPONDER]
        start = getattr(responder, "start", None)  # optional warm-up (the parser loads its dictionaries)
        if start is not None:
            await start()
        keys = BatchedKeys(store)
        keys.start()
        dispatcher = Dispatcher(responder, keys, LateReplies(queue, pump),
                                deadline=settings.server.reply_deadline_seconds, clock=clock)
        app[QUEUE], app[CONSOLE], app[PUMP], app[DISPATCHER] = queue, ConsoleChannel(queue), pump, dispatcher
        max_body = settings.server.max_body_bytes
        app[WECHAT] = WeChatEndpoint(settings.wechat, dispatcher, max_body=max_body)
        app[WECOM] = WeComEndpoint(settings.wecom, dispatcher, max_body=max_body)
        purged = await asyncio.to_thread(store.purge, KEY_RETENTION)
        purged_feed = await asyncio.to_thread(purge_old_rows, lib.session_factory)
        log.info("ready: wechat=%s wecom=%s senders=%s purged_keys=%d purged_changes=%d", bool(settings.wechat.token),
                 bool(settings.wecom.token), ",".join(pump.channels) or "none", purged, purged_feed)
        pump.start()
        # What start-up built (jieba's and the catalogue's dictionaries, the search index: ~300,000
        # objects) lives as long as the process. Left to the garbage collector, each full collection
        # walks all of it: ~130 ms with every request on hold, the whole p99. Frozen, it is skipped
        # (collected first, so no garbage is frozen with it; refcounting still frees frozen objects).
        await asyncio.to_thread(gc.collect)
        gc.freeze()
        app[READINESS].responder = True
        yield
        app[READINESS].responder = False
        await dispatcher.drain()
        await keys.stop()
        await pump.close()  # the call in flight is recorded, then the late answers queued during shutdown
        stop = getattr(responder, "stop", None)
        if stop is not None:
            await stop()
    return ctx


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    # Imported here: the server without jobs (tests, `shuxiang chat`) does not load APScheduler.
    from scheduler.wiring import start_scheduler

    service = await start_scheduler(app[SETTINGS], app[LIBRARY], app[HTTP], app[CLOCK])
    yield
    await service.stop()


async def healthz(request: web.Request) -> web.Response:
    """200 with JSON once the database answers and the responder is warmed up; 503 before."""
    ready = request.app[READINESS]
    database = False
    if ready.database:
        lib = request.app[LIBRARY]

        def ping() -> None:
            with lib.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        try:
            await asyncio.to_thread(ping)
            database = True
        except Exception:
            log.exception("health check: database unreachable")
    ok = database and ready.responder
    return web.json_response({"status": "ok" if ok else "starting", "database": database,
                              "responder": ready.responder}, status=200 if ok else 503)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Our own access log: the path without its query (which carries openids and signatures),
    # and a plain 500 without a trace for anything unexpected.
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        access.info("%s %s %d", request.method, request.path, exc.status)
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        response = web.Response(status=500, text="internal error")
    access.info("%s %s %d %.1fms", request.method, request.path, response.status,
                (time.perf_counter() - started) * 1000)
    return response
