"""A local fake of api.weixin.qq.com and qyapi.weixin.qq.com for pushes: tokens, sends, real error codes.

It can be told to fail the next calls with errcodes, expire every token, answer slowly (timeouts), or
die mid-batch (record the message, then drop the connection: the client never hears it was sent).
WeCom sends honour enable_duplicate_check like the real server: the same content to the same user
within the interval is accepted but not delivered again.
"""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

APPID, APPSECRET = "wxpush0000000000", "push-appsecret"
CORP_ID, APP_SECRET, SCHOOL_SECRET = "wwpush000000", "app-secret", "school-secret"


@dataclass
class Delivered:
    api: str
    user: str
    text: str


@dataclass
class FakeWeixin:
    delivered: list[Delivered] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)  # paths, in order
    payloads: list[dict[str, Any]] = field(default_factory=list)
    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    fail_next: list[int] = field(default_factory=list)  # errcodes for the next message sends
    refuse: dict[str, int] = field(default_factory=dict)  # user → errcode (43004, 45015, ...)
    invalid_users: set[str] = field(default_factory=set)  # WeCom: reported in invaliduser
    slow: float = 0.0  # seconds before answering a send (client timeouts)
    die_after: int | None = None  # after this many delivered messages, drop connections
    duplicates_suppressed: int = 0
    departments: list[dict[str, Any]] = field(default_factory=list)
    students: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    _seen: set[tuple[str, str, str]] = field(default_factory=set)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self.token)
        app.router.add_get("/cgi-bin/gettoken", self.gettoken)
        app.router.add_post("/cgi-bin/message/send", self.wecom_send)
        app.router.add_post("/cgi-bin/externalcontact/message/send", self.school_send)
        app.router.add_post("/cgi-bin/message/template/send", self.template_send)
        app.router.add_post("/cgi-bin/message/custom/send", self.custom_send)
        app.router.add_post("/cgi-bin/webhook/send", self.robot_send)
        app.router.add_get("/cgi-bin/school/department/list", self.department_list)
        app.router.add_get("/cgi-bin/school/user/list", self.user_list)
        return app

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def texts_to(self, user: str) -> list[str]:
        return [d.text for d in self.delivered if d.user == user]

    def _issue(self) -> dict[str, Any]:
        token = f"TOKEN_{next(self._counter)}"
        self.valid_tokens.add(token)
        self.tokens_issued += 1
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    async def token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("appid") != APPID or q.get("secret") != APPSECRET:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        return web.json_response(self._issue())

    async def gettoken(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("corpid") != CORP_ID or q.get("corpsecret") not in (APP_SECRET, SCHOOL_SECRET):
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        return web.json_response(self._issue())

    async def _gate(self, request: web.Request) -> dict[str, Any] | None:
        """Token check and injected failures; None when the send may go on."""
        self.calls.append(request.path)
        if self.slow:
            await asyncio.sleep(self.slow)
        if request.path != "/cgi-bin/webhook/send" and request.query.get("access_token") not in self.valid_tokens:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if self.fail_next:
            code = self.fail_next.pop(0)
            return {"errcode": code, "errmsg": "fake error"}
        return None

    def _deliver(self, request: web.Request, api: str, user: str, text: str, dedupe: bool) -> None:
        if dedupe and (api, user, text) in self._seen:
            self.duplicates_suppressed += 1
            return
        if self.die_after is not None and len(self.delivered) >= self.die_after:
            raise ConnectionAbortedError
        self._seen.add((api, user, text))
        self.delivered.append(Delivered(api, user, text))
        if self.die_after is not None and len(self.delivered) >= self.die_after:
            # delivered, then the process dies before answering
            assert request.transport is not None
            request.transport.close()

    async def _wecom(self, request: web.Request, api: str, users: list[str], invalid_key: str) -> web.Response:
        error = await self._gate(request)
        if error:
            return web.json_response(error)
        payload = await request.json()
        self.payloads.append(payload)
        dedupe = bool(payload.get("enable_duplicate_check"))
        invalid = [u for u in users if u in self.invalid_users]
        for user in users:
            if user not in invalid:
                self._deliver(request, api, user, payload["text"]["content"], dedupe)
        return web.json_response({"errcode": 0, "errmsg": "ok", invalid_key: "|".join(invalid)
                                  if invalid_key == "invaliduser" else invalid})

    async def wecom_send(self, request: web.Request) -> web.Response:
        payload = await request.json()
        return await self._wecom(request, "wecom_app", str(payload["touser"]).split("|"), "invaliduser")

    async def school_send(self, request: web.Request) -> web.Response:
        payload = await request.json()
        return await self._wecom(request, "wecom_school", list(payload["to_parent_userid"]), "invalid_parent_userid")

    async def _one(self, request: web.Request, api: str, text_of: Any) -> web.Response:
        error = await self._gate(request)
        if error:
            return web.json_response(error)
        payload = await request.json()
        self.payloads.append(payload)
        user = payload["touser"]
        if user in self.refuse:
            return web.json_response({"errcode": self.refuse[user], "errmsg": "refused"})
        self._deliver(request, api, user, text_of(payload), dedupe=False)
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": 1})

    async def template_send(self, request: web.Request) -> web.Response:
        return await self._one(request, "template",
                               lambda p: " / ".join(v["value"] for v in p["data"].values()))

    async def custom_send(self, request: web.Request) -> web.Response:
        return await self._one(request, "custom", lambda p: p["text"]["content"])

    async def robot_send(self, request: web.Request) -> web.Response:
        error = await self._gate(request)
        if error:
            return web.json_response(error)
        payload = await request.json()
        content = payload["text"]["content"]
        if len(content.encode()) > 2048:
            return web.json_response({"errcode": 40058, "errmsg": "content exceed max length"})
        self._deliver(request, "robot", request.query.get("key", ""), content, dedupe=False)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def department_list(self, request: web.Request) -> web.Response:
        error = await self._gate(request)
        return web.json_response(error or {"errcode": 0, "errmsg": "ok", "departments": self.departments})

    async def user_list(self, request: web.Request) -> web.Response:
        error = await self._gate(request)
        dept = int(request.query.get("department_id", "0"))
        return web.json_response(error or {"errcode": 0, "errmsg": "ok", "students": self.students.get(dept, [])})
