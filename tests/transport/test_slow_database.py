"""A slow or locked database: the holding reply still comes within the deadline, the answer later, never a 5xx.

The locks are real: on SQLite another connection holds the write lock (BEGIN IMMEDIATE), as an
import or a desk batch does; on PostgreSQL another session holds a lock the request needs.
"""
from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import create_engine, event, select, text, update

from bot.dbwork import run_db
from bot.dispatch import HOLDING_TEXT
from bot.messages import IncomingMessage, Reply
from core.db import pool_size
from core.library import Library
from core.models import InstallFact
from core.replay import NonceStore
from tests.transport.conftest import AppFactory, CountingResponder
from tests.transport.fake_wechat_api import FakeWeChatAPI
from tests.transport.wechat_client import WeChatTestClient, text_fields

FakeAPI = tuple[FakeWeChatAPI, str]
DEADLINE = 1.0
IN_TIME = DEADLINE + 1.0  # the reply's own round trip on a loaded machine; WeChat waits 5 s


@contextmanager
def claims_locked(library: Library) -> Iterator[None]:
    """Every run-once claim waits: SQLite's write lock, or PostgreSQL's lock on the keys table."""
    url = library.engine.url
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO install_facts (key, value) VALUES ('import', 'running')")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = create_engine(url)  # another session
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE idempotency_keys IN EXCLUSIVE MODE"))  # blocks inserts, not reads
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def short_busy_timeout(library: Library, ms: int) -> None:
    """SQLite gives up on a lock after `ms` (the server's default is 30 s): the test's 35-second write."""
    if library.engine.url.get_backend_name() != "sqlite":
        return
    event.listen(library.engine, "connect", lambda conn, _: conn.execute(f"PRAGMA busy_timeout={ms}"))
    library.engine.dispose()  # pooled connections were made with the old timeout


async def test_a_claim_stuck_behind_a_long_write_gets_the_holding_reply_in_time_then_the_answer(
        make_client: AppFactory, library: Library, fake_api: FakeAPI) -> None:
    api, _ = fake_api
    short_busy_timeout(library, 300)  # the claim fails several times ("database is locked") before the lock ends
    responder = CountingResponder()
    wechat = WeChatTestClient(await make_client(library, responder, deadline=DEADLINE), mode="aes")
    fields = text_fields("o-slow-db", "续借全部", msg_id=920001)
    with claims_locked(library):
        started = time.perf_counter()
        first = await wechat.send(fields)
        assert time.perf_counter() - started < IN_TIME
        retry = await wechat.send(fields)  # WeChat's retry meanwhile: no 5xx, nothing runs twice
        await asyncio.sleep(1.0)
    assert (first.status, first.text) == (200, HOLDING_TEXT)
    assert (retry.status, retry.text) == (200, HOLDING_TEXT)
    sent = await api.wait_for_message(timeout=10)
    assert sent["touser"] == "o-slow-db" and sent["text"] == {"content": "收到：续借全部"}
    assert len(responder.calls) == 1


class BlockedActions(CountingResponder):
    """Actions write one row (they wait on the lock as a renewal would); 我的借阅 is answered from
    memory; 查 reads the database (a read does not wait on the lock)."""

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library

    def needs_run_once(self, message: IncomingMessage) -> bool:
        return message.text not in ("我的借阅", "查 草房子")

    def answer_now(self, message: IncomingMessage) -> Reply | None:
        return Reply("从内存：我的借阅") if message.text == "我的借阅" else None

    def _read(self) -> str:
        with self.library.read_uow() as uow:
            return str(uow.session.scalar(select(InstallFact.key).where(InstallFact.key == "probe")))

    def _write(self) -> None:
        with self.library.uow() as uow:
            uow.session.execute(update(InstallFact).where(InstallFact.key == "probe").values(value="written"))
            uow.commit()

    async def respond(self, message: IncomingMessage) -> Reply:
        if message.text == "查 草房子":
            return Reply(f"读到：{await run_db(self._read)}")
        self.calls.append(message)
        await run_db(self._write)
        return Reply(f"收到：{message.text}")


