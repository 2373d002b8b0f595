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

# Fast path for the flat shape WeChat and WeCom always send: <xml> then elements with a single CDATA
# section or plain text (no markup, no entity, no attribute), each name once. Anything else — nested
# elements, entities, attributes, comments, a repeated name — goes to xmltodict, which gives the same
# dict for these shapes (values stripped, empty ones None). About 3 µs instead of 12–25 µs.
_FLAT_DOC = re.compile(r"(?:<\?xml[^<>]*\?>\s*|\s*)<xml>(.*)</xml>\s*", re.DOTALL)
_NOT_PLAIN = re.compile(r"\r")  # the parser normalises line ends: leave those texts to it
# Characters XML 1.0 forbids (C0 controls but tab, LF, CR; U+FFFE/FFFF; lone surrogates). WeChat
# forwards what users type or paste (a bell, a vertical tab from a spreadsheet); a strict parser would
# refuse the whole message, so they are removed before parsing and the message is answered.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FLAT_ELEMENT = re.compile(r"\s*<([A-Za-z_][\w.-]*)>(?:<!\[CDATA\[([^\]]*(?:\](?!\]>)[^\]]*)*)\]\]>|([^<&]*))</\1>\s*")


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
    except UnicodeDecodeError:
        raise BadRequest(400, "malformed XML: UnicodeDecodeError") from None
    text = strip_forbidden(text)
    flat = _parse_flat(text)
    if flat is not None:
        return flat
    try:
        # wechatpy.parse_message calls exactly this; we keep the raw dict because wechatpy's
        # message classes rewrite subscribe events and drop unknown event names.
        doc = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(400, f"malformed XML: {type(exc).__name__}") from None
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise BadRequest(400, "no <xml> root")
    return root


def strip_forbidden(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (see _FORBIDDEN); unchanged (same object) when none."""
    return _FORBIDDEN.sub("", text) if _FORBIDDEN.search(text) else text


def _parse_flat(text: str) -> dict[str, Any] | None:
    """The flat callback shape without a general parser, or None when the text is anything else."""
    doc = _FLAT_DOC.fullmatch(text)
    if doc is None or _NOT_PLAIN.search(text):
        return None
    inner = doc.group(1)
    out: dict[str, Any] = {}
    pos, end = 0, len(inner)
    match = _FLAT_ELEMENT.match
    while pos < end:
        m = match(inner, pos)
        if m is None or m.group(1) in out:
            return None
        cdata, plain = m.group(2), m.group(3)
        value = cdata if cdata is not None else plain
        if "]]>" in value:  # not allowed in text
            return None
        out[m.group(1)] = value.strip() or None
        pos = m.end()
    return out or None


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
    scan = raw.get("ScanCodeInfo") if kind == "event" else None
    scan_result = _text(scan, "ScanResult") if isinstance(scan, dict) else ""
    return IncomingMessage(channel=channel, user_id=user, kind=kind, text=text, event=event,  # type: ignore[arg-type]
                           event_key=event_key, msg_id=msg_id, create_time=create_time, msg_type=msg_type,
                           scan_result=scan_result)
