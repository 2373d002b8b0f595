"""Sync the WeCom 家校沟通 school contacts into the library: parents become guardians bound by parent_userid.

The scheduler reads the contacts (scheduler/channels/contacts.py) and hands them here as plain
RosterStudent rows, so core never imports the WeCom client. Students are matched to readers by
class and exact name; nothing is guessed, and readers' names and classes are never changed.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import Binding
from core.circulation.lookups import audit
from core.imports.values import parse_class
from core.library import Library
from core.models import Guardian, GuardianStudent, Reader, ReaderStatus, ReaderType, SchoolClass


@dataclass(frozen=True)
class RosterParent:
    """One parent of a student as WeCom lists them."""

    userid: str
    relation: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class RosterStudent:
    """One student in the WeCom contacts, with the class department they sit in."""

    name: str
    class_name: str
    parents: tuple[RosterParent, ...] = ()


@dataclass
class SyncReport:
    """What a sync did (or, in a dry run, would do)."""

    matched: int = 0
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (class, name): no such reader
    ambiguous: list[tuple[str, str]] = field(default_factory=list)  # (class, name): several candidates
    guardians_created: int = 0
    links_added: int = 0  # an existing guardian newly linked to a student
    bindings_added: int = 0
    dry_run: bool = False


def class_key(raw: str) -> str:
    """The library's class name for a WeCom department name ('3(2)班' → '三年级2班'); unknown forms as given."""
    parsed = parse_class(raw.strip())
    return parsed[0] if parsed is not None else raw.strip()


def phone_digits(raw: str) -> str:
    """Digits only, without a leading 86 country code, so '+86 138-0000-0003' equals '13800000003'."""
    digits = re.sub(r"\D", "", raw or "")
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def sync_school_contacts(library: Library, roster: Iterable[RosterStudent], *, dry_run: bool = False) -> SyncReport:
    """Bind every WeCom parent to a guardian of their matched student; one transaction, idempotent."""
    students = list(roster)
    report = SyncReport(dry_run=dry_run)
    # Two WeCom students with one name in one class cannot be told apart by name either.
    seen = Counter((class_key(s.class_name), s.name.strip()) for s in students)
    with library.uow() as uow:
        session = uow.session
        for student in students:
            key = (class_key(student.class_name), student.name.strip())
            candidates = _readers(session, *key)
            if len(candidates) > 1 or (candidates and seen[key] > 1):
                report.ambiguous.append(key)
            elif not candidates:
                report.unmatched.append(key)
            else:
                report.matched += 1
                for parent in student.parents:
                    if parent.userid:
                        _sync_parent(library, session, candidates[0], parent, report)
        if not dry_run and (report.guardians_created or report.links_added or report.bindings_added):
            audit(session, library.now(), "contacts_sync", "cli", matched=report.matched,
                  guardians=report.guardians_created, bindings=report.bindings_added)
            uow.commit()
    return report


def _readers(session: Session, class_name: str, name: str) -> list[Reader]:
    """Students of that class with exactly that name (a reader who has left is no longer a candidate)."""
    return list(session.scalars(
        select(Reader).join(SchoolClass, SchoolClass.id == Reader.class_id)
        .where(SchoolClass.name == class_name, Reader.name == name, Reader.reader_type == ReaderType.STUDENT,
               Reader.status != ReaderStatus.LEFT)
        .order_by(Reader.id)))


def _sync_parent(library: Library, session: Session, student: Reader, parent: RosterParent,
                 report: SyncReport) -> None:
    guardian = _guardian_for(session, student, parent)
    created = guardian is None
    if guardian is None:
        guardian = Guardian(name=f"{student.name}的{parent.relation or '家长'}", phone=phone_digits(parent.mobile),
                            created_at=library.now())
        session.add(guardian)
        session.flush()
        report.guardians_created += 1
    if session.get(GuardianStudent, (guardian.id, student.id)) is None:
        session.add(GuardianStudent(guardian_id=guardian.id, student_id=student.id, relation=parent.relation or "家长"))
        # A guardian found through its binding to another child is not "created", only linked.
        report.links_added += 0 if created else 1
    exists = session.scalar(select(Binding.id).where(Binding.user_id == parent.userid,
                                                     Binding.guardian_id == guardian.id))
    if exists is None:
        session.add(Binding(user_id=parent.userid, guardian_id=guardian.id, created_at=library.now()))
        session.flush()
        report.bindings_added += 1


def _guardian_for(session: Session, student: Reader, parent: RosterParent) -> Guardian | None:
    """The guardian this parent already is: bound to this child, same phone on this child, or bound to a sibling."""
    bound = list(session.scalars(
        select(Guardian).join(Binding, Binding.guardian_id == Guardian.id)
        .where(Binding.user_id == parent.userid).order_by(Guardian.id)))
    linked = set(session.scalars(select(GuardianStudent.guardian_id)
                                 .where(GuardianStudent.student_id == student.id)))
    for guardian in bound:
        if guardian.id in linked:
            return guardian
    phone = phone_digits(parent.mobile)
    if phone:
        for guardian in session.scalars(select(Guardian).where(Guardian.id.in_(linked)).order_by(Guardian.id)):
            if phone_digits(guardian.phone) == phone:
                return guardian
    # One guardian per parent user, as binding by code does: a second child joins the same guardian.
    return bound[0] if bound else None
