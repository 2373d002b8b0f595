"""The library's tables (SQLAlchemy 2 typed ORM). Times are UTC; school days are dates.

Enums are stored as short strings (non-native) so SQLite and PostgreSQL share one schema.
"""
from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: the same on SQLite (no zones) and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e],
                validate_strings=True)


class ItemType(enum.StrEnum):
    GENERAL = "general"
    TEACHING_REFERENCE = "teaching_reference"  # 教学参考书
    REFERENCE = "reference"  # 工具书、大型成套图书: reading room only
    PERIODICAL = "periodical"


class ItemStatus(enum.StrEnum):
    AVAILABLE = "available"
    ON_LOAN = "on_loan"
    HELD = "held"  # held for a reservation
    IN_REPAIR = "in_repair"
    LOST = "lost"
    WITHDRAWN = "withdrawn"


class ReaderType(enum.StrEnum):
    TEACHER = "teacher"
    STUDENT = "student"
    STAFF = "staff"
    CLASS = "class"  # a class borrower (集体借阅/班级图书角), owned by its class teacher


class ReaderStatus(enum.StrEnum):
    ACTIVE = "active"
    CARD_LOST = "card_lost"
    LEFT = "left"  # 调离/转学/毕业, after clearance


class ReservationStatus(enum.StrEnum):
    WAITING = "waiting"
    READY = "ready"  # a copy is held for the reader
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class ChargeKind(enum.StrEnum):
    OVERDUE = "overdue"
    LOST = "lost"
    DAMAGE = "damage"
    THEFT = "theft"  # 偷窃: a multiple of the price ([policy] theft_multiple); non-native enum, no DDL


class ChargeStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    WAIVED = "waived"


class Title(Base):
    """书目: one bibliographic record; copies are Items."""

    __tablename__ = "titles"
    id: Mapped[int] = mapped_column(primary_key=True)
    isbn: Mapped[str | None] = mapped_column(String(13), index=True)  # normalised ISBN-13
    title: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(200), default="")
    publisher: Mapped[str] = mapped_column(String(200), default="")
    year: Mapped[int | None] = mapped_column(Integer)
    clc: Mapped[str] = mapped_column(String(40), default="")  # 中图法分类号
    series: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")  # one-line introduction
    min_grade: Mapped[int | None] = mapped_column(Integer)  # suitable grades, 1..9
    max_grade: Mapped[int | None] = mapped_column(Integer)
    subjects: Mapped[str] = mapped_column(String(300), default="")  # space-separated topics
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    items: Mapped[list[Item]] = relationship(back_populates="title")


