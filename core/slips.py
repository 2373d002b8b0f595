"""Binding codes for parents, one child or a whole class at once (the printed 绑定通知单).

The codes keep core.accounts' rules: a random 6-digit code, stored only as a hash, single use, valid
7 days. Issuing a new parent code for a child replaces the child's unused parent codes (they expire at
once), so only the newest slip works. Each code is audited (action "binding_code", actor staff:NAME).
A class teacher may issue codes for their own class only (`own_class`); the librarian for any class.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.accounts import CODE_VALID_DAYS, BindingCode, _add_code
from core.clock import SCHOOL_TZ
from core.library import Library
from core.models import Reader, ReaderStatus, ReaderType, SchoolClass
from core.roster import RosterError

BIND_COMMAND = "绑定 {card_no} {name} {code}"  # what the parent sends the bot (bot/handlers/account.py)


@dataclass(frozen=True)
class Slip:
    """One child's slip: name, card number, the new code, the exact message to send, until when."""

    name: str
    card_no: str
    class_name: str
    code: str
    expires_at: datetime

    @property
    def expires_local(self) -> datetime:
        """The expiry in school time (what the slip prints)."""
        return self.expires_at.astimezone(SCHOOL_TZ)

    @property
    def message(self) -> str:
        return BIND_COMMAND.format(card_no=self.card_no, name=self.name, code=self.code)


def _check_scope(cls: SchoolClass | None, own_class: int | None) -> SchoolClass:
    # A class teacher asking for another class is told the same as for a missing class.
    if cls is None or (own_class is not None and cls.id != own_class):
        raise RosterError("没有这个班级，或者这不是你的班。")
    return cls


def _replace(session: Session, now: datetime, reader: Reader, actor: str, class_name: str) -> Slip:
    session.execute(update(BindingCode).where(
        BindingCode.reader_id == reader.id, BindingCode.for_guardian.is_(True), BindingCode.used_at.is_(None),
        BindingCode.expires_at > now).values(expires_at=now))
    code = _add_code(session, now, reader, for_guardian=True, actor=f"staff:{actor}")
    return Slip(reader.name, reader.card_no, class_name, code, now + timedelta(days=CODE_VALID_DAYS))


def class_slips(library: Library, class_id: int, actor: str, *, own_class: int | None = None) -> list[Slip]:
    """New parent codes for every active student of a class, by card number (the roster order), in one transaction.

    `own_class`: the class a class teacher may use (None for the librarian). RosterError otherwise.
    """
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        cls = _check_scope(session.get(SchoolClass, class_id), own_class)
        students = session.scalars(select(Reader).where(
            Reader.class_id == cls.id, Reader.reader_type == ReaderType.STUDENT,
            Reader.status == ReaderStatus.ACTIVE).order_by(Reader.card_no)).all()
        slips = [_replace(session, now, reader, actor, cls.name) for reader in students]
        uow.commit()
    return slips


def child_slip(library: Library, reader_id: int, actor: str, *, own_class: int | None = None) -> Slip:
    """A new parent code for one child (replacing their unused one); RosterError when not allowed."""
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        reader = session.get(Reader, reader_id)
        if reader is None:
            raise RosterError("没有这位学生。")
        cls = _check_scope(session.get(SchoolClass, reader.class_id) if reader.class_id else None, own_class)
        if reader.reader_type != ReaderType.STUDENT:
            raise RosterError("家长绑定码只发给学生的家长；老师请用自己的绑定码。")
        if reader.status != ReaderStatus.ACTIVE:
            raise RosterError("这张借阅证已挂失或已离校，绑定不会成功。请先在借还台处理借阅证。")
        slip = _replace(session, now, reader, actor, cls.name)
        uow.commit()
    return slip
