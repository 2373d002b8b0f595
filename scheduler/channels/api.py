"""A small async client for api.weixin.qq.com / qyapi.weixin.qq.com: token, one retry on 40001/40014/42001."""
from __future__ import annotations

from typing import Any

import aiohttp

from scheduler.channels.base import TOKEN_ERRORS, Outcome, from_errcode
from scheduler.channels.tokens import SharedTokens, TokenError


class ApiError(Exception):
    """A call that did not get a usable answer; `outcome` says what to do with the push."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.error)
        self.outcome = outcome


class WeixinApi:
    """One credential (AppID+secret or CorpID+secret): token from the shared cache, JSON calls."""

    def __init__(self, session: aiohttp.ClientSession, base: str, tokens: SharedTokens, *, name: str,
                 token_path: str, token_params: dict[str, str]) -> None:
        self._session = session
        self._base = base.rstrip("/")
        self._tokens = tokens
        self.name = name
        self._token_path = token_path
        self._token_params = token_params

    async def _fetch(self) -> tuple[str, int]:
        data = await self._request("GET", self._token_path, params=self._token_params)
        if not data.get("access_token"):
            raise TokenError(f"token errcode {data.get('errcode')}: {str(data.get('errmsg', ''))[:60]}")
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = path if path.startswith("http") else self._base + path
        try:
            async with self._session.request(method, url, **kwargs) as resp:
                if resp.status >= 500:
                    raise ApiError(Outcome(False, f"HTTP {resp.status}", retry=True))
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The request may have arrived: the retry relies on the server's duplicate check where there is one.
            raise ApiError(Outcome(False, f"network: {type(exc).__name__}", retry=True)) from None
        except ValueError:
            raise ApiError(Outcome(False, "answer is not JSON", retry=True)) from None
        if not isinstance(data, dict):
            raise ApiError(Outcome(False, "answer is not a JSON object", retry=True))
        return data

    async def call(self, method: str, path: str, *, json: dict[str, Any] | None = None,
                   params: dict[str, str] | None = None) -> dict[str, Any]:
        """The answer with errcode 0; ApiError otherwise. A refused token is refreshed once, never more."""
        stale: str | None = None
        for attempt in (1, 2):
            try:
                token = await self._tokens.get(self.name, self._fetch, stale=stale)
            except TokenError as exc:
                raise ApiError(Outcome(False, str(exc), retry=True)) from None
            data = await self._request(method, path, params={**(params or {}), "access_token": token}, json=json)
            code = int(data.get("errcode", 0) or 0)
            if code == 0:
                return data
            if code in TOKEN_ERRORS and attempt == 1:
                stale = token
                continue
            raise ApiError(from_errcode(code, str(data.get("errmsg", ""))))
        raise AssertionError("unreachable")

    async def post_plain(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A call without access_token (group robot webhooks carry their own key)."""
        data = await self._request("POST", url, json=payload)
        code = int(data.get("errcode", 0) or 0)
        if code != 0:
            raise ApiError(from_errcode(code, str(data.get("errmsg", ""))))
        return data
