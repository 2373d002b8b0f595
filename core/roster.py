"""Readers and classes for the console: search, edit, add, move, guardians and their bindings.

Synchronous services over a Library (the console calls them in a worker thread). Every change is one
transaction with its audit row (actor `staff:NAME`). Refusals are `RosterError` with a short Chinese
message and the form field it belongs to; front ends show it next to that field.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from core.accounts import Binding
from core.circulation import ClearReader, clear_reader
from core.circulation.lookups import audit, normalise_card, unpaid_fen
from core.clock import school_today
from core.desk import BadClassName, issue_card
from core.errors import Refused
from core.imports.values import clean_phone, parse_class
from core.library import Library
from core.messaging import OPEN_STATUSES, SKIPPED, OutboundMessage
from core.models import (
    Guardian,
    GuardianStudent,
    Loan,
    Reader,
    ReaderStatus,
    ReaderType,
    SchoolClass,
)

SEARCH_LIMIT = 100
NAME_MAX = 60

STATUS_NAMES = {ReaderStatus.ACTIVE: "正常", ReaderStatus.CARD_LOST: "已挂失", ReaderStatus.LEFT: "已离校"}
TYPE_NAMES = {ReaderType.STUDENT: "学生", ReaderType.TEACHER: "教师", ReaderType.STAFF: "职工",
              ReaderType.CLASS: "班级图书角"}


class RosterError(ValueError):
    """A roster change refused; `str()` is the Chinese message, `field` the form field it belongs to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ClassInfo:
    """A class: id, name (三年级2班), grade (1–9; 0 = a graduated class, see core/promotion.py)."""

    id: int
    name: str
    grade: int
    students: int = 0


@dataclass(frozen=True)
class ReaderRow:
    """One reader in a search result."""

    id: int
    card_no: str
    name: str
    reader_type: ReaderType
    class_id: int | None
    class_name: str
    status: ReaderStatus


@dataclass(frozen=True)
class BindingInfo:
    """A WeChat binding of this reader: their own (`guardian` empty) or a parent's through a guardian."""

    id: int
    guardian: str
    bound_at: date


@dataclass(frozen=True)
class ReaderDetail:
    """One reader with what the edit page shows: open loans, money owed (fen), guardians' bindings."""

    reader: ReaderRow
    phone: str
    open_loans: int
    owed_fen: int
    bindings: list[BindingInfo]


def _row(reader: Reader) -> ReaderRow:
    cls = reader.school_class
    return ReaderRow(reader.id, reader.card_no, reader.name, reader.reader_type, reader.class_id,
                     cls.name if cls is not None else "", reader.status)


def list_classes(library: Library, *, include_graduated: bool = False) -> list[ClassInfo]:
    """Every class by grade then name, with its number of active readers; graduated (grade 0) on request."""
    with library.read_uow() as uow:
        counts = dict(uow.session.execute(
            select(Reader.class_id, func.count()).where(Reader.status != ReaderStatus.LEFT,
                                                        Reader.reader_type != ReaderType.CLASS)
            .group_by(Reader.class_id)).all())
        rows = uow.session.scalars(select(SchoolClass)).all()
        found = [ClassInfo(c.id, c.name, c.grade, counts.get(c.id, 0)) for c in rows
                 if include_graduated or c.grade > 0]
    return sorted(found, key=lambda c: (c.grade == 0, c.grade, len(c.name), c.name))


def class_info(library: Library, class_id: int) -> ClassInfo | None:
    """One class, or None."""
    with library.read_uow() as uow:
        cls = uow.session.get(SchoolClass, class_id)
        return None if cls is None else ClassInfo(cls.id, cls.name, cls.grade)


def search_readers(library: Library, query: str = "", *, class_id: int | None = None,
                   limit: int = SEARCH_LIMIT) -> list[ReaderRow]:
    """Readers whose name or card number contains `query` (or whose class is named like it), by class then name.

    An empty query with a class lists that class; an empty query without one lists nothing.
    """
    text = query.strip()
    if not text and class_id is None:
        return []
    stmt = select(Reader).outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
    if text:
        parsed = parse_class(text)
        like = f"%{text.replace('%', '').replace('_', '')}%"
        conditions = [Reader.name.like(like), Reader.card_no.like(f"%{normalise_card(text)}%"),
                      SchoolClass.name.like(like)]
        if parsed is not None:
            conditions.append(SchoolClass.name == parsed[0])
        stmt = stmt.where(or_(*conditions))
    if class_id is not None:
        stmt = stmt.where(Reader.class_id == class_id)
    stmt = stmt.order_by(SchoolClass.grade, SchoolClass.name, Reader.name, Reader.id).limit(limit)
    with library.read_uow() as uow:
        return [_row(r) for r in uow.session.scalars(stmt)]


