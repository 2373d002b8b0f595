"""Binding codes by message: the librarian for any card, a class teacher for their own class's parents."""
from __future__ import annotations

import re

import pytest

from bot.nlp import Parser
from core import accounts
from core.library import Library
from core.models import ReaderType
from tests.factories import add_reader
from tests.handlers.conftest import Say
from tests.handlers.helpers import make_class_teacher, make_librarian


def _school(library: Library) -> None:
    add_reader(library, "王芳", ReaderType.TEACHER, card_no="L0001")
    make_librarian(library, "L0001")
    add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0012")
    add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    add_reader(library, "陈思远", ReaderType.STUDENT, card_no="S10105", class_name="一年级1班")
    make_class_teacher(library, "T0002", "三年级2班")
    accounts.bind(library, "wx-lib", "L0001", "王芳", accounts.issue_code(library, "L0001"))
    accounts.bind(library, "wx-head", "T0002", "李红", accounts.issue_code(library, "T0002"))
    accounts.bind(library, "wx-t", "T0012", "张静", accounts.issue_code(library, "T0012"))


def _code(reply: str) -> str:
    match = re.search(r"验证码：(\d{6})", reply)
    assert match, reply
    return match.group(1)


@pytest.mark.parametrize(("text", "card", "parent"), [
    ("验证码 T0012", "T0012", False), ("发验证码 S30201 家长", "S30201", True),
    ("家长验证码 s30201", "S30201", True), ("验证码：S30201 给家长", "S30201", True)])
def test_code_requests_are_parsed_as_issue_code(parser: Parser, text: str, card: str, parent: bool) -> None:
    parse = parser.parse(text)
    assert (parse.intent, parse.slots) == ("issue_code", {"card_no": card, "for_parent": parent})


@pytest.mark.parametrize("text", ["绑定 T0001 张静 123456", "验证码是多少", "我没收到验证码 T0012 怎么办"])
def test_other_messages_about_codes_are_not_code_requests(parser: Parser, text: str) -> None:
    assert parser.parse(text).intent != "issue_code"


async def test_librarian_gets_a_code_that_binds_once(library: Library, say: Say) -> None:
    _school(library)
    reply = await say("wx-lib", "验证码 T0012")
    code = _code(reply)
    assert f"绑定 T0012 张静 {code}" in reply and "只能用一次" in reply
    assert "绑定成功" in await say("wx-new", f"绑定 T0012 张静 {code}")
    assert "不对" in await say("wx-other", f"绑定 T0012 张静 {code}")
    parent = await say("wx-lib", "发验证码 S10105 家长")
    assert "给陈思远的家长" in parent
    assert "绑定成功" in await say("wx-mum", f"绑定 S10105 陈思远 {_code(parent)}")
    assert "没有这张借阅证" in await say("wx-lib", "验证码 T9999")


async def test_class_teacher_issues_parent_codes_for_own_class_only(library: Library, say: Say) -> None:
    _school(library)
    own = await say("wx-head", "发验证码 S30201 家长")
    assert "给陈思雨的家长" in own
    other_class = await say("wx-head", "发验证码 S10105 家长")
    unknown = await say("wx-head", "发验证码 S99999 家长")
    assert "只能为本班学生的家长" in other_class and other_class == unknown  # no hint the card exists
    assert "陈思远" not in other_class
    assert "验证码 学生证号 家长" in await say("wx-head", "验证码 S30201")


async def test_everyone_else_is_refused(library: Library, say: Say) -> None:
    _school(library)
    for user in ("wx-t", "wx-stranger"):
        reply = await say(user, "发验证码 S30201 家长")
        assert "验证码：" not in reply and "陈思雨" not in reply
    assert "图书室老师或班主任" in await say("wx-t", "验证码 T0012")
