"""Channel-agnostic message bookkeeping: run-once keys for incoming requests and an outbound queue.

`IdempotencyStore` lets a transport claim a request key (insert-first, the primary key decides
the winner) so retries of one WeChat message never run an action twice, across processes.
`OutboundQueue` holds messages to deliver later (a slow answer, a push); each row is written
before any attempt, so a crash loses nothing, and a lease keeps two processes from sending it twice.
Knows nothing of WeChat: keys, channels and user ids are opaque strings.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Index, Integer, Row, String, Text, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.clock import Clock
from core.db import READ_ONLY
from core.models import Base, IdempotencyKey, UTCDateTime

# A claimed row is its claimer's for this long; the claimer renews it while it works on the row (a
# heartbeat every third of it), so a dead process's rows come free within LEASE, a live one keeps them.
LEASE = timedelta(seconds=15)
BACKOFF = (5, 30, 120, 600, 1800)  # seconds between delivery attempts
MAX_ATTEMPTS = 8
JITTER = 0.1  # ±10 %: retries of one failed batch do not all come back in the same second

# Row states. "leased": claimed into a batch, not tried yet (nothing went out: safe to hand to anyone).
# "sending": the recorded intent, written just before the one API call that carries the row; a row
# found "sending" with no live owner is *in doubt* (that call may or may not have been delivered).
PENDING_STATUS, LEASED, SENDING, SENT = "pending", "leased", "sending", "sent"
FAILED, DROPPED, SKIPPED = "failed", "dropped", "skipped"
OPEN_STATUSES = (PENDING_STATUS, LEASED, SENDING)  # still to be delivered


class OutboundMessage(Base):
    """A message to a user on one channel (late answer or push); sent_at set once delivered."""

    __tablename__ = "outbound_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # written once per key
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20), default="push")  # reply | push
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None once finished
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # given up
    last_error: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12), default=PENDING_STATUS, server_default=PENDING_STATUS)
    topic: Mapped[str] = mapped_column(String(30), default="", server_default="")  # notice kind, for 退订
    ref: Mapped[str] = mapped_column(String(120), default="", server_default="")  # what to re-check on delivery
    audience: Mapped[str] = mapped_column(String(12), default="", server_default="")  # staff | parent | group
    batch: Mapped[str] = mapped_column(String(60), default="", server_default="")  # the job run that wrote it

    __table_args__ = (
        Index("ix_outbound_due", "next_attempt_at"),
        Index("ix_outbound_user", "channel", "user_id", "id"),
        Index("ix_outbound_ref", "ref"),  # who an activity reached (console: /admin/notices/activity/<id>)
    )


class SharedToken(Base):
    """An access_token cached for every process (WeChat invalidates the old one on each refresh)."""

    __tablename__ = "shared_tokens"
    name: Mapped[str] = mapped_column(String(120), primary_key=True)  # e.g. wecom:<corp>:<agent>
    token: Mapped[str] = mapped_column(String(600), default="")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # someone is fetching a new one


class JobLock(Base):
    """The scheduler lock on SQLite (PostgreSQL uses an advisory lock): one owner until it expires."""

    __tablename__ = "job_locks"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    owner: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Unreachable(Base):
    """A user a channel refused (not following, out of the 48 h window, bad id): skip that channel."""

    __tablename__ = "unreachable_users"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    reason: Mapped[str] = mapped_column(String(120), default="")
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class Unsubscribed(Base):
    """A user who stopped one kind of push (退订); topic "*" stops all of them."""

    __tablename__ = "unsubscribed_topics"
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    topic: Mapped[str] = mapped_column(String(30), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)


PENDING = object()
"""`IdempotencyStore.result` for a key claimed but not answered yet."""

KEY_LEASE = timedelta(seconds=8)
"""How long a claim is its holder's without a sign of life. The holder renews it every
KEY_LEASE_RENEW while it works, so only a dead holder's claim runs out, and WeChat's retries
(about 5, 10 and 15 s after the message) find it expired and take over."""
KEY_LEASE_RENEW = KEY_LEASE / 4

# What the `result` column says about a key: NULL while claimed and nothing committed yet, then
ACTING = "acting"  # the request's own writes are committed (written in their transaction)
LATER = "later"  # the holding reply went out; `acted`: committed too; `answer`: the late answer
DONE = "done"  # answered: `text` is the answer


class Outcome(StrEnum):
    """What storing a key's answer did."""

    STORED = "stored"  # the answer is the key's: send it in the reply
    LATER = "later"  # the holding reply went out first: push the answer
    LOST = "lost"  # another holder took the key over (or answered it): this one sends nothing


