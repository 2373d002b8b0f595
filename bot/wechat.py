"""Official Account callback: GET verification, POST in plaintext, compatible and safe mode."""
from __future__ import annotations

import binascii
import logging
import struct

from aiohttp import web
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from bot.callback import answer, plain_response, read_body, refuse
from bot.crypto import OfficialAccountCrypto
from bot.dispatch import Dispatcher
from bot.wxml import BadRequest, parse_xml, to_message
from core.settings import WeChatSettings

log = logging.getLogger("shuxiang.wechat")

# What wechatpy 1.8.18 raises on a correctly signed but broken ciphertext: bad base64
# (binascii.Error), a length that is not whole AES blocks (ValueError), a short or garbled
# plaintext (IndexError, struct.error), undecodable bytes (UnicodeDecodeError ⊂ ValueError).
CIPHER_ERRORS = (ValueError, binascii.Error, IndexError, struct.error, TypeError, KeyError)


class WeChatEndpoint:
    """Handles /wechat for one Official Account."""

    def __init__(self, settings: WeChatSettings, dispatcher: Dispatcher, *, max_body: int) -> None:
        self._settings = settings
        self._dispatcher = dispatcher
        self._max_body = max_body
        self._crypto = OfficialAccountCrypto(settings.token, settings.aes_key, settings.appid) if settings.aes_key else None

    def _check_sender(self, request: web.Request) -> None:
        if not self._settings.token:
            raise BadRequest(404, "Official Account not configured (no token)")
        q = request.query
        try:
            check_signature(self._settings.token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
        except InvalidSignatureException:
            raise BadRequest(403, "bad or missing signature") from None

    async def get(self, request: web.Request) -> web.Response:
        """Server verification (配置服务器地址): echo `echostr` once the signature checks."""
        try:
            self._check_sender(request)
        except BadRequest as exc:
            return refuse(request, exc)
        return plain_response(request.query.get("echostr", ""))

    async def post(self, request: web.Request) -> web.Response:
        """One message or event: verify, decrypt if needed, dispatch, reply in the same mode."""
        try:
            self._check_sender(request)
            body = await read_body(request, self._max_body)
            outer = parse_xml(body)
            encrypted = request.query.get("encrypt_type", "raw").lower() == "aes"
            if encrypted and self._crypto is None:
                if "MsgType" not in outer:
                    raise BadRequest(400, "safe-mode message but no EncodingAESKey configured")
                log.warning("compatible-mode message and no EncodingAESKey: using its plaintext part")
                encrypted = False
            raw = self._decrypt(request, outer) if encrypted else outer
            message = to_message("wechat", raw)
        except BadRequest as exc:
            return refuse(request, exc)
        return await answer(request, self._dispatcher, message, raw, self._crypto if encrypted else None)

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
