"""预约 with several matches: books on the shelf are not offered for a hold (a newcomer's trial: "预约 笑猫日记"
listed three books on the shelf, and choosing one answered "架上就有，不用预约"); a title the library does not
have names the books of its first words (预约 笑猫日记 寻找黑骑士)."""
from __future__ import annotations

from sqlalchemy import update

from core import accounts, queries
from core.library import Library
from core.models import Item, ItemStatus, ReaderType
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say


def _teacher(library: Library) -> int:
    reader_id, _ = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.bind(library, "wx-t", "T0001", "张静", accounts.issue_code(library, "T0001"))
    return reader_id


def _out(library: Library, title_id: int) -> None:
    with library.uow() as uow:
        uow.session.execute(update(Item).where(Item.title_id == title_id).values(status=ItemStatus.ON_LOAN))
        uow.commit()


async def test_every_match_on_the_shelf_is_said_at_once(library: Library, say: Say) -> None:
    _teacher(library)
    for name in ("笑猫日记·保姆狗的阴谋", "笑猫日记·塔顶上的猫"):
        add_title(library, name, "杨红樱")
    reply = await say("wx-t", "预约 笑猫日记")
    assert reply.startswith("这几本架上都有，不用预约") and "《笑猫日记·塔顶上的猫》" in reply, reply


async def test_only_the_books_out_are_offered_and_the_answer_reserves_one(library: Library, say: Say) -> None:
    reader_id = _teacher(library)
    add_title(library, "笑猫日记·保姆狗的阴谋", "杨红樱")
    out, _ = add_title(library, "笑猫日记·塔顶上的猫", "杨红樱")
    _out(library, out)
    asked = await say("wx-t", "预约 笑猫日记")
    options = [line for line in asked.splitlines() if line[:1].isdigit()]
    assert asked.startswith("预约哪一本？") and options == ["1.《笑猫日记·塔顶上的猫》杨红樱"], asked
    assert "《笑猫日记·保姆狗的阴谋》架上就有" in asked
    assert (await say("wx-t", "1")).startswith("已预约《笑猫日记·塔顶上的猫》")
    assert [r.title for r in queries.reservations(library, reader_id)] == ["笑猫日记·塔顶上的猫"]


async def test_a_volume_the_library_lacks_names_the_series_books(library: Library, say: Say) -> None:
    reader_id = _teacher(library)
    for name in ("笑猫日记·保姆狗的阴谋", "笑猫日记·塔顶上的猫"):  # a series, as in the demo catalogue
        add_title(library, name, "杨红樱")
    reply = await say("wx-t", "预约 笑猫日记 寻找黑骑士")
    assert "没有找到" in reply and "《笑猫日记·保姆狗的阴谋》" in reply, reply
    assert queries.reservations(library, reader_id) == []
