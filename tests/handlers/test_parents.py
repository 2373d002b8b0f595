"""A parent with two children chooses whose card a reservation goes on; numbering of loans is shared."""
from __future__ import annotations

from core import accounts, queries
from core.circulation import CheckoutItem, checkout
from core.library import Library
from core.models import ReaderType
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say


def _family(library: Library) -> tuple[int, int]:
    girl, _ = add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    boy, _ = add_reader(library, "陈思远", ReaderType.STUDENT, card_no="S10105", class_name="一年级1班")
    for card, name in (("S30201", "陈思雨"), ("S10105", "陈思远")):
        accounts.bind(library, "wx-p", card, name, accounts.issue_code(library, card, for_guardian=True))
    _, holder = add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    for name in ("狼王梦", "狼图腾"):
        _, copies = add_title(library, name, "沈石溪", copies=1)
        checkout(library, CheckoutItem(holder, copies[0]))
    return girl, boy


async def test_parent_reserving_is_asked_which_child(library: Library, say: Say) -> None:
    girl, boy = _family(library)
    question = await say("wx-p", "预约 狼王梦")
    assert "给谁预约" in question and "1.陈思雨（三年级2班）" in question and "2.陈思远（一年级1班）" in question
    assert "已为陈思远预约《狼王梦》，排第1位" in await say("wx-p", "第二个")
    assert [r.title for r in queries.reservations(library, boy)] == ["狼王梦"]
    assert queries.reservations(library, girl) == []
    assert "陈思远：《狼王梦》排第1位" in await say("wx-p", "我的预约")


async def test_an_unclear_title_then_the_child_are_asked_in_turn(library: Library, say: Say) -> None:
    girl, _ = _family(library)
    assert "预约哪一本" in await say("wx-p", "预约 狼")
    assert "给谁预约" in await say("wx-p", "1")
    placed = await say("wx-p", "1")
    assert "已为陈思雨预约《" in placed
    assert len(queries.reservations(library, girl)) == 1


async def test_a_parent_with_one_child_is_not_asked(library: Library, say: Say) -> None:
    add_reader(library, "王小明", ReaderType.STUDENT, card_no="S30202", class_name="三年级2班")
    accounts.bind(library, "wx-one", "S30202", "王小明", accounts.issue_code(library, "S30202", for_guardian=True))
    _, holder = add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    _, copies = add_title(library, "狼王梦", "沈石溪", copies=1)
    checkout(library, CheckoutItem(holder, copies[0]))
    assert "已为王小明预约《狼王梦》" in await say("wx-one", "预约 狼王梦")


async def test_a_stale_answer_cannot_reserve_for_someone_else(library: Library, say: Say) -> None:
    _family(library)
    await say("wx-p", "预约 狼王梦")
    assert "已预约" not in await say("wx-p", "3")
