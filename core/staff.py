"""Staff accounts for the console: roles, argon2 passwords, sessions, the sign-in throttle, the audit helper.

Synchronous services over a Library (the console calls them in a worker thread). Refusals are typed
(`StaffError` subclasses, `SignInRefused` with a `Reason`); the front ends word them. Times come
from the library's injected clock. Nothing here knows about cookies or HTML.
"""
from __future__ import annotations

import enum
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from core.library import Library
from core.locks import transaction_lock
from core.models import AuditEntry, Reader, ReaderType, SchoolClass, SignInFailure, StaffAccount, StaffSession

THROTTLE_LIMIT = 5  # wrong passwords per account, and per client address, ...
THROTTLE_WINDOW = timedelta(minutes=15)  # ... within this window; then a wait
SEEN_EVERY = timedelta(minutes=1)  # last_seen is rewritten at most this often (fewer writes)
MIN_PASSWORD = 8  # characters
NAME_MAX = 60

_HASHER = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 "low memory" defaults


@functools.cache
def _dummy_hash() -> str:
    # Verified when the name is unknown, so an unknown name takes as long as a wrong password.
    # Made on first use, not at import (it costs as much as a sign-in).
    return _HASHER.hash("shuxiang: no such account")


class Role(enum.StrEnum):
    """What a staff account may do (the rules are in `may`)."""

    LIBRARIAN = "librarian"  # everything
    HELPER = "helper"  # 小图书管理员: the desk (lend/return) only; no money, imports or personal details
    CLASS_TEACHER = "class-teacher"  # read-only, their own class


class Area(enum.StrEnum):
    """A part of the console; `may(role, area)` says who enters it."""

    HOME = "home"
    DESK = "desk"  # lend and return
    MONEY = "money"  # pay or waive charges
    CIRCULATION = "circulation"  # the desk's librarian tools: recall, lost/damaged/repaired, cards, clearance
    CALENDAR = "calendar"
    READERS = "readers"  # personal details, edits
    LISTS = "lists"  # school-wide lists
    CLASS_LISTS = "class-lists"  # one class's lists (a class teacher: their own)
    IMPORTS = "imports"
    STAFF = "staff"
    CATALOGUE = "catalogue"  # titles and copies, labels (issue 16)
    REPORTS = "reports"  # school-wide statistics pages and downloads
    CLASS_REPORTS = "class-reports"  # one class's statistics (a class teacher: their own)
    NOTICES = "notices"  # activities, the outbox, a user's push preferences
    INVENTORY = "inventory"  # start, close and weed a stock-take; weeding candidates
    INVENTORY_SCAN = "inventory-scan"  # scanning shelves into an open stock-take (helpers too)
    REGISTERS = "registers"  # the books a school keeps: 分类帐, 总括帐, 注销帐 ...


_AREAS: dict[Role, frozenset[Area]] = {
    Role.LIBRARIAN: frozenset(Area),
    Role.HELPER: frozenset({Area.HOME, Area.DESK, Area.INVENTORY_SCAN}),
    Role.CLASS_TEACHER: frozenset({Area.HOME, Area.CLASS_LISTS, Area.CLASS_REPORTS}),
}


def may(role: Role, area: Area) -> bool:
    """Whether a role may use a part of the console (librarian: all; helper: desk; class teacher: own class)."""
    return area in _AREAS[role]


class StaffError(ValueError):
    """A staff command refused; `str()` is a short Chinese message for the librarian."""


class NoSuchAccount(StaffError):
    pass


class NoSuchClass(StaffError):
    pass


@dataclass(frozen=True)
class Staff:
    """A staff account as the front ends see it (never the hash)."""

    id: int
    name: str
    role: Role
    class_id: int | None
    class_name: str | None
    disabled: bool


class Reason(enum.StrEnum):
    WRONG = "wrong"  # unknown name or wrong password (not told apart)
    DISABLED = "disabled"  # right password, account disabled
    THROTTLED = "throttled"  # too many wrong passwords: wait


@dataclass(frozen=True)
class SignInRefused(Exception):
    """Sign-in refused; `wait` is how long until the throttle lets this account/address try again."""

    reason: Reason
    wait: timedelta = timedelta(0)


@dataclass(frozen=True)
class SignedIn:
    """A new session: `token` goes into the cookie (only its hash is stored); `csrf` into every form."""

    token: str
    csrf: str
    staff: Staff


class SessionEnd(enum.StrEnum):
    NONE = "none"  # no such session (never, signed out, or account disabled)
    IDLE = "idle"  # idle longer than the timeout


@dataclass(frozen=True)
class ActiveSession:
    """The session behind a request's cookie."""

    staff: Staff
    csrf: str
    token_hash: str


def hash_password(password: str) -> str:
    """An argon2id hash (argon2-cffi's PasswordHasher defaults); StaffError for a too-short password."""
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"密码至少 {MIN_PASSWORD} 个字符。")
    return _HASHER.hash(password)


