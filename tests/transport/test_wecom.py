"""The WeCom app callback end to end: encrypted in, encrypted out, retries run once."""
from __future__ import annotations

from tests.transport.conftest import CountingResponder
from tests.transport.wechat_client import WeComTestClient


async def test_wecom_text_is_decrypted_and_answered_encrypted(wecom: WeComTestClient,
                                                               responder: CountingResponder) -> None:
    answer = await wecom.send_text("zhangsan", "我的借阅")
    assert answer.status == 200 and answer.encrypted and answer.text == "收到：我的借阅"
    assert (responder.calls[0].channel, responder.calls[0].user_id) == ("wecom", "zhangsan")


async def test_wecom_retry_runs_once(wecom: WeComTestClient, responder: CountingResponder) -> None:
    first = await wecom.send_text("zhangsan", "续借", msg_id=4242)
    again = await wecom.send_text("zhangsan", "续借", msg_id=4242)
    assert first.text == again.text and len(responder.calls) == 1
