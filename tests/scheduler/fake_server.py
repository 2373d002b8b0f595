"""The fake WeChat/WeCom API (fake_weixin.py) as its own process, so killing a server does not kill it.

Run: `python -m tests.scheduler.fake_server PORT_FILE`; it listens on a free port of 127.0.0.1, writes
the port to PORT_FILE and serves the fake API plus `GET /_delivered` (every message it accepted, in
order: `[[api, user, text], ...]`) and `GET /_count` (how many), until it is terminated.
"""
from __future__ import annotations

import socket
import sys
from pathlib import Path

from aiohttp import web

from tests.scheduler.fake_weixin import FakeWeixin


def build(api: FakeWeixin) -> web.Application:
    """The fake's routes plus the two read-outs the kill harness polls."""
    app = api.app()

    async def delivered(_: web.Request) -> web.Response:
        return web.json_response([[d.api, d.user, d.text] for d in api.delivered])

    async def count(_: web.Request) -> web.Response:
        return web.json_response(len(api.delivered))

    app.router.add_get("/_delivered", delivered)
    app.router.add_get("/_count", count)
    return app


def main() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    Path(sys.argv[1]).write_text(str(sock.getsockname()[1]))
    web.run_app(build(FakeWeixin()), sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
