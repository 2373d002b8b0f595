"""A real server process that delivers pushes and late answers: the thing the kill harness kills.

Run: `python -m tests.scheduler.delivery_worker DB_URL API_BASE [--rate N] [--interval S]`.
It is `create_app(..., scheduler=True)` under `web.run_app`, exactly as `shuxiang serve` runs it
(SIGTERM → GracefulExit → cleanup_ctx), with the help responder instead of the parser so that it
starts in about a second. Every channel points at the fake API. The clock is the system clock
shifted by `--offset` seconds (the harness picks one offset for all its servers, landing on a
Wednesday morning school time), so quiet hours never hold anything back and leases stay consistent
from one server to the next.
"""
from __future__ import annotations

import argparse
import logging
import socket
from datetime import timedelta

from aiohttp import web

from bot.app import create_app
from bot.responder import HelpResponder
from core.clock import OffsetClock
from core.library import Library
from tests.scheduler.conftest import push_settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("api")
    parser.add_argument("--rate", type=float, default=0.0, help="requests per second per channel (0: unpaced)")
    parser.add_argument("--offset", type=float, default=0.0, help="seconds added to the system clock")
    parser.add_argument("--interval", type=float, default=0.1, help="delivery loop interval, seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(process)d %(levelname)s %(name)s %(message)s")
    settings = push_settings(args.api)
    settings.channels.requests_per_second = args.rate
    settings.jobs = {"delivery_interval_seconds": args.interval}
    clock = OffsetClock(timedelta(seconds=args.offset))
    library = Library.open(args.db, clock=clock, migrate=False)
    app = create_app(settings, responder=HelpResponder(), clock=clock, library=library, scheduler=True,
                     delivery_interval=args.interval)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        web.run_app(app, sock=sock, print=None, access_log=None)
    finally:
        library.close()


if __name__ == "__main__":
    main()
