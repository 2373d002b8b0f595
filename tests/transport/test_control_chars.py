"""Texts with characters XML 1.0 forbids (a bell, a vertical tab) are answered, not refused with 400."""
from __future__ import annotations

import pytest

from bot.wxml import parse_xml, strip_forbidden
from tests.transport.conftest import CountingResponder
from tests.transport.wechat_client import WeChatTestClient, WeComTestClient

TEXTS = [("续借\x07第1本", "续借第1本"), ("查\x0b草房子\x0c", "查草房子"), ("我的\x00借阅\x1f", "我的借阅"),
         ("三体\ufffe\uffff", "三体"), ("第一行\r\n第二行\t完", "第一行\n第二行\t完")]


@pytest.mark.parametrize("mode", ["raw", "compat", "aes"])
@pytest.mark.parametrize(("sent", "read"), TEXTS)
async def test_wechat_texts_with_control_characters_get_a_normal_answer(
        wechat: WeChatTestClient, responder: CountingResponder, mode: str, sent: str, read: str) -> None:
    answer = await wechat.send_text("o-1", sent, mode=mode)
    assert answer.status == 200 and answer.text == f"收到：{read}"
    assert [m.text for m in responder.calls] == [read]


async def test_wecom_texts_with_control_characters_get_a_normal_answer(wecom: WeComTestClient,
                                                                        responder: CountingResponder) -> None:
    answer = await wecom.send_text("u-1", "续借\x07第\x0b2本")
    assert answer.status == 200 and answer.text == "收到：续借第2本"


def test_fast_path_and_full_parser_strip_the_same_characters() -> None:
    flat = parse_xml(b"<xml><Content><![CDATA[a\x07b]]></Content></xml>")
    nested = parse_xml(b"<xml><Content>a\x07b</Content><X><Y>1</Y></X></xml>")  # not flat: xmltodict
    assert flat["Content"] == nested["Content"] == "ab"
    assert strip_forbidden("\ud800x\udfff") == "x"
    plain = "普通的文字\t\n"
    assert strip_forbidden(plain) is plain
