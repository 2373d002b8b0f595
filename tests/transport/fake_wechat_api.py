"""A local stand-in for api.weixin.qq.com and qyapi.weixin.qq.com: same paths, same error codes."""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

APPSECRET = "test-appsecret"
WECOM_SECRET = "test-wecom-secret"


@dataclass
class FakeWeChatAPI:
    """Records delivered messages; `fail_next` queues errcodes for the next sends."""

    appid: str
    corp_id: str
    sent: list[dict[str, Any]] = field(default_factory=list)
    tokens_issued: int = 0
    fail_next: list[int] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=set)
    delivered: asyncio.Event = field(default_factory=asyncio.Event)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self.token)
        app.router.add_get("/cgi-bin/gettoken", self.gettoken)
        app.router.add_post("/cgi-bin/message/custom/send", self.custom_send)
        app.router.add_post("/cgi-bin/message/send", self.wecom_send)
        return app

    def _issue(self) -> dict[str, Any]:
        token = f"ACCESS_TOKEN_{next(self._counter)}"
        self.valid_tokens.add(token)
        self.tokens_issued += 1
        return {"access_token": token, "expires_in": 7200}

    async def token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("grant_type") != "client_credential":
            return web.json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
        if q.get("appid") != self.appid:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != APPSECRET:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        return web.json_response(self._issue())

    async def gettoken(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("corpid") != self.corp_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid corpid"})
        if q.get("corpsecret") != WECOM_SECRET:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return web.json_response({"errcode": 0, "errmsg": "ok", **self._issue()})

    async def _send(self, request: web.Request, api: str) -> web.Response:
        token = request.query.get("access_token", "")
        if token not in self.valid_tokens:
            return web.json_response({"errcode": 40014, "errmsg": "invalid access_token"})
        if self.fail_next:
            code = self.fail_next.pop(0)
            if code in (40001, 40014, 42001):
                self.valid_tokens.discard(token)
            return web.json_response({"errcode": code, "errmsg": "fake error"})
        payload = await request.json()
        self.sent.append({"api": api, **payload})
        self.delivered.set()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def custom_send(self, request: web.Request) -> web.Response:
        return await self._send(request, "custom")

    async def wecom_send(self, request: web.Request) -> web.Response:
        return await self._send(request, "wecom")

    async def wait_for_message(self, timeout: float = 5.0) -> dict[str, Any]:
        await asyncio.wait_for(self.delivered.wait(), timeout)
        self.delivered.clear()
        return self.sent[-1]