def reader_detail(library: Library, reader_id: int) -> ReaderDetail | None:
    """A reader with their loans count, money owed and bindings (own and their guardians'); None if unknown."""
    with library.read_uow() as uow:
        session = uow.session
        reader = session.get(Reader, reader_id)
        if reader is None:
            return None
        loans = session.scalar(select(func.count()).select_from(Loan)
                               .where(Loan.reader_id == reader_id, Loan.is_open.is_(True))) or 0
        return ReaderDetail(_row(reader), reader.phone, loans, unpaid_fen(session, reader_id),
                            _bindings(session, reader_id))


def _bindings(session: Session, reader_id: int) -> list[BindingInfo]:
    own = session.scalars(select(Binding).where(Binding.reader_id == reader_id).order_by(Binding.id)).all()
    parents = session.execute(
        select(Binding, Guardian.name).join(GuardianStudent, GuardianStudent.guardian_id == Binding.guardian_id)
        .join(Guardian, Guardian.id == Binding.guardian_id)
        .where(GuardianStudent.student_id == reader_id).order_by(Binding.id)).all()
    found = [BindingInfo(b.id, "", school_today(b.created_at)) for b in own]
    found += [BindingInfo(b.id, name, school_today(b.created_at)) for b, name in parents]
    return found


@dataclass(frozen=True)
class ReaderEdit:
    """A validated edit: new name, phone ('' = none) and class id (None = no class)."""

    reader_id: int
    name: str
    phone: str
    class_id: int | None


def check_name(raw: str) -> str:
    """A reader's name, trimmed; RosterError (field "name") when empty or too long."""
    name = " ".join(raw.split())
    if not name:
        raise RosterError("请填写姓名。", "name")
    if any(unicodedata.category(ch) == "Cc" for ch in name):  # invisible, and they break the xlsx lists
        raise RosterError("姓名里有看不见的控制字符，请重新输入。", "name")
    if len(name) > NAME_MAX:
        raise RosterError(f"姓名太长（最多 {NAME_MAX} 个字）。", "name")
    return name


def check_phone(raw: str) -> str:
    """An 11-digit mobile or ''; RosterError (field "phone") otherwise."""
    phone = clean_phone(raw.strip())
    if phone is None:
        raise RosterError("手机号要 11 位数字，例如 13800138000；不知道可以空着。", "phone")
    return phone


def edit_reader(library: Library, cmd: ReaderEdit, actor: str) -> ReaderRow:
    """Change a reader's name, phone and class in one transaction, audited with what changed."""
    with library.uow() as uow:
        session = uow.session
        reader = session.get(Reader, cmd.reader_id, with_for_update=True)
        if reader is None:
            raise RosterError("没有这位读者（可能已被删除）。请回到读者列表重新查找。")
        if cmd.class_id is not None and session.get(SchoolClass, cmd.class_id) is None:
            raise RosterError("没有这个班级。请从列表中选择。", "class_id")
        changed = {key: f"{getattr(reader, key)}→{value}" for key, value in
                   (("name", cmd.name), ("phone", cmd.phone), ("class_id", cmd.class_id))
                   if getattr(reader, key) != value}
        if changed:
            reader.name, reader.phone, reader.class_id = cmd.name, cmd.phone, cmd.class_id
            # Names and phones stay out of the log; the audit row says which fields changed.
            audit(session, library.now(), "reader_edit", f"staff:{actor}"[:60], reader_id=reader.id,
                  fields=",".join(sorted(changed)))
        session.flush()
        row = _row(reader)
        uow.commit()
    return row


def move_reader(library: Library, reader_id: int, class_id: int, actor: str) -> ReaderRow:
    """Move a student to another existing class (调班), audited with the old and new class."""
    with library.uow() as uow:
        session = uow.session
        reader = session.get(Reader, reader_id, with_for_update=True)
        target = session.get(SchoolClass, class_id)
        if reader is None:
            raise RosterError("没有这位读者。请回到读者列表重新查找。")
        if reader.reader_type != ReaderType.STUDENT:
            raise RosterError("只有学生可以调班。", "class_id")
        if target is None or target.grade == 0:
            raise RosterError("请从列表中选择一个在读的班级。", "class_id")
        if reader.class_id != target.id:
            audit(session, library.now(), "reader_move", f"staff:{actor}"[:60], reader_id=reader.id,
                  old_class=reader.class_id, new_class=target.id)
            reader.class_id = target.id
        session.flush()
        row = _row(reader)
        uow.commit()
    return row


