"""更多 / 下一页: the next page of the list the user was just shown (search, 新书, 推荐, 本班逾期).

A list with more items than one reply holds remembers, **in this server process's memory**, what was
asked (intent and slots) and how many items were shown; the parser's `more` intent then asks the
same handler for the items after those. No database write: search and 新书 are answered from memory
on the event loop, and a write would take them off that fast path (as for 我的借阅, see
docs/conversations.md). The page is kept for the question lifetime and only for the very next
message: any other request forgets it. A `更多` that reaches another process, or comes too late,
gets a short note saying how to ask again.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.handlers.base import Context

MORE = "more"  # the parser's intent for 更多 / 下一页 / 还有吗 / 翻页
NOTHING_TO_PAGE = "没有可以往下翻的列表了～ 请重新发送想看的内容，比如：查 草房子、新书、推荐。"


@dataclass(frozen=True)
class Page:
    """A list shown to a user: what produced it and how many items were shown so far."""

    intent: str
    slots: dict[str, Any]
    shown: int
    at: datetime


class PagedLists:
    """The last paged list of each user (a bounded LRU, like ShownLists); thread-safe."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._pages: OrderedDict[str, Page] = OrderedDict()
        self._replies: OrderedDict[str, tuple[str, str]] = OrderedDict()  # user → (MsgId, reply) of the last 更多
        self._capacity = capacity
        self._lock = threading.Lock()  # the event loop and the database threads both call it

    def remember(self, user_id: str, page: Page) -> None:
        """`page` is the user's last list; it has more items after `page.shown`."""
        with self._lock:
            self._pages[user_id] = page
            self._pages.move_to_end(user_id)
            while len(self._pages) > self._capacity:
                self._pages.popitem(last=False)

    def recall(self, user_id: str, since: datetime) -> Page | None:
        """The user's last list if it was shown at or after `since`."""
        with self._lock:
            page = self._pages.get(user_id)
        return page if page is not None and page.at >= since else None

    def answered(self, user_id: str, msg_id: str, reply: str) -> None:
        """The reply a 更多 with this MsgId got: a WeChat retry of it gets the same page, not the next."""
        if msg_id:
            with self._lock:
                self._replies[user_id] = (msg_id, reply)
                self._replies.move_to_end(user_id)
                while len(self._replies) > self._capacity:
                    self._replies.popitem(last=False)

    def replay(self, user_id: str, msg_id: str) -> str | None:
        """The reply already given to this very 更多 (same MsgId), or None."""
        with self._lock:
            seen = self._replies.get(user_id)
        return seen[1] if msg_id and seen is not None and seen[0] == msg_id else None

    def forget(self, user_id: str) -> None:
        """Any other request: `更多` no longer refers to that list."""
        if user_id in self._pages:  # most users have none: no lock taken
            with self._lock:
                self._pages.pop(user_id, None)


def offset(ctx: Context) -> int:
    """How many items of this list the user has already seen (0 for a fresh request)."""
    return int(ctx.slots.get("_offset", 0))


def more_after(ctx: Context, shown_now: int) -> None:
    """The handler showed `shown_now` items from offset(ctx) and there are more: keep the place."""
    if ctx.pages is None:
        return
    slots = {k: v for k, v in ctx.slots.items() if k != "_offset"}
    ctx.pages.remember(ctx.message.user_id, Page(ctx.parse.intent, slots, offset(ctx) + shown_now,
                                                 ctx.library.now()))
    ctx.kept_page = True


MORE_HINT = "回复“更多”看下一页。"
