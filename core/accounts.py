"""Who is talking: bindings of an external user id (openid, WeCom id) to a reader or a guardian.

Binding needs the card number, the reader's name and a one-time code from the library (for a
parent: the child's card and name and a code issued for parents). Wrong attempts are limited
per user id, and per card only across many user ids (core/bind_limits.py), and logged with
keyed tags only (core/logtags.py); every failure looks the same, so a guess learns nothing.
"""
from __future__ import annotations

import enum
import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import bind_limits
from core.bind_limits import CARD_LOCK_USERS, MAX_FAILURES_PER_USER, BindingAttempt  # noqa: F401  (re-exported)
from core.circulation.lookups import audit, normalise_card
from core.library import Library
from core.live import Tag
from core.live.users import may_have_rows
from core.logtags import tag
from core.messaging import OPEN_STATUSES, SKIPPED, OutboundMessage
from core.models import (
    Base,
    Guardian,
    GuardianStudent,
    Reader,
    ReaderStatus,
    ReaderType,
    SchoolClass,
    UTCDateTime,
)

log = logging.getLogger("shuxiang.accounts")

CODE_VALID_DAYS = 7
CODE_DIGITS = 6


class Binding(Base):
    """One external user bound to a reader (own card) or to a guardian (parent of students)."""

    __tablename__ = "account_bindings"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    reader_id: Mapped[int | None] = mapped_column(ForeignKey("readers.id"), index=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BindingCode(Base):
    """A one-time code the library hands out for one card; stored hashed."""

    __tablename__ = "binding_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    for_guardian: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(60), default="")


class Role(enum.StrEnum):
    TEACHER = "teacher"
    STUDENT = "student"
    LIBRARIAN = "librarian"
    CLASS_TEACHER = "class_teacher"
    PARENT = "parent"


class BindFailure(enum.StrEnum):
    NO_MATCH = "no_match"  # wrong card, name or code, expired code, inactive card: all the same
    RATE_LIMITED = "rate_limited"
    ALREADY_BOUND = "already_bound"


class BindRefused(Exception):
    """Binding did not happen; `failure` says why in as little detail as is safe."""

    def __init__(self, failure: BindFailure) -> None:
        self.failure = failure
        super().__init__(failure)


@dataclass(frozen=True)
class Person:
    """A reader as the conversation needs them."""

    reader_id: int
    name: str
    card_no: str
    reader_type: ReaderType
    class_name: str | None = None


@dataclass(frozen=True)
class Identity:
    """A bound user: their own reader card (teachers) and/or the children they look after."""

    user_id: str
    reader: Person | None = None
    is_librarian: bool = False
    class_teacher_of: tuple[int, str] | None = None  # (class id, class name)
    guardian_id: int | None = None
    children: tuple[Person, ...] = field(default_factory=tuple)

    @property
    def roles(self) -> frozenset[Role]:
        roles: set[Role] = set()
        if self.reader is not None:
            roles.add(Role.STUDENT if self.reader.reader_type == ReaderType.STUDENT else Role.TEACHER)
        if self.is_librarian:
            roles.add(Role.LIBRARIAN)
        if self.class_teacher_of is not None:
            roles.add(Role.CLASS_TEACHER)
        if self.guardian_id is not None:
            roles.add(Role.PARENT)
        return frozenset(roles)


@dataclass(frozen=True)
class Bound:
    """A binding that worked: who the user now is."""

    role: Role
    reader_name: str  # the card holder (the child, for a parent)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def issue_code(library: Library, card_no: str, *, for_guardian: bool = False, actor: str = "desk",
               code: str | None = None) -> str:
    """A new one-time binding code for a card (for its holder, or for a student's parents)."""
    now = library.now()
    with library.uow() as uow:
        reader = uow.session.scalar(select(Reader).where(Reader.card_no == normalise_card(card_no)))
        if reader is None:
            raise LookupError(card_no)
        code = _add_code(uow.session, now, reader, for_guardian=for_guardian, actor=actor, code=code)
        uow.commit()
    return code