def add_reader(library: Library, card_no: str, name: str, class_name: str, phone: str, actor: str) -> int:
    """办证 from the console (core.desk.issue_card): a student with a class, else a teacher; returns the id."""
    card = normalise_card(card_no)
    if not card:
        raise RosterError("请填写借阅证号（可以扫描借阅证）。", "card_no")
    if len(card) > 40 or any(c.isspace() for c in card):
        raise RosterError("借阅证号最多 40 位，不含空格。", "card_no")
    name, phone = check_name(name), check_phone(phone)
    try:
        summary = issue_card(library, card, name, class_name=class_name.strip() or None, actor=f"staff:{actor}")
    except BadClassName as bad:
        raise RosterError(f"班级“{bad}”看不懂，请写成 三年级2班 或 初一3班 这样。", "class_name") from None
    except Refused:
        raise RosterError(f"借阅证号 {card} 已经有人用过（含挂失换下的旧证）。请换一个号码。", "card_no") from None
    if phone:
        with library.uow() as uow:
            reader = uow.session.get(Reader, summary.reader_id)
            assert reader is not None
            reader.phone = phone
            uow.commit()
    return summary.reader_id


def unbind_one(library: Library, reader_id: int, binding_id: int, actor: str) -> None:
    """Remove one binding shown on a reader's page (their own, or one parent's link to this child).

    A parent keeps their other children: only the link to this reader goes; the WeChat binding itself
    goes when the guardian has no child left; a user left with no binding gets none of their queued pushes.
    RosterError when the binding is not this reader's.
    """
    with library.uow() as uow:
        session = uow.session
        binding = session.get(Binding, binding_id, with_for_update=True)
        if binding is None:
            raise RosterError("这个绑定已经不在了（可能已解绑）。")
        if binding.reader_id == reader_id:
            session.delete(binding)
        elif binding.guardian_id is not None and session.get(GuardianStudent, (binding.guardian_id, reader_id)):
            link = session.get(GuardianStudent, (binding.guardian_id, reader_id))
            session.delete(link)
            session.flush()
            left = session.scalar(select(func.count()).select_from(GuardianStudent)
                                  .where(GuardianStudent.guardian_id == binding.guardian_id)) or 0
            if not left:
                session.delete(binding)
        else:
            raise RosterError("这个绑定不属于这位读者。")
        session.flush()
        if not session.scalar(select(func.count()).select_from(Binding).where(Binding.user_id == binding.user_id)):
            # Like 解绑 by message: queued notices (held for quiet hours) name the reader; they must not arrive.
            session.execute(update(OutboundMessage).where(
                OutboundMessage.user_id == binding.user_id, OutboundMessage.kind == "push",
                OutboundMessage.status.in_(OPEN_STATUSES))
                .values(status=SKIPPED, next_attempt_at=None, last_error="已解绑"))
        audit(session, library.now(), "unbind_by_staff", f"staff:{actor}"[:60], reader_id=reader_id,
              binding=binding_id)
        uow.commit()


def leave(library: Library, reader_id: int, actor: str) -> ReaderRow:
    """离校 (转学, 毕业, 调离) for one reader: core.circulation's clearance, refused while anything is owed.

    RosterError (field "leave") names how many books are out and how much is owed.
    """
    detail = reader_detail(library, reader_id)
    if detail is None:
        raise RosterError("没有这位读者。请回到读者列表重新查找。", "leave")
    if detail.reader.status == ReaderStatus.LEFT:
        raise RosterError("这位读者已经办过离校了。", "leave")
    try:
        clear_reader(library, ClearReader(detail.reader.card_no, actor=f"staff:{actor}"[:60]))
    except Refused as refused:
        books, owed = refused.context.get("open_loans", 0), refused.context.get("unpaid_fen", 0)
        owing = "、".join(part for part in (f"还有 {books} 本书没还" if books else "",
                                           f"欠费 {owed / 100:.2f} 元" if owed else "") if part)
        raise RosterError(f"{owing}：还清后才能办离校。可以在借还台还书、交费。", "leave") from None
    found = reader_detail(library, reader_id)
    assert found is not None
    return found.reader
