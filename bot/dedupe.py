"""Run-once keys for incoming messages: WeChat delivers one message up to 4 times."""
from __future__ import annotations

import hashlib

from bot.messages import IncomingMessage

MAX_KEY = 200  # idempotency_keys.key is String(200)


def dedupe_key(message: IncomingMessage) -> str:
    """MsgId for messages; FromUserName + CreateTime + Event + EventKey for events (no MsgId)."""
    if message.msg_id:
        key = f"{message.channel}:m:{message.msg_id}"
    else:
        key = f"{message.channel}:e:{message.user_id}:{message.create_time}:{message.event}:{message.event_key}"
    if len(key) > MAX_KEY:  # long VIEW URLs or scene strings: keep it unique but bounded
        key = f"{message.channel}:h:{hashlib.sha256(key.encode()).hexdigest()}"
    return key