def _add_code(session: Session, now: datetime, reader: Reader, *, for_guardian: bool, actor: str,
              code: str | None = None) -> str:
    code = code or "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    session.add(BindingCode(reader_id=reader.id, code_hash=_hash(code), for_guardian=for_guardian,
                            created_at=now, expires_at=now + timedelta(days=CODE_VALID_DAYS), issued_by=actor[:60]))
    audit(session, now, "binding_code", actor, reader_id=reader.id, for_guardian=for_guardian)
    return code


class IssueFailure(enum.StrEnum):
    NOT_ALLOWED = "not_allowed"  # neither the librarian nor a class teacher
    PARENTS_ONLY = "parents_only"  # a class teacher asked for a reader's own code
    NOT_IN_CLASS = "not_in_class"  # a class teacher: no such student in their class (unknown cards too)
    NO_SUCH_CARD = "no_such_card"  # the librarian only
    NOT_A_STUDENT = "not_a_student"  # a parent code asked for a teacher's card
    CARD_INACTIVE = "card_inactive"  # lost or left: binding would fail anyway


class IssueRefused(Exception):
    """No code was issued; `failure` says why."""

    def __init__(self, failure: IssueFailure) -> None:
        self.failure = failure
        super().__init__(failure)


@dataclass(frozen=True)
class IssuedCode:
    """A code to hand out, with whose card it binds and until when."""

    code: str
    card_no: str
    reader_name: str
    for_guardian: bool
    expires_at: datetime


def issue_code_as(library: Library, issuer: Identity, card_no: str, *, for_guardian: bool) -> IssuedCode:
    """A code asked for by message: the librarian for any card, a class teacher for their own class's parents."""
    if not issuer.is_librarian and issuer.class_teacher_of is None:
        raise IssueRefused(IssueFailure.NOT_ALLOWED)
    if not issuer.is_librarian and not for_guardian:
        raise IssueRefused(IssueFailure.PARENTS_ONLY)
    now = library.now()
    with library.uow() as uow:
        reader = uow.session.scalar(select(Reader).where(Reader.card_no == normalise_card(card_no)))
        if not issuer.is_librarian:
            assert issuer.class_teacher_of is not None
            if reader is None or reader.class_id != issuer.class_teacher_of[0]:
                raise IssueRefused(IssueFailure.NOT_IN_CLASS)  # never says whether the card exists
        if reader is None:
            raise IssueRefused(IssueFailure.NO_SUCH_CARD)
        if for_guardian and reader.reader_type != ReaderType.STUDENT:
            raise IssueRefused(IssueFailure.NOT_A_STUDENT)
        if reader.status != ReaderStatus.ACTIVE:
            raise IssueRefused(IssueFailure.CARD_INACTIVE)
        code = _add_code(uow.session, now, reader, for_guardian=for_guardian, actor=f"wechat:{issuer.user_id}")
        issued = IssuedCode(code, reader.card_no, reader.name, for_guardian, now + timedelta(days=CODE_VALID_DAYS))
        uow.commit()
    log.info("binding code issued by user#%s card#%s parent=%s", tag(issuer.user_id), tag(issued.card_no),
             for_guardian)
    return issued


