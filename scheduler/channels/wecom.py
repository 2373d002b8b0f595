"""WeCom (企业微信) app messages to staff and 家校沟通 school notices to parents, paced per member."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from core.clock import Clock
from scheduler.channels.api import ApiError, WeixinApi
from scheduler.channels.base import OK, Outcome, Push
from scheduler.channels.pacing import RateLimiter, Windows

MAX_USERS_PER_CALL = 1000
DUPLICATE_WINDOW = 4 * 3600  # the longest WeCom allows: a rerun within 4 h is not delivered twice


def _by_text(pushes: list[Push]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, push in enumerate(pushes):
        groups[push.text].append(i)
    return groups


class _PacedWeCom:
    """Shared by both WeCom channels: same text to many users in one call, per-member windows."""

    name = ""
    dedupes = True

    def __init__(self, api: WeixinApi, agent_id: str, clock: Clock, *, per_minute: int, per_hour: int,
                 per_second: float) -> None:
        self._api = api
        self._agent: int | str = int(agent_id) if agent_id.isdigit() else agent_id
        self._windows = Windows(clock, [(per_minute, timedelta(minutes=1)), (per_hour, timedelta(hours=1))])
        self._rate = RateLimiter(per_second)

    async def _call(self, users: list[str], text: str) -> set[str]:
        raise NotImplementedError

    def calls(self, pushes: list[Push]) -> list[list[Push]]:
        """The same text to up to 1000 users is one call."""
        return [[pushes[i] for i in indexes[start:start + MAX_USERS_PER_CALL]]
                for indexes in _by_text(pushes).values() for start in range(0, len(indexes), MAX_USERS_PER_CALL)]

    async def send(self, pushes: list[Push]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(pushes)
        for text, indexes in _by_text(pushes).items():
            ready: list[int] = []
            for i in indexes:
                if self._windows.free_at(pushes[i].user_id) is not None:
                    outcomes[i] = Outcome(False, "per-member limit", hold=True, delay=timedelta(minutes=1))
                else:
                    ready.append(i)
            for start in range(0, len(ready), MAX_USERS_PER_CALL):
                chunk = ready[start:start + MAX_USERS_PER_CALL]
                users = [pushes[i].user_id for i in chunk]
                await self._rate.wait()
                try:
                    invalid = await self._call(users, text)
                except ApiError as exc:
                    for i in chunk:
                        outcomes[i] = exc.outcome
                    continue
                for i in chunk:
                    user = pushes[i].user_id
                    if user in invalid:
                        outcomes[i] = Outcome(False, "invaliduser", unreachable=True)
                    else:
                        self._windows.take(user)
                        outcomes[i] = OK
        return [o or OK for o in outcomes]


def _ids(value: Any) -> set[str]:
    if isinstance(value, list):
        return {str(v) for v in value}
    return {v for v in str(value or "").split("|") if v}


class WeComAppChannel(_PacedWeCom):
    """Self-built app message (/cgi-bin/message/send) to teachers by WeCom UserID."""

    name = "wecom_app"

    async def _call(self, users: list[str], text: str) -> set[str]:
        data = await self._api.call("POST", "/cgi-bin/message/send", json={
            "touser": "|".join(users), "msgtype": "text", "agentid": self._agent, "text": {"content": text},
            "enable_duplicate_check": 1, "duplicate_check_interval": DUPLICATE_WINDOW})
        return _ids(data.get("invaliduser"))


class WeComSchoolChannel(_PacedWeCom):
    """家校沟通 school notice (/cgi-bin/externalcontact/message/send) to parents by parent_userid."""

    name = "wecom_school"

    async def _call(self, users: list[str], text: str) -> set[str]:
        data = await self._api.call("POST", "/cgi-bin/externalcontact/message/send", json={
            "to_parent_userid": users, "msgtype": "text", "agentid": self._agent, "text": {"content": text},
            "enable_duplicate_check": 1, "duplicate_check_interval": DUPLICATE_WINDOW})
        return _ids(data.get("invalid_parent_userid"))
