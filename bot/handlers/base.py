"""What every handler gets (Context), the pending question it may leave, and small intent routers."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.messages import IncomingMessage
from bot.nlp import ParseResult
from core.accounts import Identity
from core.library import Library
from core.search import CatalogueSearch
from core.settings import Settings

if TYPE_CHECKING:  # people.py and paging.py import this module
    from bot.handlers.paging import PagedLists
    from bot.handlers.people import ShownLists


@dataclass(frozen=True)
class Pending:
    """A question the bot asked; the user's next short answer ("1", "第二本", "好的") continues it."""

    kind: str  # the continuation to run: "renew", "cancel_reservation", "reserve", "confirm"
    options: tuple[int, ...] = ()  # ids the numbered list showed, in order (loan, reservation, title)
    expires_at: datetime | None = None
    parse: ParseResult | None = None  # for "confirm": the request to run on yes
    data: dict[str, Any] = field(default_factory=dict)

    def to_state(self) -> dict[str, Any]:
        """The JSON the conversation store keeps (the expiry is stored beside it)."""
        parse = None if self.parse is None else {
            "intent": self.parse.intent, "slots": self.parse.slots, "confidence": self.parse.confidence}
        return {"kind": self.kind, "options": list(self.options), "parse": parse, "data": self.data}

    @classmethod
    def from_state(cls, state: dict[str, Any], expires_at: datetime | None = None) -> Pending:
        """Back from to_state()."""
        parse = state.get("parse")
        return cls(state["kind"], tuple(state.get("options") or ()), expires_at,
                   ParseResult(parse["intent"], dict(parse["slots"]), parse["confidence"]) if parse else None,
                   dict(state.get("data") or {}))


@dataclass
class Context:
    """One message being handled: the library, the parse, who is talking and any pending question."""

    library: Library
    search: CatalogueSearch
    message: IncomingMessage
    parse: ParseResult
    identity: Identity | None
    pending: Pending | None = None
    asked: Pending | None = None  # set by a handler that asks a question
    question_lifetime: timedelta = timedelta(minutes=5)  # how long an open question (and a shown list) holds
    settings: Settings = field(default_factory=Settings)  # for notices a handler queues (channels, quiet hours)
    shown: ShownLists | None = None  # the lists 我的借阅 showed, in this process (bot/handlers/people.py)
    pages: PagedLists | None = None  # the last list with more items, for 更多 (bot/handlers/paging.py)
    kept_page: bool = False  # set when this reply's list has more items (the next 更多 continues it)

    @property
    def text(self) -> str:
        return self.message.text.strip()

    @property
    def slots(self) -> dict[str, Any]:
        return self.parse.slots

    def ask(self, kind: str, options: tuple[int, ...] = (), *, parse: ParseResult | None = None,
            **data: Any) -> None:
        """Leave a question open; the router stamps its expiry."""
        self.asked = Pending(kind, options, None, parse, data)


Handler = Callable[[Context], str | None]
"""Returns the reply text, or None to let the next router try."""


class Routes:
    """A small router: handlers per intent and continuations per pending kind (aiogram-style)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.intents: dict[str, Handler] = {}
        self.continuations: dict[str, Handler] = {}

    def on(self, *intents: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for intent in intents:
                self.intents[intent] = fn
            return fn
        return register

    def resume(self, *kinds: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for kind in kinds:
                self.continuations[kind] = fn
            return fn
        return register

    def handle(self, ctx: Context) -> str | None:
        handler = self.intents.get(ctx.parse.intent)
        return handler(ctx) if handler is not None else None

    def continue_(self, ctx: Context) -> str | None:
        if ctx.pending is None:
            return None
        handler = self.continuations.get(ctx.pending.kind)
        return handler(ctx) if handler is not None else None
