"""Renders a Reply as the passive-reply XML WeChat and WeCom expect."""
from __future__ import annotations

import time

from bot.messages import Reply

SUCCESS = "success"  # WeChat's "received, nothing to say"


def cdata(value: str) -> str:
    """A CDATA section that survives `]]>` inside the value (split across two sections)."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_text(reply: Reply, *, to_user: str, from_user: str, now: int | None = None) -> str:
    """The text-reply XML (ToUserName = the user who wrote, FromUserName = our account)."""
    return (
        "<xml>"
        f"<ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(time.time()) if now is None else now}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(reply.text)}</Content>"
        "</xml>"
    )