def _view(session: Session, account: StaffAccount) -> Staff:
    class_name = session.get(SchoolClass, account.class_id).name if account.class_id else None  # type: ignore[union-attr]
    return Staff(account.id, account.name, Role(account.role), account.class_id, class_name, account.disabled)


def _account(session: Session, name: str) -> StaffAccount:
    account = session.scalar(select(StaffAccount).where(StaffAccount.name == name))
    if account is None:
        raise NoSuchAccount(f"没有名为“{name}”的后台账号。用 shuxiang staff list 查看。")
    return account


def audit(session: Session, actor: str, action: str, now: datetime, **detail: Any) -> None:
    """Write one audit_log row with the staff account as actor (`staff:NAME`), in the caller's transaction."""
    session.add(AuditEntry(at=now, action=action, actor=f"staff:{actor}"[:60], detail=detail))


def add_staff(library: Library, name: str, role: Role, password: str, *, class_name: str | None = None,
              by: str = "cli") -> Staff:
    """Create an account. A class teacher needs an existing class; other roles take none. StaffError otherwise."""
    name = name.strip()
    if not name or len(name) > NAME_MAX or any(c.isspace() for c in name):
        raise StaffError(f"账号名要 1 到 {NAME_MAX} 个字符，不含空格。")
    if (role == Role.CLASS_TEACHER) != bool(class_name):
        raise StaffError("班主任账号要用 --class 指定班级（如 三年级2班）；其他角色不带班级。")
    password_hash = hash_password(password)
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        if session.scalar(select(StaffAccount.id).where(StaffAccount.name == name)) is not None:
            raise StaffError(f"账号“{name}”已经存在。改密码用 shuxiang staff passwd {name}。")
        class_id = None
        if class_name:
            class_id = session.scalar(select(SchoolClass.id).where(SchoolClass.name == class_name.strip()))
            if class_id is None:
                raise NoSuchClass(f"没有“{class_name}”这个班级。请先导入班级名单，或检查班级名称。")
        account = StaffAccount(name=name, role=role.value, class_id=class_id, password_hash=password_hash,
                               disabled=False, created_at=now, password_changed_at=now)
        session.add(account)
        session.flush()
        audit(session, by, "staff_add", now, account=name, role=role.value, class_id=class_id)
        staff = _view(session, account)
        uow.commit()
    return staff


def set_wechat_librarian(library: Library, card_no: str, on: bool = True, *, by: str = "cli") -> str:
    """Mark (or unmark) the reader with `card_no` as the librarian in WeChat: their bound WeChat may then
    use every desk command by message (借出/归还/损坏/缴费/补办/全校逾期...). Returns the reader's name.

    Only a teacher's or staff card can be marked; StaffError (Chinese) for an unknown or student card.
    Student helpers are named by `[desk] helper_cards` instead (they get the desk only, never money).
    """
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        reader = session.scalar(select(Reader).where(Reader.card_no == card_no.strip().upper()))
        if reader is None:
            raise StaffError(f"没有证号 {card_no} 的读者。请先导入教师名单。")
        if reader.reader_type == ReaderType.STUDENT:
            raise StaffError("学生证不能设为图书管理员；小图书管理员请写进设置 [desk] helper_cards。")
        reader.is_librarian = on
        audit(session, by, "wechat_librarian_on" if on else "wechat_librarian_off", now, reader_id=reader.id)
        name = reader.name
        uow.commit()
    return name


def change_password(library: Library, name: str, password: str, *, by: str = "cli") -> None:
    """Set a new password and end the account's sessions (other browsers must sign in again)."""
    password_hash = hash_password(password)
    now = library.now()
    with library.uow() as uow:
        account = _account(uow.session, name)
        account.password_hash, account.password_changed_at = password_hash, now
        uow.session.execute(delete(StaffSession).where(StaffSession.staff_id == account.id))
        audit(uow.session, by, "staff_passwd", now, account=name)
        uow.commit()


def disable_staff(library: Library, name: str, *, by: str = "cli") -> None:
    """Disable an account: it cannot sign in, and its open sessions end at once."""
    now = library.now()
    with library.uow() as uow:
        account = _account(uow.session, name)
        account.disabled = True
        uow.session.execute(delete(StaffSession).where(StaffSession.staff_id == account.id))
        audit(uow.session, by, "staff_disable", now, account=name)
        uow.commit()


def list_staff(library: Library) -> list[Staff]:
    """Every account, by name."""
    with library.uow() as uow:
        accounts = uow.session.scalars(select(StaffAccount).order_by(StaffAccount.name)).all()
        return [_view(uow.session, a) for a in accounts]


