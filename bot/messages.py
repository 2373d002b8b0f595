"""What handlers see: an incoming message and the reply they return. No XML here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Channel = Literal["wechat", "wecom", "simulator", "terminal"]
Kind = Literal["text", "voice", "event", "other"]


@dataclass(frozen=True)
class IncomingMessage:
    """One message from a user, whatever the channel; `text` holds voice Recognition too."""

    channel: Channel
    user_id: str  # Official Account openid, WeCom UserID, or a demo user id
    kind: Kind
    text: str = ""
    event: str = ""  # lower-case WeChat event: subscribe, unsubscribe, click, scan, ...
    event_key: str = ""  # menu key or QR scene (qrscene_ prefix removed)
    msg_id: str = ""  # WeChat MsgId; empty for events
    create_time: int = 0  # seconds since the epoch, as WeChat sent it
    msg_type: str = ""  # the raw MsgType (image, location, link, video, ...) for kind "other"
    scan_result: str = ""  # menu scans (scancode_push/_waitmsg): ScanCodeInfo/ScanResult, e.g. "EAN_13,9787…"


@dataclass(frozen=True)
class Reply:
    """What to answer; empty text means "nothing to say" (WeChat gets `success`)."""

    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()
