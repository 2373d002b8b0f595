"""A server that dies between claiming a renewal and answering it: WeChat's retry still gets it done, once.

Each test sends 续借 through the real /wechat endpoint (signed, encrypted XML) to one app and
"kills" that app at one point of the request: after the claim, inside the action before COMMIT,
after COMMIT before the answer is stored. The kill is an exception no handler catches (`Crash`
derives from BaseException): the request's open transaction rolls back and nothing after the
point runs, as with kill -9. A second app on the same database then gets WeChat's retry once the
dead holder's lease has run out. On SQLite and PostgreSQL.
"""
from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dispatch import ALREADY_DONE_TEXT, HOLDING_TEXT
from bot.keys import DISPATCHER
from bot.nlp import Parser
from bot.router import Router
from core import accounts
from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.library import Library
from core.messaging import KEY_LEASE, Claim, OutboundMessage
from core.models import Loan, ReaderType, Renewal
from core.search import CatalogueSearch
from tests.factories import add_reader, add_title
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401  (fixtures)
from tests.transport.wechat_client import WeChatTestClient, text_fields

OPENID = "wx-crash"


Crasher = Callable[[TestClient, pytest.MonkeyPatch], None]


class Crash(BaseException):
    """The process died here: no `except Exception` runs, the open transaction is rolled back."""


@pytest.fixture
def teacher(router: Router, library: Library) -> None:
    """张静 (T0001), bound to OPENID, with one loan of 草房子 that may be renewed once."""
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    _, copies = add_title(library, "草房子", copies=1)
    checkout(library, CheckoutItem(card, copies[0]))
    accounts.bind(library, OPENID, "T0001", "张静", accounts.issue_code(library, "T0001"))


def _renewals(library: Library) -> tuple[int, int]:
    with library.uow() as uow:
        count = uow.session.scalar(select(Loan.renewal_count))
        rows = uow.session.scalar(select(func.count()).select_from(Renewal))
    return int(count or 0), int(rows or 0)


async def _app(make_client: AppFactory, library: Library, parser: Parser,  # noqa: F811
               deadline: float = 4.0) -> TestClient:
    router = Router(library, parser, CatalogueSearch(library.session_factory, background=False, recheck_seconds=0))
    return await make_client(library, router, deadline=deadline)


def _crash_after_claim(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = client.app[DISPATCHER]._keys
    real = keys.claim

    async def claim(key: str) -> Any:
        await real(key)
        raise Crash
    monkeypatch.setattr(keys, "claim", claim)


def _crash_before_commit(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # The renewal's own COMMIT never happens (whatever the request wrote in that transaction is lost).
    real, armed = Session.commit, [True]

    def commit(session: Session) -> None:
        if armed and session.scalar(select(func.count()).select_from(Renewal)):  # this transaction renewed
            armed.clear()  # one death; the retry's renewal commits
            raise Crash
        real(session)
    monkeypatch.setattr(Session, "commit", commit)


def _crash_after_commit(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = client.app[DISPATCHER]._keys

    async def finish(*args: Any) -> Any:
        raise Crash
    monkeypatch.setattr(keys, "finish", finish)


async def _send_and_die(wechat: WeChatTestClient, fields: dict[str, Any]) -> None:
    with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
        answer = await asyncio.wait_for(wechat.send(fields), 10)
        assert answer.status != 200 or answer.text is None, answer  # the dead server answered nothing


@pytest.mark.parametrize(("crash", "ran_before_crash"), [
    (_crash_after_claim, False), (_crash_before_commit, False), (_crash_after_commit, True)],
    ids=["after-claim", "before-commit", "after-commit"])
async def test_a_retry_after_the_holder_died_renews_exactly_once_and_answers(
        make_client: AppFactory, library: Library, parser: Parser, clock: FixedClock, teacher: None,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, crash: Crasher, ran_before_crash: bool) -> None:
    dying = await _app(make_client, library, parser)
    crash(dying, monkeypatch)
    fields = text_fields(OPENID, "续借 草房子", msg_id=610001)
    await _send_and_die(WeChatTestClient(dying, mode="aes"), fields)
    assert _renewals(library) == ((1, 1) if ran_before_crash else (0, 0))

    survivor = WeChatTestClient(await _app(make_client, library, parser), mode="aes")
    clock.advance(seconds=KEY_LEASE.total_seconds() + 2)  # WeChat's retry, after the dead holder's lease
    retry = await survivor.send(fields)
    assert retry.status == 200
    if ran_before_crash:  # committed with the key's mark: answered, not run again
        assert retry.text == ALREADY_DONE_TEXT
    else:
        assert "已续借" in (retry.text or ""), retry
    assert _renewals(library) == (1, 1)
    again = await survivor.send(fields)  # a later retry repeats the stored answer
    assert again.text == retry.text
    assert _renewals(library) == (1, 1)


async def test_a_retry_within_the_lease_does_not_take_over(
        make_client: AppFactory, library: Library, parser: Parser, clock: FixedClock, teacher: None,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    dying = await _app(make_client, library, parser)
    _crash_after_claim(dying, monkeypatch)
    fields = text_fields(OPENID, "续借 草房子", msg_id=610002)
    await _send_and_die(WeChatTestClient(dying, mode="aes"), fields)
    survivor = WeChatTestClient(await _app(make_client, library, parser, deadline=0.5), mode="aes")
    clock.advance(seconds=KEY_LEASE.total_seconds() - 2)  # the holder might still be working
    assert (await survivor.send(fields)).text is None  # `success`: the holder answers
    assert _renewals(library) == (0, 0)


async def test_a_slow_holder_that_lost_its_lease_cannot_commit_after_the_takeover(
        make_client: AppFactory, library: Library, parser: Parser, clock: FixedClock, teacher: None) -> None:  # noqa: F811
    # Alive but stalled before its renewal past its lease, with its lease renewals failing too: the
    # copy that takes over renews; the stalled holder's COMMIT is then refused and it pushes nothing.
    router = Router(library, parser, CatalogueSearch(library.session_factory, background=False, recheck_seconds=0))
    real, inside, release = router.handle, threading.Event(), threading.Event()

    def stalled(message: Any) -> str:
        inside.set()
        release.wait(10)
        return real(message)
    router.handle = stalled  # type: ignore[method-assign]
    slow = await make_client(library, router, deadline=0.2)

    async def renew(claim: Claim) -> bool:
        raise RuntimeError("the lease renewal is stuck too")
    slow.app[DISPATCHER]._keys.renew = renew  # type: ignore[method-assign]
    fields = text_fields(OPENID, "续借 草房子", msg_id=610003)
    assert (await WeChatTestClient(slow, mode="aes").send(fields)).text == HOLDING_TEXT
    assert await asyncio.to_thread(inside.wait, 5)
    survivor = WeChatTestClient(await _app(make_client, library, parser), mode="aes")
    clock.advance(seconds=KEY_LEASE.total_seconds() + 2)
    retry = await survivor.send(fields)
    assert "已续借" in (retry.text or "")
    release.set()
    await slow.app[DISPATCHER].drain()
    assert _renewals(library) == (1, 1)
    with library.uow() as uow:  # the stalled copy's answer (an apology) is not pushed
        assert [(r.key, r.text) for r in uow.session.scalars(select(OutboundMessage))] == []
