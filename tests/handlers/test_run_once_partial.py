# ruff: noqa: F811  (pytest fixtures imported from tests/transport/conftest.py)
"""Review finding: an action that commits more than once (全部续借 renews each loan in its own
transaction, bot/handlers/renew.py _renew_each) and whose holder dies between two commits is
answered "已经办好了" (before the fix) by the retry that takes its key over, and the remaining loans are never renewed.

The key's "acting" mark (core.messaging IdempotencyStore.fence) is set by the FIRST commit, so a
takeover (`claim.acted`) cannot tell "all done" from "one of three done". Same crash model as
tests/handlers/test_run_once_crash.py: the death is a BaseException in the second COMMIT (that
transaction rolls back, nothing after it runs), and WeChat's retry reaches a second app once the
dead holder's lease has run out.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dispatch import ALREADY_DONE_TEXT
from bot.nlp import Parser
from bot.router import Router
from core import accounts
from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.library import Library
from core.messaging import KEY_LEASE
from core.models import ReaderType, Renewal
from core.search import CatalogueSearch
from tests.factories import add_reader, add_title
from tests.transport.conftest import AppFactory, fake_api, make_client, settings  # noqa: F401  (fixtures)
from tests.transport.wechat_client import WeChatTestClient, text_fields

OPENID = "wx-partial"


class Crash(BaseException):
    """The process died here: no `except Exception` runs, the open transaction is rolled back."""


def _renewal_rows(library: Library) -> int:
    with library.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Renewal)) or 0)


async def _app(make_client: AppFactory, library: Library, parser: Parser) -> Any:
    router = Router(library, parser, CatalogueSearch(library.session_factory, background=False, recheck_seconds=0))
    return await make_client(library, router)


async def test_a_retry_after_a_death_between_two_renewals_does_not_claim_all_were_done(
        make_client: AppFactory, library: Library, parser: Parser, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, card = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    for title in ("草房子", "城南旧事"):
        _, copies = add_title(library, title, copies=1)
        checkout(library, CheckoutItem(card, copies[0]))
    accounts.bind(library, OPENID, "T0001", "张静", accounts.issue_code(library, "T0001"))

    dying = await _app(make_client, library, parser)
    real, armed = Session.commit, [True]

    def commit(session: Session) -> None:
        # Dies in the COMMIT of the second loan's renewal: the first one is committed (with the mark).
        if armed and session.scalar(select(func.count()).select_from(Renewal)) == 2:
            armed.clear()
            raise Crash
        real(session)
    monkeypatch.setattr(Session, "commit", commit)
    fields = text_fields(OPENID, "全部续借", msg_id=620001)
    with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
        await asyncio.wait_for(WeChatTestClient(dying, mode="aes").send(fields), 10)
    assert _renewal_rows(library) == 1  # the precondition: one loan renewed, then the death

    survivor = WeChatTestClient(await _app(make_client, library, parser), mode="aes")
    clock.advance(seconds=KEY_LEASE.total_seconds() + 2)  # WeChat's retry, after the dead holder's lease
    retry = await survivor.send(fields)
    assert retry.status == 200
    # Either the retry finishes the work, or it must not tell the reader it was all done: it says
    # how to check instead. It never renews a loan twice.
    assert _renewal_rows(library) in (1, 2)
    assert _renewal_rows(library) == 2 or ("办好了～" not in retry.text and "我的借阅" in retry.text), (
        f"retry said {retry.text!r} with {_renewal_rows(library)} of 2 loans renewed")
    assert retry.text == ALREADY_DONE_TEXT
