"""A small school for the staff-by-message tests: a librarian, a student helper, a class teacher, a parent.

Classes 三年级1班 and 三年级2班 (grade 3) and 四年级1班 (grade 4). 王小明 (S30211, 三年级2班) has
《草房子》 (copy 10000003) and 《三体》 out; everyone is bound with bind_directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.nlp import Parser, ParseResult
from core import accounts
from core.circulation import CheckoutItem, checkout
from core.library import Library
from core.models import Item, Reader, ReaderType, SchoolClass
from core.settings import ConsoleSettings, DeskSettings, Settings
from tests.factories import add_guardian, add_reader, add_title

LIBRARIAN, HELPER, HEAD, TEACHER, PARENT, STRANGER = "wx-lib", "wx-helper", "wx-head", "wx-t", "wx-parent", "wx-x"
SETTINGS = Settings(desk=DeskSettings(helper_cards="s50101"),
                    console=ConsoleSettings(public_url="https://lib.example.cn/"))

# The new intents for these messages, before the parser emits them (tests/handlers/test_staff_messages.py).
SCRIPT: dict[str, tuple[str, dict[str, Any]]] = {
    "损坏 10000003": ("mark_damaged", {"barcode": "10000003"}),
    "损坏 10000003 5元": ("mark_damaged", {"barcode": "10000003"}),
    "缴费 S30211": ("pay_fine", {"card_no": "S30211"}),
    "缴费 S30201": ("pay_fine", {"card_no": "S30201"}),
    "补办 S30211": ("replace_card", {"card_no": "S30211"}),
    "补办 S30211 S30299": ("replace_card", {"card_no": "S30211"}),
    "S30211借了什么": ("reader_loans", {"card_no": "S30211"}),
    "S30201借了什么": ("reader_loans", {"card_no": "S30201"}),
    "S99999借了什么": ("reader_loans", {"card_no": "S99999"}),
    "S30299借了什么": ("reader_loans", {"card_no": "S30299"}),
    "全校逾期": ("school_overdue", {}),
    "本班借阅统计": ("class_stats", {}),
    "哪些同学还没借过书": ("class_not_borrowed", {}),
}

# Weakly indicated: the router asks before acting (bot/handlers/confirm.py).
UNSURE: dict[str, tuple[str, dict[str, Any]]] = {
    "10000003好像坏了": ("mark_damaged", {"barcode": "10000003"}),
}


class ScriptedParser:
    """The real parser, except that the scripted messages parse to the new intents (confidence 1)."""

    def __init__(self, real: Parser) -> None:
        self.real = real
        self.generation = real.generation

    def parse(self, text: str, **kwargs: Any) -> ParseResult:
        if text in SCRIPT:
            intent, slots = SCRIPT[text]
            return ParseResult(intent, dict(slots), 1.0)
        if text in UNSURE:
            intent, slots = UNSURE[text]
            return ParseResult(intent, dict(slots), 0.5)
        return self.real.parse(text, **kwargs)


@dataclass(frozen=True)
class School:
    damaged_copy: str  # 10000003, 《草房子》 lent to 王小明
    santi: str  # 《三体》 lent to 王小明
    xiaowangzi: str  # 《小王子》 on the shelf


def build_school(library: Library) -> School:
    """The people, classes, books and loans above (the clock is DEFAULT_NOW, inside the term)."""
    with library.uow() as uow:
        for name, grade in (("三年级1班", 3), ("三年级2班", 3), ("四年级1班", 4), ("五年级1班", 5)):
            uow.session.add(SchoolClass(name=name, grade=grade))
        uow.commit()
    librarian, _ = add_reader(library, "王芳", ReaderType.STAFF, card_no="L0001")
    helper, _ = add_reader(library, "赵小乐", ReaderType.STUDENT, card_no="S50101", class_name="五年级1班")
    head, _ = add_reader(library, "李红", ReaderType.TEACHER, card_no="T0002")
    teacher, _ = add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    girl, _ = add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    add_reader(library, "王小明", ReaderType.STUDENT, card_no="S30211", class_name="三年级2班")
    add_reader(library, "刘洋", ReaderType.STUDENT, card_no="S30212", class_name="三年级2班")
    add_reader(library, "周杰", ReaderType.STUDENT, card_no="S30101", class_name="三年级1班")
    add_reader(library, "孙丽", ReaderType.STUDENT, card_no="S40101", class_name="四年级1班")
    with library.uow() as uow:
        session = uow.session
        session.get(Reader, librarian).is_librarian = True  # type: ignore[union-attr]
        session.scalar(select(SchoolClass).where(SchoolClass.name == "三年级2班")).class_teacher_id = head  # type: ignore[union-attr]
        uow.commit()
    for user, reader in ((LIBRARIAN, librarian), (HELPER, helper), (HEAD, head), (TEACHER, teacher)):
        accounts.bind_directly(library, user, reader_id=reader)
    accounts.bind_directly(library, PARENT, guardian_id=add_guardian(library, "陈妈妈", girl))
    _, caofangzi = add_title(library, "草房子", "曹文轩", copies=1, price_fen=2500)
    _, santi = add_title(library, "三体", "刘慈欣", copies=1)
    _, xiaowangzi = add_title(library, "小王子", "圣埃克苏佩里", copies=1)
    with library.uow() as uow:  # the barcode printed in the examples
        uow.session.scalar(select(Item).where(Item.barcode == caofangzi[0])).barcode = "10000003"  # type: ignore[union-attr]
        uow.commit()
    checkout(library, CheckoutItem("S30211", "10000003"))
    checkout(library, CheckoutItem("S30211", santi[0]))
    return School("10000003", santi[0], xiaowangzi[0])
