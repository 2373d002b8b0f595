"""The flat-XML fast path gives exactly what xmltodict gives, or steps aside."""
from __future__ import annotations

import pytest
import xmltodict

from bot.wxml import BadRequest, _parse_flat, parse_xml

MESSAGE = ("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o-1]]></FromUserName>"
           "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           "<Content><![CDATA[ 我的借阅 <b>&amp; ]]></Content><MsgId>7000000000000000001</MsgId></xml>")
FLAT = [
    MESSAGE,
    "<?xml version='1.0' encoding='utf-8'?>\n<xml>\n  <Encrypt><![CDATA[abc+/=]]></Encrypt>\n</xml>\n",
    "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[QUJD]]></Encrypt></xml>",
    "<xml><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey><Empty></Empty></xml>",
    "<xml><Content>plain text > with a gt</Content><Recognition><![CDATA[  ]]></Recognition></xml>",
]
NOT_FLAT = [
    "<xml><A>1</A><A>2</A></xml>",  # repeated names: xmltodict makes a list
    "<xml><A><B>1</B></A></xml>",  # nested
    "<xml><A x='1'>1</A></xml>",  # attribute
    "<xml><A>&amp;</A></xml>",  # entity
    "<xml><A><![CDATA[a]]]]><![CDATA[>b]]></A></xml>",  # split CDATA
    "<xml><!-- c --><A>1</A></xml>",  # comment
    "<xml><A>1\r\n2</A></xml>",  # line ends the parser normalises
    "<xml></xml>",
    "<xml><A>1</A></xml><xml><B>2</B></xml>",
    "<notxml><A>1</A></notxml>",
    "<xml><A>a]]>b</A></xml>",
]


@pytest.mark.parametrize("text", FLAT)
def test_flat_shapes_match_xmltodict(text: str) -> None:
    fast = _parse_flat(text)
    assert fast is not None
    assert fast == xmltodict.parse(text, disable_entities=True)["xml"]
    assert parse_xml(text.encode()) == fast


@pytest.mark.parametrize("text", NOT_FLAT)
def test_anything_else_goes_to_the_full_parser(text: str) -> None:
    assert _parse_flat(text) is None


@pytest.mark.parametrize("text", NOT_FLAT)
def test_the_full_parser_still_decides(text: str) -> None:
    try:
        expected: object = xmltodict.parse(text, disable_entities=True).get("xml")
    except Exception:
        expected = BadRequest
    try:
        got: object = parse_xml(text.encode())
    except BadRequest:
        got = BadRequest
    if expected is not BadRequest and not isinstance(expected, dict):
        expected = BadRequest
    assert got == expected


def test_doctype_is_still_refused_before_any_parsing() -> None:
    with pytest.raises(BadRequest):
        parse_xml(b"<!DOCTYPE x [<!ENTITY a 'b'>]><xml><A>1</A></xml>")