class LeaseLost(Exception):
    """A request's commit refused: its run-once key now belongs to another copy (see IdempotencyStore.fence)."""


@dataclass(frozen=True)
class Claim:
    """A run-once key held by one request: `owner` is unique per claim (process + random + counter).

    `took_over`: the key was pending under a holder whose lease ran out (it died). `acted`: that
    holder's writes were committed before it died: the request must not run again; `answer` is
    its answer when it was known.
    """

    key: str
    owner: str
    took_over: bool = False
    acted: bool = False
    answer: str | None = None


def _state(raw: str | None) -> dict[str, Any] | None:
    return None if raw is None else json.loads(raw)


def _dump(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False)


class IdempotencyStore:
    """Run-once keys in `idempotency_keys`: claim with a lease, commit the work with the key, let retries read it.

    A claim inserts the key with its owner and `lease_until`; a copy that finds it pending under an
    expired lease takes it over (the holder died). The work's own transactions carry the key's
    "acting" mark (`fence`), so a takeover knows whether the work is done: it never runs twice.
    """

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, *,
                 lease: timedelta = KEY_LEASE, process: str | None = None) -> None:
        self._factory = session_factory
        self._clock = clock
        self._lease = lease
        self._reader = session_factory.kw["bind"].execution_options(**{READ_ONLY: True})  # plain BEGIN
        self._process = process or f"{os.getpid()}.{secrets.token_hex(4)}"
        self._serial = itertools.count(1)

    def _owner(self) -> str:
        return f"{self._process}.{next(self._serial)}"  # next() on a count is atomic in CPython

    def claim(self, key: str) -> Claim | None:
        """Own the request: a Claim (fresh or taken over), None when a live holder or an answer has it."""
        return self.apply([key], {})[0].get(key)

    def finish(self, claim: Claim, result: dict[str, Any]) -> Outcome:
        """Store the answer if `claim` still holds the key (see Outcome)."""
        return self.apply([], {claim.key: (claim, result)})[1][claim.key]

    def hand_off(self, claim: Claim, result: dict[str, Any]) -> bool:
        """Mark the key as answered later (result = the holding reply); True when marked, False when answered."""
        return self.apply([], {claim.key: (claim, result)})[1][claim.key] is Outcome.STORED

    def apply(self, claims: Sequence[str], results: dict[str, tuple[Claim, dict[str, Any]]]
              ) -> tuple[dict[str, Claim], dict[str, Outcome]]:
        """Claim keys and store answers in one transaction (group commit); returns (claims, outcomes).

        A key listed twice in `claims` is claimed at most once; callers dedupe their waiters.
        An answer ({"state": "done" | "later", "text": ...}) is stored only by the key's owner and
        only once: of the answer and the deadline hand-off exactly one wins, so a slow answer is
        delivered once, in the reply or as a push.
        """
        table = IdempotencyKey.__table__
        claimed: dict[str, Claim] = {}
        outcomes: dict[str, Outcome] = {}
        now = self._clock()
        # Core on a bare connection, not a Session: this runs for every message.
        with self._factory.kw["bind"].begin() as conn:
            fresh = list(dict.fromkeys(claims))
            if fresh:
                owners = {k: self._owner() for k in fresh}
                insert_ignore = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                stmt = insert_ignore(table).values([{"key": k, "created_at": now, "result": None, "owner": owners[k],
                                                     "lease_until": now + self._lease} for k in fresh])
                won = set(conn.scalars(stmt.on_conflict_do_nothing().returning(table.c.key)).all())
                claimed = {k: Claim(k, owners[k]) for k in fresh if k in won}
                taken = sorted(k for k in fresh if k not in won)
                if taken:
                    claimed.update(self._take_over(conn, taken, owners, now))
            if results:
                outcomes = self._store(conn, results, now)
        return claimed, outcomes

    def _locked(self, conn: Connection, keys: list[str]) -> dict[str, Row[Any]]:
        # Sorted and FOR UPDATE (PostgreSQL): concurrent batches lock rows in one order; SQLite's
        # BEGIN IMMEDIATE already serialises writers.
        table = IdempotencyKey.__table__
        rows = conn.execute(select(table.c.key, table.c.result, table.c.owner, table.c.lease_until,
                                   table.c.created_at)
                            .where(table.c.key.in_(sorted(keys))).order_by(table.c.key).with_for_update())
        return {row.key: row for row in rows}

    def _expired(self, row: Row[Any], now: datetime) -> bool:
        until = row.lease_until if row.lease_until is not None else row.created_at + self._lease  # older rows
        return bool(until < now)

    def _take_over(self, conn: Connection, keys: list[str], owners: dict[str, str],
                   now: datetime) -> dict[str, Claim]:
        table = IdempotencyKey.__table__
        taken: dict[str, Claim] = {}
        for key, row in self._locked(conn, keys).items():
            state = _state(row.result)
            if (state is not None and state.get("state") == DONE) or not self._expired(row, now):
                continue
            acted = state is not None and (state.get("state") == ACTING or bool(state.get("acted")))
            answer = state.get("answer") if state is not None else None
            # The dead holder's hand-off was for its own reply: the new holder answers in its own.
            conn.execute(update(table).where(table.c.key == key)
                         .values(owner=owners[key], lease_until=now + self._lease,
                                 result=_dump({"state": ACTING}) if acted else None))
            taken[key] = Claim(key, owners[key], took_over=True, acted=acted, answer=answer)
        return taken

    def _store(self, conn: Connection, results: dict[str, tuple[Claim, dict[str, Any]]],
               now: datetime) -> dict[str, Outcome]:
        table = IdempotencyKey.__table__
        rows = self._locked(conn, list(results))
        outcomes: dict[str, Outcome] = {}
        for key, (claim, result) in results.items():
            row = rows.get(key)
            state = _state(row.result) if row is not None else None
            kind = state.get("state") if state is not None else None
            if row is None or row.owner != claim.owner or kind == DONE:
                outcomes[key] = Outcome.LOST
                continue
            if kind in (None, ACTING):
                if result.get("state") == LATER and kind == ACTING:
                    result = {**result, "acted": True}
                new, outcomes[key] = result, Outcome.STORED
            elif result.get("state") == DONE:  # kind == LATER: keep the holding text, remember the answer
                new, outcomes[key] = {**(state or {}), "acted": True, "answer": result.get("text", "")}, Outcome.LATER
            else:
                outcomes[key] = Outcome.LOST  # handed off twice: the first one stands
                continue
            conn.execute(update(table).where(table.c.key == key).values(result=_dump(new)))
        return outcomes

    def renew(self, claim: Claim) -> bool:
        """Extend the holder's lease (it is still working); False when the key is no longer its own."""
        table = IdempotencyKey.__table__
        with self._factory.kw["bind"].begin() as conn:
            done = conn.execute(update(table).where(table.c.key == claim.key, table.c.owner == claim.owner)
                                .values(lease_until=self._clock() + self._lease))
            return done.rowcount == 1

    def fence(self, claim: Claim) -> Callable[[Session], None]:
        """A commit guard (core.uow.commit_guard) for the claimed request's own writes.

        In the write's transaction, before COMMIT: the key must still be this claim's (else
        LeaseLost, and the write rolls back: a copy that took over does the work instead), and it
        is marked "acting" (the work is committed), so both stick or neither does.
        """
        table = IdempotencyKey.__table__

        def guard(session: Session) -> None:
            # The work's own statements first: the key's row lock is then the transaction's last
            # wait, so holding it never waits on another lock (no deadlock with a takeover batch).
            session.flush()
            row = session.execute(select(table.c.result, table.c.owner).where(table.c.key == claim.key)
                                  .with_for_update()).first()
            if row is None or row.owner != claim.owner:
                raise LeaseLost("the run-once key was taken over")  # no key: it may hold an openid
            state = _state(row.result)
            if state is None:
                state = {"state": ACTING}
            elif state.get("state") == LATER:
                state = {**state, "acted": True}
            session.execute(update(table).where(table.c.key == claim.key)
                            .values(result=_dump(state), lease_until=self._clock() + self._lease))
        return guard

    def result(self, key: str) -> dict[str, Any] | object | None:
        """The stored state ({"state": ..., "text": ...}), PENDING while nothing is stored, None for an unknown key."""
        return self.results([key]).get(key)

    def results(self, keys: Sequence[str]) -> dict[str, dict[str, Any] | object]:
        """The known keys among `keys`: state or PENDING. One read-only query (no write lock on SQLite)."""
        if not keys:
            return {}
        table = IdempotencyKey.__table__
        with self._reader.begin() as conn:
            rows = conn.execute(select(table.c.key, table.c.result).where(table.c.key.in_(list(dict.fromkeys(keys)))))
            return {k: PENDING if r is None else json.loads(r) for k, r in rows}

    def purge(self, older_than: timedelta) -> int:
        """Forget keys older than `older_than` whose lease (if any) has run out; returns how many.

        The caller picks `older_than` so that no copy of the message can still be accepted
        (bot/app.py key_retention: twice the callback window plus a margin, at least two days).
        """
        now = self._clock()
        with self._factory() as session:
            done = session.execute(delete(IdempotencyKey).where(
                IdempotencyKey.created_at < now - older_than,
                (IdempotencyKey.lease_until.is_(None)) | (IdempotencyKey.lease_until < now)))
            session.commit()
            return done.rowcount


