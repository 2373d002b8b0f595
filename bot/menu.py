"""The custom menu: CLICK keys and the utterance each one stands for.

A menu click is answered as if the user had typed the utterance, so the parser and the
handlers only ever see text. The same keys go into the Official Account's menu set-up.
"""
from __future__ import annotations

from dataclasses import replace

from bot.messages import IncomingMessage

MENU: tuple[tuple[str, str, str], ...] = (
    # key, button label, utterance
    ("SEARCH", "查书", "查书"),
    ("MY_LOANS", "我的借阅", "我的借阅"),
    ("RENEW", "续借", "续借全部"),
    ("RESERVATIONS", "我的预约", "我的预约"),
    ("NEW_BOOKS", "新书推荐", "新书推荐"),
    ("HOURS", "开放时间", "开放时间"),
    ("BIND", "绑定借阅证", "绑定"),
    ("HELP", "使用帮助", "帮助"),
)
UTTERANCE_BY_KEY = {key: utterance for key, _, utterance in MENU}


def click_as_text(message: IncomingMessage) -> IncomingMessage | None:
    """A CLICK event as the text message it stands for, or None for an unknown key."""
    if message.kind != "event" or message.event != "click":
        return None
    utterance = UTTERANCE_BY_KEY.get(message.event_key.upper())
    if utterance is None:
        return None
    return replace(message, kind="text", text=utterance)
