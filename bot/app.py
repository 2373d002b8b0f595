"""The aiohttp application: callbacks, simulator, health; every dependency under a typed AppKey."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bot.bootstrap import open_library
from bot.callback import ClientGone
from bot.dbwork import DatabaseExecutor
from bot.delivery import DeliveryPump, LateReplies
from bot.dispatch import Dispatcher
from bot.keys import (
    CLOCK,
    CONSOLE,
    DISPATCHER,
    HTTP,
    LIBRARY,
    PUMP,
    PURGE,
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
from bot.replay import ReplayGuard
from bot.responder import Responder
from bot.serving import RateLimit, is_out_of_resources, warn_out_of_resources
from bot.wechat import WeChatEndpoint
from bot.wecom import WeComEndpoint
from console.app import add_console
from core.clock import Clock
from core.db import READ_ONLY, pool_size
from core.library import Library
from core.live.feed import purge_old_rows
from core.messaging import IdempotencyStore, OutboundQueue
from core.replay import NonceStore
from core.settings import Settings, SettingsError, validate
from scheduler.channels.build import build_reply_channels
from scheduler.channels.tokens import SharedTokens
from scheduler.delivery import REPLY, Delivery

log = logging.getLogger("shuxiang.app")
access = logging.getLogger("shuxiang.access")

CleanupCtx = Callable[[web.Application], AsyncIterator[None]]
# Retention rule for run-once keys: a copy of a message is accepted only with a valid signature and
# a timestamp within `window` of our clock. The first copy's timestamp was within `window` of the
# key's created_at, so no copy can be accepted later than created_at + 2 × window. A key is purged
# only after that plus a margin, and never before KEY_RETENTION (WeChat retries within ~15 s; two
# days also cover clock trouble). Nonces follow the same logic (core/replay.py).
KEY_RETENTION = timedelta(days=2)
KEY_RETENTION_MARGIN = timedelta(hours=1)
PURGE_INTERVAL = 600.0  # seconds between purges of old nonces and run-once keys (also once at start)


def key_retention(window: timedelta) -> timedelta:
    """How old a run-once key must be before it may be purged, for a callback window (see above)."""
    return max(KEY_RETENTION, 2 * window + KEY_RETENTION_MARGIN)


KEY_THREADS = 2  # the key writer's batches and the hand-offs/lookups beside it


def create_app(settings: Settings, *, responder: Responder, clock: Clock, library: Library | None = None,
               contexts: Sequence[CleanupCtx] = (), delivery_interval: float = 5.0,
               scheduler: bool = False) -> web.Application:
    """Build the app; the database, HTTP session and delivery pump start in cleanup_ctx, in order.

    `library` given: the caller owns it (tests); otherwise it is opened from settings and closed here.
    `scheduler` starts the notice jobs and their delivery loop ([jobs] in the config); `contexts`
    run last. The simulator is mounted when `settings.demo` is true and never otherwise: it lets
    anyone speak as any user, so it must never face the internet (`serve --demo` refuses a
    database that is not a demo school, see bot/bootstrap.py).
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
    add_console(app)  # the librarian's console at /admin (same process, database and services)
    if settings.demo:
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
    validate(settings)  # settings built in code (tests, benches) skip load_settings
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
        # Database threads of their own (bot.dbwork): actions and read-only messages each get as
        # many as the engine keeps connections, run-once keys two more, so neither queries nor
        # claims and hand-offs queue behind actions stuck on a lock (the pool's overflow covers the
        # sum). asyncio's default executor stays free for everything else.
        work = DatabaseExecutor(pool_size(lib.engine), "shuxiang-db")
        reads = DatabaseExecutor(pool_size(lib.engine), "shuxiang-db-read")
        key_threads = DatabaseExecutor(KEY_THREADS, "shuxiang-keys")
        keys = BatchedKeys(store, key_threads)
        keys.start()
        nonces = NonceStore(lib.session_factory, clock, timedelta(seconds=settings.server.callback_window_seconds))
        # Nonce writes in the school's own SQLite file would move its data_version and send the read
        # model to the change feed: sync it after each batch then (a side file needs nothing).
        sync = lib.live.sync if lib.live is not None and nonces.shares_database else None
        guard = ReplayGuard(nonces, after_write=sync, executor=key_threads)
        guard.start()
        dispatcher = Dispatcher(responder, keys, LateReplies(queue, pump),
                                deadline=settings.server.reply_deadline_seconds, clock=clock,
                                executor=work, read_executor=reads)
        app[QUEUE], app[CONSOLE], app[PUMP], app[DISPATCHER] = queue, ConsoleChannel(queue), pump, dispatcher
        max_body, body_timeout = settings.server.max_body_bytes, settings.server.body_timeout_seconds
        app[WECHAT] = WeChatEndpoint(settings.wechat, dispatcher, guard, max_body=max_body, body_timeout=body_timeout)
        app[WECOM] = WeComEndpoint(settings.wecom, dispatcher, guard, max_body=max_body, body_timeout=body_timeout)
        app[PURGE] = purge = _purger(store, nonces)
        purged, purged_nonces = await purge()
        purged_feed = await asyncio.to_thread(purge_old_rows, lib.session_factory)
        log.info("ready: wechat=%s (%s mode) wecom=%s senders=%s purged_keys=%d purged_nonces=%d purged_changes=%d",
                 bool(settings.wechat.token), settings.wechat.effective_mode(), bool(settings.wecom.token),
                 ",".join(pump.channels) or "none", purged, purged_nonces, purged_feed)
        pump.start()
        purging = asyncio.create_task(_purge_every(purge, PURGE_INTERVAL))
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
        await guard.stop()
        nonces.close()
        await pump.close()  # the call in flight is recorded, then the late answers queued during shutdown
        for executor in (work, reads, key_threads):
            executor.shutdown()
        purging.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purging
        stop = getattr(responder, "stop", None)
        if stop is not None:
            await stop()
    return ctx


Purge = Callable[[], Awaitable[tuple[int, int]]]


def _purger(store: IdempotencyStore, nonces: NonceStore) -> Purge:
    """One purge of run-once keys and nonces by the retention rule above; returns (keys, nonces) removed."""
    async def purge() -> tuple[int, int]:
        keys = await asyncio.to_thread(store.purge, key_retention(nonces.window))
        return keys, await asyncio.to_thread(nonces.purge)
    return purge


async def _purge_every(purge: Purge, interval: float) -> None:
    # Long-running servers must not grow the tables for ever; a failed round is retried next time.
    while True:
        await asyncio.sleep(interval)
        try:
            await purge()
        except Exception:
            log.exception("purging old nonces and run-once keys failed")


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
            # Read-only: on SQLite a plain BEGIN, so a long write (an import) does not make us "down".
            with lib.engine.execution_options(**{READ_ONLY: True}).connect() as conn:
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
_OUT_OF_RESOURCES = RateLimit()


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
    except ClientGone as exc:
        # Routine on mobile networks and scanners: one line, no trace, no 500 (nothing can be sent).
        access.info("%s %s client went away %s", request.method, request.path, exc)
        response = web.Response(status=499, text="client closed request")
        response.force_close()
        return response
    except Exception as exc:
        if is_out_of_resources(exc):  # every request fails alike: one line a second, not a trace each
            warn_out_of_resources(_OUT_OF_RESOURCES, exc)
            response = web.Response(status=503, text="busy")
        else:
            log.exception("unhandled error on %s %s", request.method, request.path)
            response = web.Response(status=500, text="internal error")
    access.info("%s %s %d %.1fms", request.method, request.path, response.status,
                (time.perf_counter() - started) * 1000)
    return response
