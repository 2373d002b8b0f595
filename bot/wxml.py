"""Guarded parsing of WeChat/WeCom callback XML into IncomingMessage."""
from __future__ import annotations

import re
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

from bot.messages import Channel, IncomingMessage

# Callbacks never carry a DTD; refusing one before parsing rules out XXE and entity expansion
# (billion laughs) whatever the parser's defaults are.
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_KINDS = {"text": "text", "voice": "voice", "event": "event"}


class BadRequest(Exception):
    """A request we refuse; `status` is the HTTP code, the reason is logged, never sent."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_xml(body: bytes) -> dict[str, Any]:
    """The <xml> element as a dict of strings; BadRequest(400) for anything else."""
    if _DTD.search(body):
        raise BadRequest(400, "DTD or entity declaration")
    try:
        text = body.decode("utf-8")
        # wechatpy.parse_message calls exactly this; we keep the raw dict because wechatpy's
        # message classes rewrite subscribe events and drop unknown event names.
        doc = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(400, f"malformed XML: {type(exc).__name__}") from None
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise BadRequest(400, "no <xml> root")
    return root


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""


def to_message(channel: Channel, raw: dict[str, Any]) -> IncomingMessage:
    """Map a decrypted callback to an IncomingMessage; BadRequest(400) when required fields are missing."""
    user = _text(raw, "FromUserName")
    msg_type = _text(raw, "MsgType").lower()
    if not user or not msg_type:
        raise BadRequest(400, "missing FromUserName or MsgType")
    try:
        create_time = int(_text(raw, "CreateTime") or 0)
    except ValueError:
        raise BadRequest(400, "bad CreateTime") from None
    kind = _KINDS.get(msg_type, "other")
    text = _text(raw, "Content") if kind == "text" else _text(raw, "Recognition") if kind == "voice" else ""
    event = _text(raw, "Event").lower() if kind == "event" else ""
    event_key = _text(raw, "EventKey") if kind == "event" else ""
    if event == "subscribe" and event_key.startswith("qrscene_"):
        event, event_key = "subscribe_scan", event_key[len("qrscene_"):]
    msg_id = _text(raw, "MsgId") if kind != "event" else ""
    return IncomingMessage(channel=channel, user_id=user, kind=kind, text=text, event=event,  # type: ignore[arg-type]
                           event_key=event_key, msg_id=msg_id, create_time=create_time, msg_type=msg_type)
