"""WeCom (企业微信) self-built app callback: always encrypted, verified by msg_signature.

Order of checks: `msg_signature` over the ciphertext (and decryption), then the timestamp window,
then the nonce is recorded (bot/replay.py); GET verification goes through the same three.
"""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

from bot.callback import answer, plain_response, read_body, refuse
from bot.crypto import WeComCrypto
from bot.dispatch import Dispatcher
from bot.replay import ReplayGuard, verify_admitted
from bot.wechat import CIPHER_ERRORS
from bot.wxml import BadRequest, parse_xml, to_message
from core.settings import WeComSettings

log = logging.getLogger("shuxiang.wecom")


class WeComEndpoint:
    """Handles /wecom for one WeCom app."""

    def __init__(self, settings: WeComSettings, dispatcher: Dispatcher, guard: ReplayGuard, *,
                 max_body: int, body_timeout: float = 10.0) -> None:
        self._settings = settings
        self._dispatcher = dispatcher
        self._guard = guard
        self._max_body = max_body
        self._body_timeout = body_timeout
        configured = settings.token and settings.aes_key and settings.corp_id
        self._crypto = WeComCrypto(settings.token, settings.aes_key, settings.corp_id) if configured else None

    def _open(self, request: web.Request, encrypted: str) -> tuple[str, asyncio.Future[bool]]:
        """Verify msg_signature over `encrypted`, decrypt it, check the window and offer the nonce.

        Returns the plaintext and the nonce's pending verdict (False: a replay); BadRequest on any failure.
        """
        plain = self._verify(request, encrypted)
        when = self._guard.check_window(request.query.get("timestamp", ""))
        q = request.query
        return plain, self._guard.offer("wecom", q.get("nonce", ""), when, q.get("msg_signature", ""))

    def _verify(self, request: web.Request, encrypted: str) -> str:
        if self._crypto is None:
            raise BadRequest(404, "WeCom app not configured")
        q = request.query
        if not q.get("msg_signature"):
            raise BadRequest(403, "missing msg_signature")
        try:
            return self._crypto.check_signature(q["msg_signature"], q.get("timestamp", ""), q.get("nonce", ""),
                                                encrypted)
        except InvalidSignatureException:
            raise BadRequest(403, "bad msg_signature") from None
        except InvalidCorpIdException:  # not a subclass of InvalidSignatureException
            raise BadRequest(403, "message for another CorpID") from None
        except CIPHER_ERRORS as exc:
            raise BadRequest(400, f"broken ciphertext: {type(exc).__name__}") from None

    async def get(self, request: web.Request) -> web.Response:
        """URL verification: decrypt `echostr` and return the plaintext exactly (no quotes or newline)."""
        try:
            plain, admission = self._open(request, request.query.get("echostr", ""))
            await verify_admitted(admission)
        except BadRequest as exc:
            return refuse(request, exc)
        return plain_response(plain)

    async def post(self, request: web.Request) -> web.Response:
        """One message or event from a WeCom user: decrypt, dispatch, reply encrypted."""
        try:
            if self._crypto is None:
                raise BadRequest(404, "WeCom app not configured")
            body = await read_body(request, self._max_body, self._body_timeout)
            outer = parse_xml(body)
            encrypted = outer.get("Encrypt")
            if not isinstance(encrypted, str):
                raise BadRequest(400, "no <Encrypt>")
            plain, admission = self._open(request, encrypted)
            raw = parse_xml(plain.encode("utf-8"))
            message = to_message("wecom", raw)
        except BadRequest as exc:
            return refuse(request, exc)
        return await answer(request, self._dispatcher, message, raw, self._crypto, admission)
