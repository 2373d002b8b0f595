"""Which channel a push to a user goes through: preference order per audience, minus refusals."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.messaging import Unreachable
from core.notices.following import UNFOLLOWED
from core.settings import Settings

CONSOLE, ROBOT, UNROUTED = "console", "robot", "unrouted"
STAFF, PARENT, GROUP = "staff", "parent", "group"


def configured_channels(settings: Settings) -> set[str]:
    """Channels whose credentials are present (the console always is)."""
    wx, wc, ch = settings.wecom, settings.wechat, settings.channels
    found = {CONSOLE}
    if wx.corp_id and wx.secret and wx.agent_id:
        found.add("wecom_app")
    if wx.corp_id and ch.school_secret and ch.school_agent_id:
        found.add("wecom_school")
    if wc.appid and wc.appsecret:
        found.add("wechat_cs")
        if ch.template_id:
            found.add("wechat_template")
    if ch.robots:
        found.add(ROBOT)
    return found


@dataclass
class Router:
    """Picks the first configured channel, in the audience's order, that has not refused the user."""

    orders: dict[str, list[str]]
    configured: set[str]
    unreachable: set[tuple[str, str]] = field(default_factory=set)
    console_only: bool = False  # demo: everything lands in the simulator's inbox
    unfollowed: set[str] = field(default_factory=set)  # users who unfollowed (core/notices/following.py)

    @classmethod
    def load(cls, session: Session, settings: Settings, configured: set[str] | None = None) -> Router:
        n = settings.notices
        orders = {STAFF: n.staff_channels.split(), PARENT: n.parent_channels.split(), GROUP: [ROBOT]}
        refused: set[tuple[str, str]] = set()
        unfollowed: set[str] = set()
        for channel, user, reason in session.execute(select(Unreachable.channel, Unreachable.user_id,
                                                            Unreachable.reason)):
            refused.add((channel, user))
            if reason == UNFOLLOWED:
                unfollowed.add(user)
        return cls(orders, configured if configured is not None else configured_channels(settings), refused,
                   console_only=settings.demo and n.demo_console, unfollowed=unfollowed)

    def channel_for(self, user_id: str, audience: str, *, after: str | None = None) -> str:
        """The channel to use (the next one after `after` when rerouting), or UNROUTED."""
        if self.console_only:  # the simulator stands in for WeChat: an unfollowed user gets nothing
            return CONSOLE if after is None and user_id not in self.unfollowed else UNROUTED
        order = self.orders.get(audience, [])
        if after is not None:
            order = order[order.index(after) + 1:] if after in order else []
        for channel in order:
            if channel in self.configured and (channel, user_id) not in self.unreachable:
                return channel
        return UNROUTED