@dataclass(frozen=True)
class Outbound:
    """A queued message as the delivery side sees it."""

    id: int
    channel: str
    user_id: str
    kind: str
    title: str
    text: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    status: str = PENDING_STATUS
    topic: str = ""
    ref: str = ""
    audience: str = ""
    key: str = ""
    in_doubt: bool = False  # claimed before and never marked: an earlier attempt may have been delivered
    last_error: str = ""
    next_attempt_at: datetime | None = None
    batch: str = ""


def _outbound(row: OutboundMessage, in_doubt: bool = False) -> Outbound:
    return Outbound(row.id, row.channel, row.user_id, row.kind, row.title, row.text, row.attempts,
                    row.created_at, row.sent_at, row.status, row.topic, row.ref, row.audience, row.key,
                    in_doubt, row.last_error, row.next_attempt_at, row.batch)


@dataclass(frozen=True)
class Failure:
    """A row whose call failed: `retry` later (after `delay`, else the backoff) or give up."""

    id: int
    error: str
    retry: bool
    delay: timedelta | None = None


@dataclass(frozen=True)
class Hold:
    """A row given back untried until `until` (pacing): the attempt is not counted."""

    id: int
    until: datetime
    note: str = ""


@dataclass(frozen=True)
class NewMessage:
    """One outbox row to write (a notice to one user on one channel)."""

    key: str
    channel: str
    user_id: str
    text: str
    title: str = ""
    topic: str = ""
    ref: str = ""
    audience: str = ""
    not_before: datetime | None = None  # quiet hours / closed day: first attempt no earlier than this


