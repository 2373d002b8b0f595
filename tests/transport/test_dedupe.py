"""WeChat's retries run the responder once: sequentially, concurrently, across app instances."""
from __future__ import annotations

import asyncio
import time

from bot.dedupe import dedupe_key
from bot.messages import IncomingMessage
from core.clock import FixedClock
from core.library import Library
from tests.transport.conftest import AppFactory, CountingResponder
from tests.transport.wechat_client import WeChatTestClient, text_fields


async def test_a_retried_msgid_runs_once_and_gets_the_first_answer(wechat: WeChatTestClient,
                                                                  responder: CountingResponder) -> None:
    fields = text_fields("o-1", "续借全部", msg_id=777001)
    first = await wechat.send(fields)
    for mode in ("raw", "aes", "compat"):  # a retry is the same message whatever the envelope
        again = await wechat.send(fields, mode)
        assert again.text == first.text
    assert len(responder.calls) == 1


async def test_four_concurrent_copies_run_once_and_all_get_the_answer(make_client: AppFactory, library: Library) -> None:
    gate = asyncio.Event()
    responder = CountingResponder(gate)
    wechat = WeChatTestClient(await make_client(library, responder), mode="aes")
    fields = text_fields("o-1", "预约 三体", msg_id=777002)
    posts = [asyncio.create_task(wechat.send(fields)) for _ in range(4)]
    await asyncio.wait_for(responder.started.wait(), 5)
    await asyncio.sleep(0.1)  # let the three copies reach the database and start waiting
    gate.set()
    answers = await asyncio.gather(*posts)
    assert len(responder.calls) == 1
    assert [a.text for a in answers] == ["收到：预约 三体"] * 4


async def test_gathered_identical_posts_run_the_responder_once(wechat: WeChatTestClient,
                                                               responder: CountingResponder) -> None:
    fields = text_fields("o-2", "绑定 T0001 张老师 123456", msg_id=777003)
    answers = await asyncio.gather(*(wechat.send(fields) for _ in range(4)))
    assert len(responder.calls) == 1
    assert {a.status for a in answers} == {200}
    assert [a.text for a in answers] == ["收到：绑定 T0001 张老师 123456"] * 4


async def test_different_msgids_from_one_user_both_run(wechat: WeChatTestClient, responder: CountingResponder) -> None:
    await wechat.send_text("o-1", "我的借阅", msg_id=1)
    await wechat.send_text("o-1", "我的借阅", msg_id=2)
    assert len(responder.calls) == 2


async def test_event_retries_dedupe_on_user_time_event_and_key(wechat: WeChatTestClient,
                                                                responder: CountingResponder) -> None:
    t = int(time.time())
    await wechat.send_event("o-1", "CLICK", "MY_LOANS", create_time=t)
    await wechat.send_event("o-1", "CLICK", "MY_LOANS", create_time=t, mode="aes")
    assert len(responder.calls) == 1
    await wechat.send_event("o-1", "CLICK", "RENEW", create_time=t)  # another button, same second
    await wechat.send_event("o-2", "CLICK", "MY_LOANS", create_time=t)  # another user
    assert len(responder.calls) == 3


async def test_two_server_instances_on_one_database_run_a_message_once(
        make_client: AppFactory, db_url: str, clock: FixedClock) -> None:
    lib_a = Library.open(db_url, clock=clock, migrate=False)
    lib_b = Library.open(db_url, clock=clock, migrate=False)
    a, b = CountingResponder(), CountingResponder()
    app_a, app_b = await make_client(lib_a, a), await make_client(lib_b, b)
    try:
        client_a, client_b = WeChatTestClient(app_a), WeChatTestClient(app_b, mode="aes")
        fields = text_fields("o-1", "续借第1本", msg_id=777004)
        first = await client_a.send(fields)
        retry = await client_b.send(fields)
        assert retry.text == first.text == "收到：续借第1本"
        both = text_fields("o-1", "续借第2本", msg_id=777005)
        await asyncio.gather(client_a.send(both), client_b.send(both), client_a.send(both), client_b.send(both))
        assert len(a.calls) + len(b.calls) == 2
    finally:
        await app_a.close()
        await app_b.close()
        lib_a.close()
        lib_b.close()


def test_very_long_event_keys_give_bounded_distinct_keys() -> None:
    def click(key: str) -> IncomingMessage:
        return IncomingMessage(channel="wechat", user_id="o" * 28, kind="event", event="view", event_key=key,
                               create_time=1)
    k1, k2 = dedupe_key(click("https://x/" + "a" * 300)), dedupe_key(click("https://x/" + "b" * 300))
    assert len(k1) <= 200 and k1 != k2
