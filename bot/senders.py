"""Customer-service senders over aiohttp (wechatpy's client is synchronous: not on the event loop)."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp

if TYPE_CHECKING:
    from scheduler.channels.tokens import SharedTokens

log = logging.getLogger("shuxiang.senders")

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential / invalid token / token expired: refresh once
# Errors that retrying cannot fix for this message (user gone, past the 48 h window, quota, bad user id).
PERMANENT_ERRORS = {40003, 43004, 45015, 45047, 48001, 60111, 81013}


class SendError(Exception):
    """A failed delivery; `retry` says whether a later attempt may succeed."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class Sender(Protocol):
    """Delivers one text to one user on one channel, or raises SendError."""

    channel: str

    async def send_text(self, user_id: str, text: str) -> None: ...


class _TokenClient:
    """access_token fetch and cache (one refresh at a time); with `shared`, the database cache every process uses.

    The notices use the same names ("wechat:<appid>", "wecom:<corp>:<agent>"): a refresh by the
    scheduler does not invalidate the token late answers hold, and the other way round.
    """

    token_name = ""

    def __init__(self, session: aiohttp.ClientSession, api_base: str, shared: SharedTokens | None = None) -> None:
        self._session = session
        self._base = api_base.rstrip("/")
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self._shared = shared

    async def _fetch_token(self) -> tuple[str, int]:
        raise NotImplementedError

    async def token(self, *, refresh: bool = False) -> str:
        if self._shared is not None:
            self._token = await self._shared.get(self.token_name, self._fetch_token,
                                                 stale=self._token if refresh else None)
            return self._token
        async with self._lock:
            if refresh or self._token is None or time.monotonic() >= self._expires:
                token, expires_in = await self._fetch_token()
                # refresh 5 minutes early: WeChat keeps the old token valid for a while too
                self._token, self._expires = token, time.monotonic() + max(60, expires_in - 300)
            return self._token

    async def _get_json(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return await self._call("GET", path, params=params)

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._session.request(method, self._base + path, **kwargs) as resp:
                if resp.status >= 500:
                    raise SendError(f"HTTP {resp.status}", retry=True)
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SendError(f"network: {type(exc).__name__}", retry=True) from None
        except ValueError:
            raise SendError("answer is not JSON", retry=True) from None
        if not isinstance(data, dict):
            raise SendError("answer is not a JSON object", retry=True)
        return data

    async def _post_with_token(self, path: str, payload: dict[str, Any]) -> None:
        for attempt in (1, 2):
            token = await self.token(refresh=attempt == 2)
            data = await self._call("POST", path, params={"access_token": token}, json=payload)
            code = int(data.get("errcode", 0) or 0)
            if code == 0:
                return
            if code in TOKEN_ERRORS and attempt == 1:
                continue
            raise SendError(f"errcode {code}: {str(data.get('errmsg', ''))[:80]}",
                            retry=code not in PERMANENT_ERRORS)


class WeChatCustomerService(_TokenClient):
    """Official Account 客服消息 (within 48 h of the user's last message): /cgi-bin/message/custom/send."""

    channel = "wechat"

    def __init__(self, session: aiohttp.ClientSession, *, appid: str, appsecret: str, api_base: str,
                 shared: SharedTokens | None = None) -> None:
        super().__init__(session, api_base, shared)
        self._appid, self._secret = appid, appsecret
        self.token_name = f"wechat:{appid}"

    async def _fetch_token(self) -> tuple[str, int]:
        data = await self._get_json("/cgi-bin/token", {"grant_type": "client_credential", "appid": self._appid,
                                                        "secret": self._secret})
        if "access_token" not in data:
            code = int(data.get("errcode", 0) or 0)
            raise SendError(f"token errcode {code}", retry=code == -1)
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    async def send_text(self, user_id: str, text: str) -> None:
        """Send one text to an openid."""
        await self._post_with_token("/cgi-bin/message/custom/send",
                                    {"touser": user_id, "msgtype": "text", "text": {"content": text}})


class WeComAppSender(_TokenClient):
    """WeCom self-built app message: /cgi-bin/message/send to one UserID."""

    channel = "wecom"

    def __init__(self, session: aiohttp.ClientSession, *, corp_id: str, secret: str, agent_id: str,
                 api_base: str, shared: SharedTokens | None = None) -> None:
        super().__init__(session, api_base, shared)
        self._corp_id, self._secret, self._agent_id = corp_id, secret, agent_id
        self.token_name = f"wecom:{corp_id}:{agent_id}"

    async def _fetch_token(self) -> tuple[str, int]:
        data = await self._get_json("/cgi-bin/gettoken", {"corpid": self._corp_id, "corpsecret": self._secret})
        code = int(data.get("errcode", 0) or 0)
        if code != 0 or "access_token" not in data:
            raise SendError(f"token errcode {code}", retry=code == -1)
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    async def send_text(self, user_id: str, text: str) -> None:
        """Send one text to a WeCom UserID through the app."""
        agent = int(self._agent_id) if self._agent_id.isdigit() else self._agent_id
        await self._post_with_token("/cgi-bin/message/send",
                                    {"touser": user_id, "msgtype": "text", "agentid": agent,
                                     "text": {"content": text}})