def backoff_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential steps from BACKOFF with ±JITTER, for the n-th failed attempt (1-based)."""
    base = BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]
    factor = 1 + JITTER * (2 * (rng or random).random() - 1)
    return timedelta(seconds=base * factor)


def enqueue_in(conn: Connection | Session, messages: Sequence[NewMessage], *, now: datetime, batch: str = "") -> int:
    """`OutboundQueue.enqueue_many` inside the caller's transaction (a service that queues a notice
    together with the change it announces: both or neither). Returns how many rows were new."""
    if not messages:
        return 0
    table = OutboundMessage.__table__
    rows = [{"key": m.key, "channel": m.channel, "user_id": m.user_id, "kind": "push", "title": m.title[:200],
             "text": m.text, "created_at": now, "attempts": 0, "last_error": "", "status": PENDING_STATUS,
             "topic": m.topic, "ref": m.ref[:120], "audience": m.audience, "batch": batch[:60],
             "next_attempt_at": max(now, m.not_before) if m.not_before else now} for m in messages]
    dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
    insert_ignore = pg_insert if dialect == "postgresql" else sqlite_insert
    # executemany with one compiled statement (SQLAlchemy batches it as "insertmanyvalues");
    # a multi-VALUES statement would be recompiled per call and dominate the time.
    stmt = insert_ignore(table).on_conflict_do_nothing().returning(table.c.id)
    return len(conn.execute(stmt, rows).all())


def requeue_failed(session: Session, message_id: int, now: datetime) -> bool:
    """`OutboundQueue.retry_failed` in the caller's transaction (with its audit row): True if requeued.

    The last error stays on the row until the next attempt replaces it; attempts restart at 0, so the
    row gets the whole backoff again rather than one try before MAX_ATTEMPTS gives it up.
    """
    done = session.execute(update(OutboundMessage)
                           .where(OutboundMessage.id == message_id, OutboundMessage.status == FAILED)
                           .values(status=PENDING_STATUS, next_attempt_at=now, failed_at=None, attempts=0))
    return done.rowcount == 1


class OutboundQueue:
    """Messages to deliver later, one row per key; claim with a lease, then mark sent or failed."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = session_factory
        self._clock = clock

    def enqueue(self, *, key: str, channel: str, user_id: str, text: str, kind: str = "push",
                title: str = "", sent: bool = False) -> bool:
        """Write the message once per key (sent=True records an already delivered one); True if new."""
        now = self._clock()
        with self._factory() as session:
            try:
                session.execute(insert(OutboundMessage).values(
                    key=key, channel=channel, user_id=user_id, kind=kind, title=title[:200], text=text,
                    created_at=now, attempts=0, last_error="", status=SENT if sent else PENDING_STATUS,
                    next_attempt_at=None if sent else now, sent_at=now if sent else None))
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
        return True

    def enqueue_many(self, messages: Sequence[NewMessage], *, batch: str = "") -> int:
        """Write each message once per key in one statement (insert-or-ignore); returns how many were new."""
        if not messages:
            return 0
        with self._factory.kw["bind"].begin() as conn:
            return enqueue_in(conn, messages, now=self._clock(), batch=batch)


    def claim_due(self, channels: list[str], limit: int = 20, *, kinds: Sequence[str] | None = None,
                  lease: timedelta = LEASE) -> list[Outbound]:
        """Rows due now on these channels, each leased to this caller for `lease` (others skip it).

        Claiming sends nothing: a pending row becomes "leased", a row found "sending" (its last
        claimer died mid-call) stays "sending" and comes back flagged `in_doubt`. `begin()` records
        the intent right before the call; `renew()` keeps the lease while the caller works.
        """
        now = self._clock()
        claimed: list[Outbound] = []
        with self._factory() as session:
            query = (select(OutboundMessage)
                     .where(OutboundMessage.next_attempt_at <= now, OutboundMessage.channel.in_(channels)))
            if kinds is not None:
                query = query.where(OutboundMessage.kind.in_(list(kinds)))
            rows = session.scalars(query.order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
                                   .limit(limit)).all()
            for row in rows:
                in_doubt = row.status == SENDING
                done = session.execute(
                    update(OutboundMessage)
                    .where(OutboundMessage.id == row.id, OutboundMessage.next_attempt_at == row.next_attempt_at)
                    .values(next_attempt_at=now + lease, status=SENDING if in_doubt else LEASED)
                )
                if done.rowcount == 1:
                    claimed.append(_outbound(row, in_doubt=in_doubt))
            session.commit()
        return claimed

    def begin(self, message_ids: Sequence[int], lease: timedelta = LEASE) -> None:
        """The recorded intent, just before the call that carries these rows: "sending", one more attempt."""
        if not message_ids:
            return
        with self._factory() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(list(message_ids)))
                            .values(status=SENDING, attempts=OutboundMessage.attempts + 1,
                                    next_attempt_at=self._clock() + lease))
            session.commit()

    def renew(self, message_ids: Sequence[int], lease: timedelta = LEASE) -> None:
        """Heartbeat: extend the lease of the rows among these that are still claimed (leased or sending)."""
        if not message_ids:
            return
        with self._factory() as session:
            session.execute(update(OutboundMessage)
                            .where(OutboundMessage.id.in_(list(message_ids)),
                                   OutboundMessage.status.in_((LEASED, SENDING)))
                            .values(next_attempt_at=self._clock() + lease))
            session.commit()

    def release_unsent(self, message_ids: Sequence[int]) -> int:
        """Give back claimed rows no call carried (a clean stop): due now, "leased" back to "pending".

        A row still "sending" here was in doubt when claimed and not tried again: it stays "sending"
        (still in doubt) but due now. Attempts are not touched. Returns how many rows were given back.
        """
        if not message_ids:
            return 0
        now, ids = self._clock(), list(message_ids)
        with self._factory() as session:
            done = session.execute(update(OutboundMessage)
                                   .where(OutboundMessage.id.in_(ids), OutboundMessage.status == LEASED)
                                   .values(status=PENDING_STATUS, next_attempt_at=now)).rowcount
            done += session.execute(update(OutboundMessage)
                                    .where(OutboundMessage.id.in_(ids), OutboundMessage.status == SENDING)
                                    .values(next_attempt_at=now)).rowcount
            session.commit()
        return done

    def reclaim(self, kinds: Sequence[str]) -> int:
        """Make every claimed row of these kinds due now (a new leader: their claimer is gone).

        Only for kinds a single leader delivers: a row of another live process would be sent twice.
        Returns how many rows were freed.
        """
        now = self._clock()
        with self._factory() as session:
            done = session.execute(update(OutboundMessage)
                                   .where(OutboundMessage.kind.in_(list(kinds)),
                                          OutboundMessage.status.in_((LEASED, SENDING)),
                                          OutboundMessage.next_attempt_at > now)
                                   .values(next_attempt_at=now))
            session.commit()
            return done.rowcount

    def settle(self, *, sent: Sequence[int] = (), failed: Sequence[Failure] = (),
               held: Sequence[Hold] = (), begun: bool = True) -> None:
        """Record the outcome of one call in one transaction: delivered, failed (retry or give up), held.

        `held` rows were not tried (pacing): given back for `until` with their attempt not counted.
        `begun` False: no `begin()` preceded the call (a channel with a server-side duplicate check,
        where the intent adds nothing): the attempt is counted here instead.
        """
        now = self._clock()
        step = 0 if begun else 1  # attempts to add to the rows the call carried
        # Core on a bare connection, not a Session: this runs after every API call.
        with self._factory.kw["bind"].begin() as session:
            if sent:
                session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(list(sent)))
                                .values(sent_at=now, next_attempt_at=None, last_error="", status=SENT,
                                        attempts=OutboundMessage.attempts + step))
            for hold in held:
                session.execute(update(OutboundMessage).where(OutboundMessage.id == hold.id)
                                .values(next_attempt_at=hold.until, status=PENDING_STATUS,
                                        attempts=OutboundMessage.attempts - (1 - step), last_error=hold.note[:300]))
            if failed:
                attempts = {i: n + step for i, n in session.execute(
                    select(OutboundMessage.id, OutboundMessage.attempts)
                    .where(OutboundMessage.id.in_([f.id for f in failed]))).all()}
                for f in failed:
                    if f.id not in attempts:
                        continue
                    values: dict[str, Any] = {"last_error": f.error[:300], "attempts": attempts[f.id]}
                    if f.retry and attempts[f.id] < MAX_ATTEMPTS:
                        values |= {"status": PENDING_STATUS, "next_attempt_at": now + (
                            f.delay if f.delay is not None else backoff_delay(attempts[f.id]))}
                    else:
                        values |= {"status": FAILED, "next_attempt_at": None, "failed_at": now}
                    session.execute(update(OutboundMessage).where(OutboundMessage.id == f.id).values(**values))

    def retry_failed(self, message_id: int) -> bool:
        """Put a given-up row back in the queue (the librarian's 重发): due now, attempts from 0.

        Only a row that is `failed` now changes, so a second click (or a double-submitted form) finds
        it pending and does nothing: True only for the call that requeued it.
        """
        with self._factory() as session:
            done = requeue_failed(session, message_id, self._clock())
            session.commit()
        return done

    def mark_sent(self, message_id: int) -> None:
        """Delivered: never try again."""
        with self._factory() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                            .values(sent_at=self._clock(), next_attempt_at=None, last_error="", status=SENT))
            session.commit()

    def mark_sent_many(self, message_ids: Sequence[int]) -> None:
        """Delivered, for a whole batch in one transaction."""
        if not message_ids:
            return
        with self._factory() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(list(message_ids)))
                            .values(sent_at=self._clock(), next_attempt_at=None, last_error="", status=SENT))
            session.commit()

    def mark_failed(self, message_id: int, error: str, *, retry: bool, delay: timedelta | None = None) -> None:
        """A failed attempt: retry later with backoff (or after `delay`), or give up (permanent, too many)."""
        now = self._clock()
        with self._factory() as session:
            row = session.get(OutboundMessage, message_id)
            if row is None:
                return
            attempts = row.attempts  # already counted by claim_due
            if retry and attempts < MAX_ATTEMPTS:
                row.next_attempt_at = now + (delay if delay is not None else backoff_delay(attempts))
                row.status = PENDING_STATUS
            else:
                row.next_attempt_at, row.failed_at, row.status = None, now, FAILED
            row.last_error = error[:300]
            session.commit()

    def release(self, message_id: int, until: datetime, note: str = "") -> None:
        """Give a claimed row back untried (quiet hours, rate limit): not counted as an attempt."""
        with self._factory() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                            .values(next_attempt_at=until, status=PENDING_STATUS,
                                    attempts=OutboundMessage.attempts - 1,  # claim_due counted it
                                    last_error=note[:300]))
            session.commit()

    def close(self, message_id: int, status: str, reason: str) -> None:
        """Finish without sending: DROPPED (the notice no longer holds) or SKIPPED (退订, nobody to send to)."""
        with self._factory() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                            .values(next_attempt_at=None, status=status, last_error=reason[:300]))
            session.commit()

    def reroute(self, message_id: int, channel: str, reason: str) -> None:
        """Move a row to the next channel (recipient unreachable here); due at once, attempts kept."""
        with self._factory() as session:
            session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                            .values(channel=channel, status=PENDING_STATUS, next_attempt_at=self._clock(),
                                    last_error=reason[:300]))
            session.commit()

    def listing(self, *, limit: int = 100, status: str | None = None) -> list[Outbound]:
        """The newest rows first, for `shuxiang outbox list`."""
        with self._factory() as session:
            query = select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(limit)
            if status is not None:
                query = query.where(OutboundMessage.status == status)
            return [_outbound(r) for r in session.scalars(query)]

    def counts(self) -> dict[str, int]:
        """How many rows per status."""
        with self._factory() as session:
            rows = session.execute(select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status))
            return {status: n for status, n in rows}

    def history(self, channel: str, user_id: str, limit: int = 50) -> list[Outbound]:
        """The newest messages for one user on one channel, oldest first (the simulator's inbox)."""
        with self._factory() as session:
            rows = session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.channel == channel, OutboundMessage.user_id == user_id)
                .order_by(OutboundMessage.id.desc()).limit(limit)
            ).all()
            return [_outbound(r) for r in reversed(rows)]


import core.notices.models  # noqa: E402,F401  (registers the notice tables next to the outbox for Alembic)
