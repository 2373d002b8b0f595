"""The class teacher's 我的借阅 through /wechat: their own books, then the class collection as its own block."""
from __future__ import annotations

from core import accounts
from core.circulation import CheckoutItem, RecallLoan, checkout, recall
from core.circulation.collections import lend_to_class, move_collection
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from tests.factories import add_reader, add_title
from tests.handlers.conftest import Say
from tests.handlers.helpers import make_class_teacher


async def test_class_teacher_sees_the_class_collection_apart_from_own_loans(library: Library, say: Say,
                                                                          clock: FixedClock) -> None:
    add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    add_reader(library, "王小明", ReaderType.STUDENT, card_no="S30202", class_name="三年级2班")
    add_reader(library, "赵亮", ReaderType.STUDENT, card_no="S30301", class_name="三年级3班")
    make_class_teacher(library, "T0002", "三年级2班")
    _, own = add_title(library, "城南旧事", "林海音", copies=1)
    _, corner = add_title(library, "草房子", "曹文轩", copies=3)
    checkout(library, CheckoutItem("T0002", own[0]))
    assert lend_to_class(library, "三年级2班", corner).done == 3
    recall(library, RecallLoan(corner[0]))
    clock.advance(hours=1)
    accounts.bind(library, "wx-head", "T0002", "李红", accounts.issue_code(library, "T0002"))
    reply = await say("wx-head", "我的借阅")
    assert "借了1本" in reply and "1.《城南旧事》" in reply
    assert "班级图书角（三年级2班集体借阅）3本，1月22日（周五）到期。" in reply  # the term's last open day
    assert "图书室催还《草房子》，请在11月23日（周一）前归还。" in reply
    assert "2.《草房子》" not in reply  # the class's copies are not numbered: 续借第2本 is never one of them
    move_collection(library, "三年级2班", "三年级3班")
    moved = await say("wx-head", "我借的书")
    assert "班级图书角" not in moved and "《城南旧事》" in moved
