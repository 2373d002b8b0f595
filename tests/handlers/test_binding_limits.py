"""Binding limits through /wechat: a guesser is stopped, the card's owner is not locked out."""
from __future__ import annotations

import pytest

from core import accounts
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from tests.factories import add_reader
from tests.handlers.conftest import Say

LIMITED = "尝试次数太多"


@pytest.mark.parametrize(("card", "name", "kind", "parent"), [
    ("T0001", "张静", ReaderType.TEACHER, False), ("S30201", "陈思雨", ReaderType.STUDENT, True)])
async def test_a_strangers_wrong_guesses_do_not_lock_the_owner_out(
        library: Library, say: Say, card: str, name: str, kind: ReaderType, parent: bool) -> None:
    add_reader(library, name, kind, card_no=card, class_name="三年级2班" if parent else None)
    code = accounts.issue_code(library, card, for_guardian=parent, code="424242")
    wrong = [await say("wx-guesser", f"绑定 {card} {name} {n:06d}") for n in range(5)]
    assert all("不对" in w for w in wrong)
    # The guesser is over its own limit: refused even with the right code, and that try costs the card nothing.
    assert LIMITED in await say("wx-guesser", f"绑定 {card} {name} {code}")
    assert LIMITED in await say("wx-guesser", f"绑定 {card} {name} 000099")
    assert "绑定成功" in await say("wx-owner", f"绑定 {card} {name} {code}")
    assert "还没有绑定" in await say("wx-guesser", "我的借阅")


async def test_a_guesser_may_try_again_an_hour_after_its_fifth_failure(library: Library, say: Say,
                                                                        clock: FixedClock) -> None:
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    code = accounts.issue_code(library, "T0001", code="424242")
    for n in range(5):
        await say("wx-typo", f"绑定 T0001 张静 {n:06d}")
        clock.advance(minutes=5)
    assert LIMITED in await say("wx-typo", f"绑定 T0001 张静 {code}")
    clock.advance(minutes=40)  # the first failure is now over an hour old: one more try is allowed
    assert "绑定成功" in await say("wx-typo", f"绑定 T0001 张静 {code}")


async def test_many_strangers_lock_a_card_until_the_library_issues_a_new_code(
        library: Library, say: Say, clock: FixedClock) -> None:
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    old = accounts.issue_code(library, "T0001", code="424242")
    clock.advance(minutes=1)
    for n in range(accounts.CARD_LOCK_USERS):
        assert "不对" in await say(f"wx-s{n}", f"绑定 T0001 张静 {n:06d}")
    # A distributed guess: the card now refuses new tries, even the right code from a new user.
    assert LIMITED in await say("wx-owner", f"绑定 T0001 张静 {old}")
    # The librarian hands the owner a new code: that ends the card's lock (the strangers stay limited by count).
    clock.advance(minutes=1)
    new = accounts.issue_code(library, "T0001", code="515151")
    clock.advance(minutes=1)
    assert "绑定成功" in await say("wx-owner", f"绑定 T0001 张静 {new}")


async def test_an_unknown_card_reads_like_a_wrong_code(library: Library, say: Say) -> None:
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.issue_code(library, "T0001", code="424242")
    wrong = await say("wx-x", "绑定 T0001 张静 000001")
    assert await say("wx-z", "绑定 T9999 张静 111111") == wrong