def sign_in(library: Library, name: str, password: str, address: str) -> SignedIn:
    """Check a password under the throttle and open a session; SignInRefused otherwise.

    Counted exactly, also under concurrent attempts: each attempt writes its own row and counts the
    rows written before it in the window (per name and per address) under one transaction lock. A 6th attempt while 5
    are counted is refused without checking the password and leaves no row (waiting is enough; trying
    during the wait does not extend it). A wrong password keeps its row; a right one removes it and the
    name's earlier failures (not the address's: a user's own account must not reset a guessing address).
    """
    name, address = name.strip()[:NAME_MAX], address[:64]
    now = library.now()
    since = now - THROTTLE_WINDOW
    with library.uow() as uow:
        session = uow.session
        # Insert and count under one lock: with ids from a sequence, two attempts committing out of order
        # each missed the other's row on PostgreSQL and both went on (6 checked for a limit of 5).
        transaction_lock(session, "shuxiang-sign-in")
        attempt = SignInFailure(at=now, account=name, address=address)
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
        earlier = select(SignInFailure.at).where(SignInFailure.id < attempt_id, SignInFailure.at > since)
        by_name = session.scalars(earlier.where(SignInFailure.account == name).order_by(SignInFailure.at)).all()
        by_address = session.scalars(earlier.where(SignInFailure.address == address)
                                     .order_by(SignInFailure.at)).all()
        account = session.scalar(select(StaffAccount).where(StaffAccount.name == name))
        full = [rows for rows in (by_name, by_address) if len(rows) >= THROTTLE_LIMIT]
        if full:
            session.execute(delete(SignInFailure).where(SignInFailure.id == attempt_id))
            # The wait ends when enough of the counted failures have left the window.
            wait = max(rows[len(rows) - THROTTLE_LIMIT] + THROTTLE_WINDOW - now for rows in full)
            audit(session, name, "staff_sign_in_throttled", now, address=address)
            uow.commit()
            raise SignInRefused(Reason.THROTTLED, max(wait, timedelta(seconds=1)))
        uow.commit()
    if not _verify(account.password_hash if account else _dummy_hash(), password) or account is None:
        with library.uow() as uow:
            audit(uow.session, name, "staff_sign_in_failed", now, address=address)
            uow.commit()
        raise SignInRefused(Reason.WRONG)
    with library.uow() as uow:
        session = uow.session
        session.execute(delete(SignInFailure).where(or_(SignInFailure.id == attempt_id,
                                                        SignInFailure.account == name)))
        account = session.get(StaffAccount, account.id)
        if account is None or account.disabled:
            audit(session, name, "staff_sign_in_disabled", now, address=address)
            uow.commit()
            raise SignInRefused(Reason.DISABLED)
        if _HASHER.check_needs_rehash(account.password_hash):
            account.password_hash = _HASHER.hash(password)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session.add(StaffSession(token_hash=token_hash(token), staff_id=account.id, csrf=csrf,
                                 created_at=now, last_seen=now))
        audit(session, name, "staff_sign_in", now, address=address)
        staff = _view(session, account)
        uow.commit()
    return SignedIn(token, csrf, staff)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """The stored form of a session token (SHA-256 hex): a copy of the table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def current_session(library: Library, token: str, idle: timedelta) -> ActiveSession | SessionEnd:
    """The session for a cookie's token, touched as used; IDLE (and removed) past the idle timeout.

    Read without the write lock (SQLite's BEGIN IMMEDIATE); a write follows only to remove an ended
    session or to move last_seen, at most once per SEEN_EVERY.
    """
    now, key = library.now(), token_hash(token)
    with library.read_uow() as uow:
        session = uow.session
        row = session.get(StaffSession, key)
        if row is None:
            return SessionEnd.NONE
        account = session.get(StaffAccount, row.staff_id)
        usable = account is not None and not account.disabled
        if usable and now - row.last_seen <= idle:
            active = ActiveSession(_view(session, account), row.csrf, key)  # type: ignore[arg-type]
            if now - row.last_seen < SEEN_EVERY:
                return active
        else:
            active = None
    with library.uow() as uow:
        if active is None:
            uow.session.execute(delete(StaffSession).where(StaffSession.token_hash == key))
        else:
            uow.session.execute(update(StaffSession).where(StaffSession.token_hash == key)
                                .values(last_seen=now))
        uow.commit()
    if active is not None:
        return active
    return SessionEnd.IDLE if usable else SessionEnd.NONE


def sign_out(library: Library, token: str) -> None:
    """End a session (no error when it is already gone)."""
    now = library.now()
    with library.uow() as uow:
        row = uow.session.get(StaffSession, token_hash(token))
        if row is not None:
            account = uow.session.get(StaffAccount, row.staff_id)
            uow.session.delete(row)
            audit(uow.session, account.name if account else "?", "staff_sign_out", now)
            uow.commit()


def purge_old(library: Library, idle: timedelta) -> int:
    """Remove idle sessions and failures outside the throttle window; returns rows removed."""
    now = library.now()
    with library.uow() as uow:
        removed = uow.session.execute(delete(StaffSession).where(StaffSession.last_seen < now - idle)).rowcount
        removed += uow.session.execute(delete(SignInFailure)
                                       .where(SignInFailure.at < now - THROTTLE_WINDOW)).rowcount
        uow.commit()
    return removed


def count_staff(library: Library) -> int:
    """How many accounts exist (a fresh install has none until `shuxiang staff add`)."""
    with library.uow() as uow:
        return uow.session.scalar(select(func.count(StaffAccount.id))) or 0