@contextmanager
def row_locked(library: Library) -> Iterator[None]:
    """The row every action writes is locked by another session (SQLite: the whole database is)."""
    with library.uow() as uow:
        uow.session.add(InstallFact(key="probe", value=""))
        uow.commit()
    if library.engine.url.get_backend_name() == "sqlite":
        with claims_locked(library):
            yield
        return
    engine = create_engine(library.engine.url)  # another session
    with engine.connect() as conn:
        conn.execute(text("SELECT value FROM install_facts WHERE key = 'probe' FOR UPDATE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


async def test_actions_blocked_on_a_lock_do_not_hold_up_other_users_replies(  # queries, holding replies, health
        make_client: AppFactory, library: Library, fake_api: FakeAPI) -> None:
    api, _ = fake_api
    responder = BlockedActions(library)
    client = await make_client(library, responder, deadline=DEADLINE)
    wechat = WeChatTestClient(client)
    blocked = pool_size(library.engine) + 4  # more than the database threads (and asyncio's 6 default ones)
    with row_locked(library):
        stuck = [asyncio.create_task(wechat.send_text(f"o-{i}", f"续借第{i}本")) for i in range(blocked)]
        for answer in await asyncio.gather(*stuck):
            assert (answer.status, answer.text) == (200, HOLDING_TEXT)
        started = time.perf_counter()
        query, search, action = await asyncio.gather(wechat.send_text("o-other", "我的借阅"),
                                                     wechat.send_text("o-reader", "查 草房子"),
                                                     wechat.send_text("o-another", "续借全部"))
        took = time.perf_counter() - started
        health = await client.get("/healthz")
    assert query.text == "从内存：我的借阅" and search.text == "读到：probe" and action.text == HOLDING_TEXT
    assert took < IN_TIME
    assert health.status == 200
    for _ in range(blocked + 1):  # once the lock ends, every action's answer is pushed, once
        await api.wait_for_message(timeout=15)
    assert sorted(m["touser"] for m in api.sent) == sorted([f"o-{i}" for i in range(blocked)] + ["o-another"])
    assert len(responder.calls) == blocked + 1




@contextmanager
def nonces_locked(library: Library) -> Iterator[None]:
    """Every nonce write waits: the side file's write lock on SQLite, a table lock on PostgreSQL."""
    store = NonceStore(library.session_factory, library.clock, timedelta(minutes=5))
    url = store.engine.url
    store.close()
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE callback_nonces IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


async def test_a_nonce_write_stuck_behind_a_lock_gets_the_holding_reply_then_runs_once(
        make_client: AppFactory, library: Library, fake_api: FakeAPI) -> None:
    api, _ = fake_api
    responder = CountingResponder()
    wechat = WeChatTestClient(await make_client(library, responder, deadline=DEADLINE), mode="aes")
    with nonces_locked(library):
        started = time.perf_counter()
        first = await wechat.send(text_fields("o-nonce-slow", "续借全部", msg_id=920101))
        assert time.perf_counter() - started < IN_TIME
        assert responder.calls == []  # not run before the nonce is known to be new
    assert (first.status, first.text) == (200, HOLDING_TEXT)
    sent = await api.wait_for_message(timeout=10)
    assert sent["touser"] == "o-nonce-slow" and sent["text"] == {"content": "收到：续借全部"}
    assert len(responder.calls) == 1


async def test_a_replay_caught_only_after_the_deadline_never_runs(
        make_client: AppFactory, library: Library, fake_api: FakeAPI) -> None:
    responder = CountingResponder()
    wechat = WeChatTestClient(await make_client(library, responder, deadline=DEADLINE), mode="aes")
    q, body = wechat.build(text_fields("o-replayed", "续借全部", msg_id=920102), "aes")
    assert (await wechat.post(q, body)).status == 200
    assert len(responder.calls) == 1
    with nonces_locked(library):
        replay = await wechat.post(q, body)  # the same signed request again, while the verdict waits
        assert (replay.status, replay.text) == (200, HOLDING_TEXT)
    await asyncio.sleep(1.5)  # the nonce write goes through and finds the nonce used
    assert len(responder.calls) == 1
    assert (await wechat.post(q, body)).status == 403  # once known, a replay is refused at once