def bind(library: Library, user_id: str, card_no: str, name: str, code: str) -> Bound:
    """Bind a user to a card (or, with a parent code, to the student as a guardian).

    One transaction checks the limits, the code, and records the try (core/bind_limits.py), so
    simultaneous tries are counted exactly. Errors: BindRefused with RATE_LIMITED (nothing was
    checked or recorded), NO_MATCH (recorded as a failure), ALREADY_BOUND (not a failure).
    """
    now = library.now()
    card_no = normalise_card(card_no)
    with library.uow() as uow:
        session = uow.session
        bind_limits.serialise(session, user_id, card_no)
        reader = session.scalar(select(Reader).where(Reader.card_no == card_no))
        newest_code_at = None if reader is None else session.scalar(
            select(func.max(BindingCode.created_at)).where(BindingCode.reader_id == reader.id))
        limited = bind_limits.refusal(session, now, user_id=user_id, card_no=card_no, newest_code_at=newest_code_at)
        if limited is not None:
            log.warning("binding refused by the %s limit: user#%s card#%s", limited, tag(user_id), tag(card_no))
            raise BindRefused(BindFailure.RATE_LIMITED)
        code_row = None
        if reader is not None and reader.status == ReaderStatus.ACTIVE and reader.name == name.strip():
            code_row = session.scalar(
                select(BindingCode).where(BindingCode.reader_id == reader.id,
                                          BindingCode.code_hash == _hash(code), BindingCode.used_at.is_(None),
                                          BindingCode.expires_at > now).with_for_update())
        if reader is None or code_row is None:
            bind_limits.record(session, now, user_id=user_id, card_no=card_no, ok=False)
            uow.commit()
            log.info("binding attempt user#%s card#%s ok=False", tag(user_id), tag(card_no))
            raise BindRefused(BindFailure.NO_MATCH)
        bound = _attach(session, now, user_id, reader, code_row)
        code_row.used_at = now
        audit(session, now, "bind", user_id, reader_id=reader.id, role=bound.role)
        bind_limits.record(session, now, user_id=user_id, card_no=card_no, ok=True)
        uow.commit()
    log.info("binding attempt user#%s card#%s ok=True", tag(user_id), tag(card_no))
    return bound


def _attach(session: Session, now: datetime, user_id: str, reader: Reader, code: BindingCode) -> Bound:
    if not code.for_guardian:
        exists = session.scalar(select(Binding).where(Binding.user_id == user_id, Binding.reader_id == reader.id))
        if exists is not None:
            raise BindRefused(BindFailure.ALREADY_BOUND)
        session.add(Binding(user_id=user_id, reader_id=reader.id, created_at=now))
        role = Role.LIBRARIAN if reader.is_librarian else (
            Role.STUDENT if reader.reader_type == ReaderType.STUDENT else Role.TEACHER)
        return Bound(role, reader.name)
    # A parent: one guardian per user, the child linked to it (several children, several parents).
    guardian_id = session.scalar(select(Binding.guardian_id).where(Binding.user_id == user_id,
                                                                   Binding.guardian_id.is_not(None)))
    if guardian_id is None:
        guardian = Guardian(name=f"{reader.name}的家长", created_at=now)
        session.add(guardian)
        session.flush()
        guardian_id = guardian.id
        session.add(Binding(user_id=user_id, guardian_id=guardian_id, created_at=now))
    link = session.get(GuardianStudent, (guardian_id, reader.id))
    if link is not None:
        raise BindRefused(BindFailure.ALREADY_BOUND)
    session.add(GuardianStudent(guardian_id=guardian_id, student_id=reader.id))
    return Bound(Role.PARENT, reader.name)


def bind_directly(library: Library, user_id: str, *, reader_id: int | None = None,
                  guardian_id: int | None = None) -> None:
    """Bind without a code (demo set-up, librarian tools); idempotent."""
    with library.uow() as uow:
        session = uow.session
        exists = session.scalar(select(Binding).where(Binding.user_id == user_id, Binding.reader_id == reader_id,
                                                      Binding.guardian_id == guardian_id))
        if exists is None:
            session.add(Binding(user_id=user_id, reader_id=reader_id, guardian_id=guardian_id,
                                created_at=library.now()))
            uow.commit()


def unbind(library: Library, user_id: str) -> int:
    """Remove every binding of the user; returns how many there were."""
    now = library.now()
    with library.uow() as uow:
        rows = list(uow.session.scalars(select(Binding).where(Binding.user_id == user_id)))
        for row in rows:
            uow.session.delete(row)
        if rows:
            audit(uow.session, now, "unbind", user_id, count=len(rows))
            # Notices already queued (held for quiet hours or a closed day) name the reader or the
            # child: after 解绑 they must not arrive.
            uow.session.execute(update(OutboundMessage).where(
                OutboundMessage.user_id == user_id, OutboundMessage.kind == "push",
                OutboundMessage.status.in_(OPEN_STATUSES))
                .values(status=SKIPPED, next_attempt_at=None, last_error="已解绑"))
        uow.commit()
    return len(rows)


