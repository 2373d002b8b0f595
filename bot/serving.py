"""Running the app on a real socket: connection timeouts, the descriptor limit, quiet logs under pressure.

aiohttp has no separate header-read timeout. Its keep-alive timer starts when a connection opens and
again after each response, and closes the connection if no complete request has arrived by then;
`[server] idle_timeout_seconds` sets it, so it bounds both a connection that never sends anything
and one that sends its headers too slowly. Bodies are bounded by `body_timeout_seconds` in
bot/callback.py read_body; after a refusal the unread rest of a body is drained for at most LINGER
seconds (so the client reads the answer) before the connection is closed.

When the process runs out of file descriptors, asyncio's accept loop reports EMFILE once per
pending connection, many times a second, each with a traceback. `exception_handler` turns those
into one WARNING a second at most.
"""
from __future__ import annotations

import asyncio
import errno
import logging
import resource
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from core.settings import Settings

log = logging.getLogger("shuxiang.server")
OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class RateLimit:
    """Lets one event through per `interval` seconds and counts the ones held back in between."""

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._next = float("-inf")
        self.held = 0

    def ready(self) -> int | None:
        """None while held back; otherwise how many events were held back since the last one let through."""
        now = self._clock()
        if now < self._next:
            self.held += 1
            return None
        self._next = now + self.interval
        held, self.held = self.held, 0
        return held


def is_out_of_resources(exc: BaseException | None) -> bool:
    """True for the OSErrors of a process or system out of descriptors or buffers (EMFILE, ENFILE, ...)."""
    return isinstance(exc, OSError) and exc.errno in OUT_OF_RESOURCES


def exception_handler(limit: RateLimit) -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """An event-loop exception handler: descriptor exhaustion → one WARNING a second; the rest as usual."""
    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if is_out_of_resources(exc):
            warn_out_of_resources(limit, exc)
            return
        if isinstance(exc, ValueError) and "_start_serving" in repr(context.get("handle")):
            # An accept retry scheduled after EMFILE fired after the listening socket closed (shutdown).
            log.debug("accept retry after shutdown ignored")
            return
        loop.default_exception_handler(context)
    return handle


def warn_out_of_resources(limit: RateLimit, exc: BaseException | None) -> None:
    """Log descriptor exhaustion as one WARNING line, at most once per `limit.interval`."""
    held = limit.ready()
    if held is None:
        return
    name = errno.errorcode.get(getattr(exc, "errno", 0) or 0, "OSError")
    log.warning("out of file descriptors (%s): new connections wait; %d more like this since the last line. "
                "Raise the limit (ulimit -n) or lower [server] idle_timeout_seconds", name, held)


def raise_descriptor_limit() -> int:
    """Lift the soft RLIMIT_NOFILE to the hard limit (a common default soft limit is 1024); returns the new one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


LINGER = 2.0  # seconds spent reading the unread rest of a refused body before closing (aiohttp's default: 10)


def runner_kwargs(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for web.run_app / web.AppRunner: our access log only, the idle timeout, a short linger."""
    return {"access_log": None, "keepalive_timeout": settings.server.idle_timeout_seconds, "lingering_time": LINGER}


def run(app: web.Application, settings: Settings) -> None:
    """Serve `app` on [server] host:port until interrupted, with the timeouts and quiet logs above."""
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(exception_handler(RateLimit()))
    log.info("descriptor limit %d, idle timeout %gs, body timeout %gs", raise_descriptor_limit(),
             settings.server.idle_timeout_seconds, settings.server.body_timeout_seconds)
    web.run_app(app, host=settings.server.host, port=settings.server.port, print=None, loop=loop,
                **runner_kwargs(settings))
