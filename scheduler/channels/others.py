"""Group robot webhooks, Official Account template and customer-service messages, the demo console."""
from __future__ import annotations

from datetime import timedelta

from core.clock import Clock
from scheduler.channels.api import ApiError, WeixinApi
from scheduler.channels.base import OK, Outcome, Push, one_per_call
from scheduler.channels.pacing import RateLimiter, Windows

ROBOT_MAX_BYTES = 2048
TEMPLATE_FIELD_CHARS = 20  # since 2023 every template field holds at most 20 characters


def clip_bytes(text: str, limit: int = ROBOT_MAX_BYTES) -> str:
    """At most `limit` UTF-8 bytes, cut on a character boundary with an ellipsis."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[:limit - len("…".encode())].decode(errors="ignore")
    return cut + "…"


def clip_chars(text: str, limit: int = TEMPLATE_FIELD_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class RobotChannel:
    """WeCom group robot per class: user ids are "group:<class name>", counts only ever go here."""

    name = "robot"
    dedupes = False

    def __init__(self, api: WeixinApi, robots: dict[str, str], clock: Clock, *, per_minute: int) -> None:
        self._api = api
        self._robots = robots
        self._windows = Windows(clock, [(per_minute, timedelta(minutes=1))])

    def calls(self, pushes: list[Push]) -> list[list[Push]]:
        return one_per_call(pushes)

    async def send(self, pushes: list[Push]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for push in pushes:
            url = self._robots.get(push.user_id.removeprefix("group:"))
            if not url:
                outcomes.append(Outcome(False, "no robot for this class", unreachable=True))
                continue
            if self._windows.free_at(url) is not None:
                outcomes.append(Outcome(False, "robot limit 20/min", hold=True, delay=timedelta(minutes=1)))
                continue
            try:
                await self._api.post_plain(url, {"msgtype": "text", "text": {"content": clip_bytes(push.text)}})
            except ApiError as exc:
                outcomes.append(exc.outcome)
                continue
            self._windows.take(url)
            outcomes.append(OK)
        return outcomes


class _OneByOne:
    name = ""
    dedupes = False

    def __init__(self, api: WeixinApi, *, per_second: float) -> None:
        self._api = api
        self._rate = RateLimiter(per_second)

    def calls(self, pushes: list[Push]) -> list[list[Push]]:
        return one_per_call(pushes)

    async def _send_one(self, push: Push) -> None:
        raise NotImplementedError

    async def send(self, pushes: list[Push]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for push in pushes:
            await self._rate.wait()
            try:
                await self._send_one(push)
            except ApiError as exc:
                outcomes.append(exc.outcome)
            else:
                outcomes.append(OK)
        return outcomes


class WeChatTemplateChannel(_OneByOne):
    """服务号 template message: title, the notice clipped to 20 characters, and what to do next."""

    name = "wechat_template"

    def __init__(self, api: WeixinApi, *, template_id: str, fields: list[str], per_second: float) -> None:
        super().__init__(api, per_second=per_second)
        self._template_id = template_id
        self._fields = (fields + ["thing1", "thing2", "thing3"])[:3]

    async def _send_one(self, push: Push) -> None:
        values = [push.title or "图书室通知", push.text, "回复“我的借阅”查看详情"]
        await self._api.call("POST", "/cgi-bin/message/template/send", json={
            "touser": push.user_id, "template_id": self._template_id,
            "data": {f: {"value": clip_chars(v)} for f, v in zip(self._fields, values, strict=True)}})


class WeChatServiceChannel(_OneByOne):
    """Official Account customer-service text: only within 48 h of the user's last message (45015 after)."""

    name = "wechat_cs"

    async def _send_one(self, push: Push) -> None:
        await self._api.call("POST", "/cgi-bin/message/custom/send", json={
            "touser": push.user_id, "msgtype": "text", "text": {"content": push.text}})


class ConsolePushChannel:
    """The demo: the outbox row itself is the simulator's inbox entry; delivering is marking it sent."""

    name = "console"
    dedupes = True  # marking sent is one UPDATE: nothing can arrive twice

    def calls(self, pushes: list[Push]) -> list[list[Push]]:
        return [pushes]  # no API call: the whole batch is marked in one UPDATE

    async def send(self, pushes: list[Push]) -> list[Outcome]:
        return [OK for _ in pushes]