class Item(Base):
    """复本: one physical copy, identified by its barcode."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    barcode: Mapped[str] = mapped_column(String(40), unique=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    call_number: Mapped[str] = mapped_column(String(60), default="")  # 索书号
    location: Mapped[str] = mapped_column(String(100), default="")  # 馆藏地/书架
    item_type: Mapped[ItemType] = mapped_column(_enum(ItemType), default=ItemType.GENERAL)
    price_fen: Mapped[int] = mapped_column(Integer, default=0)
    accession_number: Mapped[str | None] = mapped_column(String(40), index=True)  # 登录号/财产号, not the barcode
    source: Mapped[str] = mapped_column(String(20), default="", server_default="")  # 采购 | 捐赠 | 调拨 ...
    donor: Mapped[str] = mapped_column(String(100), default="", server_default="")  # who gave a 捐赠 copy
    # Damage already on the copy (缺页, 污损, 加记印章), so the next reader is not charged for it.
    condition_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    status: Mapped[ItemStatus] = mapped_column(_enum(ItemStatus), default=ItemStatus.AVAILABLE, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[Title] = relationship(back_populates="items")


class SchoolClass(Base):
    """A class such as 三年级2班, with its class teacher (班主任)."""

    __tablename__ = "classes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    grade: Mapped[int] = mapped_column(Integer)
    # No FK constraint: readers.class_id → classes already points the other way, and a
    # cycle would need ALTER TABLE on SQLite. Services keep it valid.
    class_teacher_id: Mapped[int | None] = mapped_column(Integer, index=True)


class Reader(Base):
    """A borrower, identified by card number (借阅证号)."""

    __tablename__ = "readers"
    id: Mapped[int] = mapped_column(primary_key=True)
    card_no: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    reader_type: Mapped[ReaderType] = mapped_column(_enum(ReaderType))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id"), index=True)
    status: Mapped[ReaderStatus] = mapped_column(_enum(ReaderStatus), default=ReaderStatus.ACTIVE)
    suspended_until: Mapped[date | None] = mapped_column(Date)  # no borrowing through this day
    suspension_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")  # manual suspension
    is_librarian: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    school_class: Mapped[SchoolClass | None] = relationship(foreign_keys=[class_id])


class RetiredCard(Base):
    """A card number no longer valid (挂失 then replaced); history stays on the reader."""

    __tablename__ = "retired_cards"
    card_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id"), index=True)
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(40), default="lost")


class Guardian(Base):
    """A parent or guardian (家长); linked to one or more students."""

    __tablename__ = "guardians"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(30), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GuardianStudent(Base):
    __tablename__ = "guardian_students"
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("readers.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(20), default="家长")


class Loan(Base):
    """One copy lent to one reader. Open while returned_at and lost_at are empty."""

    __tablename__ = "loans"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id"), index=True)
    loaned_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)  # due at 23:59 school time
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewal_count: Mapped[int] = mapped_column(Integer, default=0)
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    item: Mapped[Item] = relationship()
    reader: Mapped[Reader] = relationship()

    __table_args__ = (
        # The database itself refuses a second open loan on one copy (races, bugs).
        Index("uq_loans_open_item", "item_id", unique=True,
              sqlite_where=text("is_open"), postgresql_where=text("is_open")),
        Index("ix_loans_open_due", "is_open", "due_date"),
    )


class Renewal(Base):
    __tablename__ = "renewals"
    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    old_due: Mapped[date] = mapped_column(Date)
    new_due: Mapped[date] = mapped_column(Date)


class Reservation(Base):
    """预约: a queue per title, first come first served (ordered by id)."""

    __tablename__ = "reservations"
    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ReservationStatus] = mapped_column(_enum(ReservationStatus), default=ReservationStatus.WAITING)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))  # the held copy when ready
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_until: Mapped[date | None] = mapped_column(Date)  # last open day to pick it up
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[Title] = relationship()
    reader: Mapped[Reader] = relationship()

    __table_args__ = (Index("ix_reservations_title_status", "title_id", "status"),)


class Charge(Base):
    """A fine or compensation in fen: overdue, lost (照价赔偿), damage (repair) or theft (以书价的10倍)."""

    __tablename__ = "charges"
    id: Mapped[int] = mapped_column(primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[ChargeKind] = mapped_column(_enum(ChargeKind))
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[ChargeStatus] = mapped_column(_enum(ChargeStatus), default=ChargeStatus.OPEN)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClassRotaTurn(Base):
    """One borrowing turn of a class (借阅轮流表): a weekday (0 = Monday) and a window in school time
    ("12:10"–"12:50"), every week or every `every_weeks` weeks counted from `first_week` (a Monday),
    at a place (图书室/阅览室)."""

    __tablename__ = "class_rota"
    __table_args__ = (UniqueConstraint("class_id", "weekday", "starts", name="uq_class_rota_turn"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[str] = mapped_column(String(5))  # "HH:MM", school time
    ends: Mapped[str] = mapped_column(String(5))
    every_weeks: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    first_week: Mapped[date | None] = mapped_column(Date)  # the Monday of a turn week when every_weeks > 1
    place: Mapped[str] = mapped_column(String(40), default="", server_default="")
    school_class: Mapped[SchoolClass] = relationship()


class Term(Base):
    """A school term (学期); outside every term the library is closed (vacation)."""

    __tablename__ = "terms"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class CalendarDay(Base):
    """An exception to the weekly rule: a holiday (closed) or a make-up school day (调休, open)."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_open: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(60), default="")


class AuditEntry(Base):
    """Every circulation action, for the librarian and for disputes."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(60), default="")
    reader_id: Mapped[int | None] = mapped_column(ForeignKey("readers.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CatalogueVersion(Base):
    """A single counter bumped on every catalogue change, so search indexes know to rebuild."""

    __tablename__ = "catalogue_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyKey(Base):
    """A processed request (e.g. a WeChat MsgId) and its stored answer, so retries run once."""

    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    result: Mapped[str | None] = mapped_column(Text)
    # A claim is a lease: its holder (process + request) and until when. A pending key whose lease ran
    # out belongs to a holder that died before finishing; the next copy of the message takes it over.
    owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CallbackNonce(Base):
    """A (channel, nonce) pair a signed callback carried: accepted once while its timestamp is in the window.

    Kept in the database so every server process refuses a replay. `timestamp` is the callback's
    own (UTC); rows are purged only once that timestamp is outside the window for good.
    """

    __tablename__ = "callback_nonces"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The request's signature, unique per channel too: a used URL cut into other timestamp and nonce
    # strings signs the same concatenation, so it keeps its signature (core/replay.py).
    signature: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("channel", "signature"),)


class InstallFact(Base):
    """Facts about this installation as key/value rows, e.g. ("demo_school", "1") written by the demo builder."""

    __tablename__ = "install_facts"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")


class StaffAccount(Base):
    """A console account (librarian, helper or class teacher); the password only as an argon2 hash."""

    __tablename__ = "staff_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)  # the sign-in name
    role: Mapped[str] = mapped_column(String(20))  # librarian | helper | class-teacher (core.staff.Role)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id"))  # class teachers only
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffSession(Base):
    """A signed-in browser: the cookie's token only as its SHA-256, a CSRF token, the last request time."""

    __tablename__ = "staff_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SignInFailure(Base):
    """One wrong password (or one attempt still being checked): the throttle counts these per account and address."""

    __tablename__ = "sign_in_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    account: Mapped[str] = mapped_column(String(60), index=True)  # the name typed (may not exist)
    address: Mapped[str] = mapped_column(String(64), index=True)  # the client's address