def unbind_one(library: Library, user_id: str, reader_id: int) -> bool:
    """Remove the user's binding to one reader: their own card, or one child (the guardian link).

    The other children stay bound; when the last child goes, the guardian binding goes too.
    Returns False when the user was not bound to that reader (nothing changed).
    """
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        own = session.scalar(select(Binding).where(Binding.user_id == user_id, Binding.reader_id == reader_id))
        removed = False
        if own is not None:
            session.delete(own)
            removed = True
        guardian_row = session.scalar(select(Binding).where(Binding.user_id == user_id,
                                                            Binding.guardian_id.is_not(None)))
        if guardian_row is not None:
            link = session.get(GuardianStudent, (guardian_row.guardian_id, reader_id))
            if link is not None:
                session.delete(link)
                session.flush()
                removed = True
                left = session.scalar(select(func.count()).select_from(GuardianStudent)
                                      .where(GuardianStudent.guardian_id == guardian_row.guardian_id))
                if not left:
                    session.delete(guardian_row)
        if removed:
            audit(session, now, "unbind", user_id, reader_id=reader_id, count=1)
            uow.commit()
        return removed


def _person(reader: Reader) -> Person:
    class_name = reader.school_class.name if reader.school_class is not None else None
    return Person(reader.id, reader.name, reader.card_no, reader.reader_type, class_name)


def identify(library: Library, user_id: str) -> Identity | None:
    """The bound identity of a user, or None; a lost card or a reader who left gives no access."""
    if not may_have_rows(library, Binding.user_id, "user", user_id):
        return None  # never bound (or unbound): no query, even on a first message
    return library.cached(("identity", user_id), lambda session: _load_identity(session, user_id))


def _load_identity(session: Session, user_id: str) -> tuple[Identity | None, list[Tag]]:
    """The identity and what it was read from (a change to any of these forgets it)."""
    tags: list[Tag] = [("user", user_id)]
    rows = list(session.scalars(select(Binding).where(Binding.user_id == user_id)))
    reader_row = None
    guardian_id = None
    for row in rows:
        if row.reader_id is not None:
            tags.append(("reader", str(row.reader_id)))  # also inactive ones: they may come back
            if reader_row is None:
                candidate = session.get(Reader, row.reader_id)
                if candidate is not None and candidate.status == ReaderStatus.ACTIVE:
                    reader_row = candidate
        if row.guardian_id is not None:
            guardian_id = row.guardian_id
    children: tuple[Person, ...] = ()
    if guardian_id is not None:
        tags.append(("guardian", str(guardian_id)))
        students = list(session.scalars(
            select(Reader).join(GuardianStudent, GuardianStudent.student_id == Reader.id)
            .where(GuardianStudent.guardian_id == guardian_id).order_by(Reader.id)))
        tags += [("reader", str(s.id)) for s in students]  # a child who left may be re-admitted
        children = tuple(_person(s) for s in students if s.status != ReaderStatus.LEFT)
    if reader_row is None and guardian_id is None:
        return None, tags
    class_teacher_of = None
    if reader_row is not None:
        cls = session.scalar(select(SchoolClass).where(SchoolClass.class_teacher_id == reader_row.id)
                             .order_by(SchoolClass.id))
        if cls is not None:
            class_teacher_of = (cls.id, cls.name)
    identity = Identity(user_id=user_id, reader=_person(reader_row) if reader_row is not None else None,
                        is_librarian=bool(reader_row is not None and reader_row.is_librarian),
                        class_teacher_of=class_teacher_of, guardian_id=guardian_id, children=children)
    return identity, tags


def has_inactive_binding(library: Library, user_id: str) -> bool:
    """True when the user was bound to a card that has since been reported lost or has left."""
    with library.uow() as uow:
        return bool(uow.session.scalar(
            select(func.count()).select_from(Binding).join(Reader, Reader.id == Binding.reader_id)
            .where(Binding.user_id == user_id, Reader.status != ReaderStatus.ACTIVE)))
