"""Official Account callback: GET verification, POST in plaintext, compatible and safe mode.

Order of checks: `signature` (token, timestamp, nonce), then the timestamp window, then the body and
`msg_signature` when encrypted, and only then the nonce is recorded (bot/replay.py): an unsigned or
forged request never writes a row. `[wechat] mode` says which bodies count: in "compat" and "safe"
only the <Encrypt> part, the one `msg_signature` covers; in "plain" the plaintext body too.
"""
from __future__ import annotations

import binascii
import logging
import struct
from datetime import datetime

from aiohttp import web
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from bot.callback import answer, plain_response, read_body, refuse
from bot.crypto import OfficialAccountCrypto
from bot.dispatch import Dispatcher
from bot.replay import ReplayGuard, verify_admitted
from bot.wxml import BadRequest, parse_xml, to_message
from core.settings import WeChatSettings

log = logging.getLogger("shuxiang.wechat")

# What wechatpy 1.8.18 raises on a correctly signed but broken ciphertext: bad base64
# (binascii.Error), a length that is not whole AES blocks (ValueError), a short or garbled
# plaintext (IndexError, struct.error), undecodable bytes (UnicodeDecodeError ⊂ ValueError).
CIPHER_ERRORS = (ValueError, binascii.Error, IndexError, struct.error, TypeError, KeyError)


class WeChatEndpoint:
    """Handles /wechat for one Official Account."""

    def __init__(self, settings: WeChatSettings, dispatcher: Dispatcher, guard: ReplayGuard, *,
                 max_body: int, body_timeout: float = 10.0) -> None:
        self._settings = settings
        self._dispatcher = dispatcher
        self._guard = guard
        self._max_body = max_body
        self._body_timeout = body_timeout
        self._mode = settings.effective_mode()
        self._crypto = OfficialAccountCrypto(settings.token, settings.aes_key, settings.appid) if settings.aes_key else None

    def _check_sender(self, request: web.Request) -> datetime:
        """Token configured, `signature` right, timestamp in the window: the timestamp, or BadRequest."""
        if not self._settings.token:
            raise BadRequest(404, "Official Account not configured (no token)")
        q = request.query
        try:
            check_signature(self._settings.token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
        except InvalidSignatureException:
            raise BadRequest(403, "bad or missing signature") from None
        return self._guard.check_window(q.get("timestamp", ""))

    async def get(self, request: web.Request) -> web.Response:
        """Server verification (配置服务器地址): echo `echostr` once the signature, window and nonce check."""
        try:
            when = self._check_sender(request)
            q = request.query
            await verify_admitted(self._guard.offer("wechat", q.get("nonce", ""), when, q.get("signature", "")))
        except BadRequest as exc:
            return refuse(request, exc)
        return plain_response(request.query.get("echostr", ""))

    async def post(self, request: web.Request) -> web.Response:
        """One message or event: verify, decrypt if needed, dispatch, reply in the same mode."""
        try:
            when = self._check_sender(request)
            encrypted = request.query.get("encrypt_type", "raw").lower() == "aes"
            if not encrypted and self._mode != "plain":
                # The plaintext body is covered by no signature: with a leaked URL anyone could write it.
                raise BadRequest(403, f"plaintext callback refused in {self._mode} mode")
            body = await read_body(request, self._max_body, self._body_timeout)
            outer = parse_xml(body)
            if encrypted and self._crypto is None:
                if "MsgType" not in outer:
                    raise BadRequest(400, "safe-mode message but no EncodingAESKey configured")
                log.warning("compatible-mode message and no EncodingAESKey: using its plaintext part")
                encrypted = False
            raw = self._decrypt(request, outer) if encrypted else outer
            message = to_message("wechat", raw)
            # The nonce's verdict is awaited inside the reply deadline (bot/dispatch.py), not here.
            admission = self._guard.offer("wechat", request.query.get("nonce", ""), when,
                                          request.query.get("signature", ""))
        except BadRequest as exc:
            return refuse(request, exc)
        return await answer(request, self._dispatcher, message, raw, self._crypto if encrypted else None, admission)

    def _decrypt(self, request: web.Request, outer: dict[str, object]) -> dict[str, object]:
        assert self._crypto is not None
        q = request.query
        if not isinstance(outer.get("Encrypt"), str):
            raise BadRequest(400, "no <Encrypt> in a safe-mode message")
        if not q.get("msg_signature"):
            raise BadRequest(403, "missing msg_signature")
        try:
            # msg_signature = sha1(sorted token, timestamp, nonce, Encrypt): it covers the ciphertext.
            plain = self._crypto.decrypt_message(outer, q["msg_signature"], q.get("timestamp", ""),
                                                 q.get("nonce", ""))
        except InvalidSignatureException:
            raise BadRequest(403, "bad msg_signature") from None
        except InvalidAppIdException:
            raise BadRequest(403, "message for another AppID") from None
        except CIPHER_ERRORS as exc:
            raise BadRequest(400, f"broken ciphertext: {type(exc).__name__}") from None
        return parse_xml(plain.encode("utf-8"))
