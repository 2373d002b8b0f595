"""What the two callback endpoints share: bounded body reading, refusing without detail, answering."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from aiohttp import ClientPayloadError, web
from aiohttp.web_protocol import RequestPayloadError

from bot.dispatch import Dispatcher, NotAdmitted
from bot.messages import IncomingMessage
from bot.reply import SUCCESS, render_text
from bot.wxml import BadRequest

log = logging.getLogger("shuxiang.callback")

_PHRASES = {400: "bad request", 403: "forbidden", 404: "not found", 408: "request timeout",
            413: "request too large"}
# What reading a body raises when the peer goes away mid-body (connection reset, truncated payload).
PEER_GONE = (ConnectionResetError, ClientPayloadError, RequestPayloadError)


class ClientGone(Exception):
    """The client closed the connection before its request was read; nothing can be answered."""


async def read_body(request: web.Request, limit: int, timeout: float = 10.0) -> bytes:
    """The request body within `timeout` seconds and `limit` bytes.

    BadRequest(413) past `limit` (checked before reading when declared), BadRequest(408) when the
    body has not arrived in time (a slow or stalled sender holds a connection and a descriptor),
    ClientGone when the peer disconnects mid-body.
    """
    if request.content_length is not None and request.content_length > limit:
        raise BadRequest(413, f"declared body of {request.content_length} bytes")
    body = bytearray()
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.content.iter_chunked(16384):
                body += chunk
                if len(body) > limit:  # chunked uploads declare no length: count as we go
                    raise BadRequest(413, "body over the limit")
    except TimeoutError:
        raise BadRequest(408, f"body not received within {timeout:g} s ({len(body)} bytes)") from None
    except PEER_GONE:
        raise ClientGone(f"after {len(body)} bytes of the body") from None
    return bytes(body)


def refuse(request: web.Request, exc: BadRequest) -> web.Response:
    """A short plain answer with only the status phrase; the reason goes to the log."""
    log.warning("refused %s %s: %d %s", request.method, request.path, exc.status, exc.reason)
    response = web.Response(status=exc.status, text=_PHRASES.get(exc.status, "refused"))
    if exc.status in (408, 413):
        response.force_close()  # the rest of the body is not worth reading
    return response


def xml_response(xml: str) -> web.Response:
    return web.Response(text=xml, content_type="application/xml")


def plain_response(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/plain")


class Encrypter(Protocol):
    def encrypt_message(self, msg: str, nonce: str, timestamp: str | None = None) -> str: ...


async def answer(request: web.Request, dispatcher: Dispatcher, message: IncomingMessage, raw: dict[str, Any],
                 crypto: Encrypter | None, admission: asyncio.Future[bool] | None = None) -> web.Response:
    """Run the message, then reply as WeChat expects: `success` for nothing, XML (encrypted if asked).

    `admission`: the replay guard's pending verdict (bot/replay.py); a refusal within the deadline is 403.
    """
    try:
        reply = await dispatcher.dispatch(message, admission)
    except NotAdmitted:
        return refuse(request, BadRequest(403, "nonce already used (replay)"))
    if reply.is_empty:
        return plain_response(SUCCESS)
    xml = render_text(reply, to_user=message.user_id, from_user=str(raw.get("ToUserName") or ""))
    if crypto is not None:
        xml = crypto.encrypt_message(xml, request.query.get("nonce", ""), request.query.get("timestamp") or None)
    return xml_response(xml)
