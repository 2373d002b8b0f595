"""The responder seam between transport and handlers, and the help-only responder shipped first."""
from __future__ import annotations

from typing import Protocol

from bot.menu import click_as_text
from bot.messages import IncomingMessage, Reply

HELP_TEXT = (
    "你好！我是书香图书室小助手📚 可以这样问我：\n"
    "· 查书：查 草房子 / 有没有曹文轩的书\n"
    "· 我的借阅：我借了哪些书\n"
    "· 续借：续借第2本 / 全部续借\n"
    "· 预约：预约 三体\n"
    "· 新书推荐、开放时间、借阅规则\n"
    "还没绑定？发送：绑定 借阅证号 姓名 验证码"
)
WELCOME_TEXT = (
    "欢迎关注书香图书室！\n"
    "先绑定借阅证，才能查借阅、续借和收到还书提醒。\n"
    "请发送：绑定 借阅证号 姓名 验证码\n"
    "例如：绑定 T0001 张老师 123456（验证码向图书室老师领取）\n"
    "发送“帮助”看看我能做什么。"
)
OTHER_TEXT = "这类消息我还看不懂😊 请用文字（或语音）告诉我，比如：查 城南旧事、我的借阅、续借。发送“帮助”看全部用法。"
EMPTY_TEXT = "没听清楚，请再说一遍～ 发送“帮助”看看我能做什么。"
TYPE_INSTEAD = "这条语音我没能转成文字😊 请直接打字发送，如：续借 / 查 草房子 / 我的借阅。"


class Responder(Protocol):
    """Turns one incoming message into one reply; the transport awaits it under the deadline.

    Optional: `needs_run_once(message) -> bool` (see `RunOnceAware`). Without it every message is
    claimed in the database before it runs.
    """

    async def respond(self, message: IncomingMessage) -> Reply: ...


class RunOnceAware(Protocol):
    """A responder that can tell, cheaply and on the event loop, that a message cannot act.

    False: the message has no side effects (a query, help, a fixed answer); the dispatcher runs it
    without a run-once claim and a retry may run it again. True (or when unsure): it may renew,
    reserve, bind, ... and is claimed before it runs, so it never runs twice.
    """

    def needs_run_once(self, message: IncomingMessage) -> bool: ...


class AnswersNow(Protocol):
    """A responder that can often answer a query at once, from memory, on the event loop.

    Called only for messages `needs_run_once` said False to; returns the reply, or None when the
    answer needs the database (or anything that waits): the dispatcher then awaits `respond`.
    """

    def answer_now(self, message: IncomingMessage) -> Reply | None: ...


class HelpResponder:
    """Answers every request with help, welcome or a friendly hint; the router replaces it."""

    def needs_run_once(self, message: IncomingMessage) -> bool:
        """Never: this responder only answers, it changes nothing."""
        return False

    async def respond(self, message: IncomingMessage) -> Reply:
        """Help for text and menu clicks, welcome on subscribe, nothing on unsubscribe."""
        if message.kind == "event":
            as_text = click_as_text(message)
            if as_text is not None:
                return await self.respond(as_text)
            if message.event in ("subscribe", "subscribe_scan"):
                return Reply(WELCOME_TEXT)
            if message.event == "scan":
                return Reply(HELP_TEXT)
            return Reply("")  # unsubscribe, view, location reports, ...: nothing to say
        if message.kind in ("text", "voice"):
            if not message.text.strip():
                return Reply(TYPE_INSTEAD if message.kind == "voice" else EMPTY_TEXT)
            return Reply(HELP_TEXT)
        return Reply(OTHER_TEXT)
