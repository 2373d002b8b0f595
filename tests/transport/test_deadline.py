"""Past the reply deadline: a holding reply now, the full answer later as a customer-service message."""
from __future__ import annotations

import asyncio

from bot.dispatch import HOLDING_TEXT
from core.library import Library
from tests.transport.conftest import AppFactory, CountingResponder, wait_for_outbound
from tests.transport.fake_wechat_api import FakeWeChatAPI
from tests.transport.wechat_client import WeChatTestClient, WeComTestClient, text_fields

FakeAPI = tuple[FakeWeChatAPI, str]


async def test_slow_answer_gets_holding_reply_then_a_customer_service_push(
        make_client: AppFactory, library: Library, fake_api: FakeAPI) -> None:
    api, _ = fake_api
    gate = asyncio.Event()
    responder = CountingResponder(gate)  # holds its answer until the test releases it: no timing guesswork
    wechat = WeChatTestClient(await make_client(library, responder, deadline=0.3), mode="aes")
    fields = text_fields("o-slow", "续借全部", msg_id=888001)
    answer = await wechat.send(fields)
    assert answer.text == HOLDING_TEXT and answer.encrypted
    retry = await wechat.send(fields)  # WeChat retrying meanwhile gets the holding text, nothing runs again
    assert retry.text == HOLDING_TEXT
    gate.set()
    sent = await api.wait_for_message()
    assert sent == {"api": "custom", "touser": "o-slow", "msgtype": "text", "text": {"content": "收到：续借全部"}}
    assert len(responder.calls) == 1
    row = await wait_for_outbound(library, lambda r: r.sent_at is not None)
    assert (row.kind, row.channel, row.attempts) == ("reply", "wechat", 1)


async def test_expired_access_token_is_refreshed_once_and_the_push_still_arrives(
        make_client: AppFactory, library: Library, fake_api: FakeAPI) -> None:
    api, _ = fake_api
    api.fail_next = [42001]  # access_token expired on the first send
    gate = asyncio.Event()
    wechat = WeChatTestClient(await make_client(library, CountingResponder(gate), deadline=0.2))
    assert (await wechat.send_text("o-1", "我的借阅")).text == HOLDING_TEXT
    gate.set()
    assert (await api.wait_for_message())["touser"] == "o-1"
    assert api.tokens_issued == 2


async def test_a_user_past_the_48_hour_window_is_not_retried(make_client: AppFactory, library: Library,
                                                              fake_api: FakeAPI) -> None:
    api, _ = fake_api
    api.fail_next = [45015]  # response out of time limit
    gate = asyncio.Event()
    client = await make_client(library, CountingResponder(gate), deadline=0.2)
    wechat = WeChatTestClient(client)
    assert (await wechat.send_text("o-1", "我的借阅")).text == HOLDING_TEXT
    gate.set()
    row = await wait_for_outbound(library, lambda r: r.failed_at is not None)
    assert row.next_attempt_at is None
    assert "45015" in row.last_error and api.sent == []


async def test_system_busy_is_retried_with_backoff(make_client: AppFactory, library: Library, fake_api: FakeAPI,
                                                   clock) -> None:
    from bot.keys import PUMP
    api, _ = fake_api
    api.fail_next = [-1]
    gate = asyncio.Event()
    client = await make_client(library, CountingResponder(gate), deadline=0.2)
    assert (await WeChatTestClient(client).send_text("o-1", "我的借阅")).text == HOLDING_TEXT
    gate.set()
    row = await wait_for_outbound(library, lambda r: bool(r.last_error))
    assert row.sent_at is None and row.next_attempt_at is not None
    assert api.sent == []  # the busy answer delivered nothing
    clock.advance(seconds=6)  # past the first backoff step (5 s ± 10 %)
    # This round or the pump's own loop (it runs in the background too) sends it: once.
    await client.app[PUMP].run_once()
    sent = await api.wait_for_message(timeout=10)
    assert sent["touser"] == "o-1" and len(api.sent) == 1


async def test_wecom_late_answer_goes_through_the_app_message_api(make_client: AppFactory, library: Library,
                                                                  fake_api: FakeAPI) -> None:
    api, _ = fake_api
    gate = asyncio.Event()
    wecom = WeComTestClient(await make_client(library, CountingResponder(gate), deadline=0.2))
    assert (await wecom.send_text("zhangsan", "我的借阅")).text == HOLDING_TEXT
    gate.set()
    sent = await api.wait_for_message()
    assert sent["api"] == "wecom" and sent["touser"] == "zhangsan" and sent["agentid"] == 1000002


async def test_an_answer_just_inside_the_deadline_is_sent_in_the_reply(make_client: AppFactory,
                                                                      library: Library, fake_api: FakeAPI) -> None:
    api, _ = fake_api
    wechat = WeChatTestClient(await make_client(library, CountingResponder(), deadline=4.0))
    assert (await wechat.send_text("o-1", "我的借阅")).text == "收到：我的借阅"
    assert api.sent == []
