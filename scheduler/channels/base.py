"""The channel interface and the outcome of one push."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # bad / expired access_token: refresh once, then give up
QUOTA_ERRORS = frozenset({45009, 45047, 45033, 45011})  # API quota / too many per user: later, with backoff
BUSY_ERRORS = frozenset({-1})  # system busy: retry soon
# The user cannot get this channel: not following, out of the 48 h window, refused, not a member, bad id.
UNREACHABLE_ERRORS = frozenset({43004, 45015, 43101, 40003, 60111, 81013, 93000, 46004})

QUOTA_DELAY = timedelta(minutes=10)


@dataclass(frozen=True)
class Push:
    """One outbox row as a channel sees it."""

    id: int
    user_id: str
    text: str
    title: str = ""


@dataclass(frozen=True)
class Outcome:
    """What happened to one push. ok, or an error that says whether a retry or another channel may help."""

    ok: bool
    error: str = ""
    retry: bool = False
    unreachable: bool = False  # this user on this channel: mark, and try the next channel
    delay: timedelta | None = None  # retry no earlier than this (quota)
    hold: bool = False  # not tried (pacing): give back without counting an attempt


OK = Outcome(True)


def from_errcode(code: int, message: str) -> Outcome:
    """Classify a WeChat/WeCom errcode."""
    text = f"errcode {code}: {message[:80]}"
    if code in UNREACHABLE_ERRORS:
        return Outcome(False, text, unreachable=True)
    if code in QUOTA_ERRORS:
        return Outcome(False, text, retry=True, delay=QUOTA_DELAY)
    return Outcome(False, text, retry=code in BUSY_ERRORS or code in TOKEN_ERRORS)


class Channel(Protocol):
    """Sends pushes; one outcome per push, in order. Never raises for a delivery problem.

    `calls(pushes)` splits pushes into the groups that each go out in one API call; delivery sends
    one group at a time through `send` and records its outcomes before the next, so a crash leaves
    at most that one call in doubt.
    """

    name: str
    dedupes: bool  # the server drops a resend of the same message (WeCom enable_duplicate_check)

    def calls(self, pushes: list[Push]) -> list[list[Push]]: ...

    async def send(self, pushes: list[Push]) -> list[Outcome]: ...


def one_per_call(pushes: list[Push]) -> list[list[Push]]:
    """Channels whose API takes one recipient per request."""
    return [[p] for p in pushes]
