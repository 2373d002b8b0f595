"""Messages without side effects skip the run-once claim; actions keep it (`Responder.needs_run_once`)."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.dispatch import HOLDING_TEXT
from bot.keys import DISPATCHER
from bot.messages import IncomingMessage
from core.library import Library
from core.messaging import PENDING, IdempotencyStore, Outcome
from core.models import IdempotencyKey
from tests.transport.conftest import AppFactory, CountingResponder, wait_for_outbound
from tests.transport.fake_wechat_api import FakeWeChatAPI
from tests.transport.wechat_client import WeChatTestClient, text_fields

ACTIONS = ("续借", "预约", "绑定")


class ReadOnlyAware(CountingResponder):
    """Says which texts are actions, like the router does from the parsed intent."""

    def needs_run_once(self, message: IncomingMessage) -> bool:
        return message.kind != "text" or message.text.startswith(ACTIONS)


class BrokenHook(CountingResponder):
    def needs_run_once(self, message: IncomingMessage) -> bool:
        raise RuntimeError("parser not ready")


def _keys(library: Library) -> int:
    with library.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(IdempotencyKey)) or 0)


async def test_a_retried_read_only_message_is_answered_without_a_claim_but_a_retried_renew_runs_once(
        make_client: AppFactory, library: Library) -> None:
    responder = ReadOnlyAware()
    wechat = WeChatTestClient(await make_client(library, responder), mode="aes")
    loans = text_fields("o-1", "我的借阅", msg_id=990001)
    assert [(await wechat.send(loans)).text for _ in range(3)] == ["收到：我的借阅"] * 3
    assert len(responder.calls) == 3  # ran again for each retry: harmless, WeChat shows one reply
    assert _keys(library) == 0  # and no database write at all

    renew = text_fields("o-1", "续借第1本", msg_id=990002)
    answers = await asyncio.gather(*(wechat.send(renew) for _ in range(4)))
    assert [a.text for a in answers] == ["收到：续借第1本"] * 4
    assert [m.text for m in responder.calls].count("续借第1本") == 1
    assert _keys(library) == 1


async def test_a_hook_that_fails_means_claim_first(make_client: AppFactory, library: Library) -> None:
    responder = BrokenHook()
    wechat = WeChatTestClient(await make_client(library, responder))
    fields = text_fields("o-1", "我的借阅", msg_id=990003)
    await wechat.send(fields)
    await wechat.send(fields)
    assert len(responder.calls) == 1


async def test_a_slow_read_only_answer_is_pushed_once_and_retries_get_the_holding_text(
        make_client: AppFactory, library: Library, fake_api: tuple[FakeWeChatAPI, str]) -> None:
    api, _ = fake_api
    gate = asyncio.Event()
    responder = ReadOnlyAware(gate)
    wechat = WeChatTestClient(await make_client(library, responder, deadline=0.3), mode="aes")
    fields = text_fields("o-slow", "我的借阅", msg_id=990004)
    fields["CreateTime"] = int(library.now().timestamp()) - 6  # the retry comes after 5 s (fixed clock)
    assert (await wechat.send(fields)).text == HOLDING_TEXT  # missed the deadline: it took the key
    retry = asyncio.create_task(wechat.send(fields))  # WeChat retries: runs again, finds the key taken
    await asyncio.sleep(0.1)
    gate.set()
    assert (await retry).text == HOLDING_TEXT  # not a second answer: the first copy pushes it
    sent = await api.wait_for_message()
    assert sent["text"] == {"content": "收到：我的借阅"}
    row = await wait_for_outbound(library, lambda r: r.sent_at is not None)
    assert row.kind == "reply"
    await asyncio.sleep(0.2)
    assert len(api.sent) == 1  # pushed once


async def test_a_read_only_copy_answered_by_an_earlier_copy_repeats_that_answer(
        make_client: AppFactory, library: Library) -> None:
    responder = ReadOnlyAware()
    wechat = WeChatTestClient(await make_client(library, responder))
    fields = text_fields("o-1", "我的借阅", msg_id=990005)
    fields["CreateTime"] = int(library.now().timestamp()) - 6  # WeChat retries a message after 5 s
    # An earlier copy (say in another process) missed its deadline, took the key and stored its answer.
    store = IdempotencyStore(library.session_factory, library.clock)
    key = "wechat:m:990005"
    claim = store.claim(key)
    assert claim is not None
    assert store.finish(claim, {"state": "done", "text": "更早的答案"}) is Outcome.STORED
    assert (await wechat.send(fields)).text == "更早的答案"


async def test_a_fresh_read_only_message_looks_up_no_key_an_older_one_does(
        make_client: AppFactory, library: Library) -> None:
    # No copy can miss a 4-second deadline within the message's first 3 seconds (1 s for clock skew):
    # a fresh query is answered without reading its run-once key; a 5-second-old copy is checked.
    client = await make_client(library, ReadOnlyAware(), deadline=4.0)
    keys = client.app[DISPATCHER]._keys
    looked_up: list[str] = []
    peek = keys.peek

    async def counting_peek(key: str) -> object:
        looked_up.append(key)
        return await peek(key)
    keys.peek = counting_peek  # type: ignore[method-assign]
    wechat = WeChatTestClient(client)
    now = int(library.now().timestamp())
    for msg_id, age in ((990006, 0), (990007, 2), (990008, 5)):
        fields = text_fields("o-1", "我的借阅", msg_id=msg_id)
        fields["CreateTime"] = now - age
        assert (await wechat.send(fields)).text == "收到：我的借阅"
    assert looked_up == ["wechat:m:990008"]


async def test_results_reads_many_keys_in_one_query(library: Library) -> None:
    store = IdempotencyStore(library.session_factory, library.clock)
    k1, k2 = store.claim("k1"), store.claim("k2")
    assert k1 is not None and k2 is not None
    store.finish(k1, {"state": "done", "text": "a"})
    assert store.results(["k1", "k2", "k3", "k1"]) == {"k1": {"state": "done", "text": "a"}, "k2": PENDING}
    assert store.results([]) == {}

