"""A person's push preferences for the librarian (a parent asks at the desk: "不要再给我发新书推荐了").

Find a reader or guardian by name or card; each bound WeChat/WeCom account is shown by its binding
(the row id and the day it was bound), never by its openid. Switching a topic uses the bot's own
退订/恢复 rows (core.notices.preferences) and writes an audit entry in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from core.accounts import Binding
from core.library import Library
from core.messaging import Unsubscribed
from core.models import Guardian, GuardianStudent, Reader, ReaderType, SchoolClass
from core.notices.preferences import is_stopped, restart_in, stop_in
from core.notices.topics import ALL, LABELS
from core.staff import audit

TOPICS = tuple(t for t in LABELS if t != ALL)  # one switch per kind; ALL is its own switch
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class PushAccount:
    """One bound account: its binding id (the console's handle for it) and what it stopped."""

    binding_id: int
    bound_at: datetime
    stopped: frozenset[str]

    def is_on(self, topic: str) -> bool:
        """Whether notices of `topic` reach this account (ALL stops every kind but 催还)."""
        return not is_stopped(set(self.stopped), topic)

    @property
    def all_stopped(self) -> bool:
        """退订全部 is on."""
        return ALL in self.stopped


@dataclass(frozen=True)
class PushHolder:
    """A reader (teacher, student) or a guardian, with the accounts bound to them."""

    kind: str  # reader | guardian
    id: int
    name: str
    role: str  # 老师 / 学生 / 陈思雨的家长
    classes: tuple[str, ...]
    accounts: tuple[PushAccount, ...]


class NotFound(LookupError):
    """No binding with that id (unbound meanwhile, or a stale form)."""


def find_push_holders(library: Library, query: str) -> list[PushHolder]:
    """Readers whose name contains `query` or whose card is `query`, and guardians whose name contains
    it; a student found brings their guardians (the parent asking is listed under the child's name).
    At most SEARCH_LIMIT people; an empty query finds nobody."""
    text = query.strip()
    if not text:
        return []
    with library.read_uow() as uow:
        s = uow.session
        readers = s.execute(
            select(Reader.id, Reader.name, Reader.reader_type, SchoolClass.name)
            .outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
            .where(or_(Reader.name.contains(text, autoescape=True), Reader.card_no == text.upper()),
                   Reader.reader_type.in_((ReaderType.TEACHER, ReaderType.STUDENT)))
            .order_by(Reader.name, Reader.id).limit(SEARCH_LIMIT)).all()
        students = {rid: (name, cls) for rid, name, rtype, cls in readers if rtype == ReaderType.STUDENT}
        guardian_ids = list(s.scalars(select(Guardian.id).where(Guardian.name.contains(text, autoescape=True))
                                      .limit(SEARCH_LIMIT)))
        guardian_ids += list(s.scalars(select(GuardianStudent.guardian_id)
                                       .where(GuardianStudent.student_id.in_(list(students)))))
        guardian_ids = list(dict.fromkeys(guardian_ids))[:SEARCH_LIMIT]
        kids: dict[int, list[tuple[str, str]]] = {}
        for gid, child, cls in s.execute(
                select(GuardianStudent.guardian_id, Reader.name, SchoolClass.name)
                .join(Reader, Reader.id == GuardianStudent.student_id)
                .outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
                .where(GuardianStudent.guardian_id.in_(guardian_ids))):
            kids.setdefault(gid, []).append((child, cls or ""))
        guardian_names = dict(s.execute(select(Guardian.id, Guardian.name).where(Guardian.id.in_(guardian_ids))).all())
        bindings = s.execute(select(Binding.id, Binding.user_id, Binding.created_at, Binding.reader_id,
                                    Binding.guardian_id)
                             .where(or_(Binding.reader_id.in_([r[0] for r in readers]),
                                        Binding.guardian_id.in_(guardian_ids))).order_by(Binding.id)).all()
        stopped: dict[str, set[str]] = {}
        for user_id, topic in s.execute(select(Unsubscribed.user_id, Unsubscribed.topic)
                                        .where(Unsubscribed.user_id.in_({b.user_id for b in bindings}))):
            stopped.setdefault(user_id, set()).add(topic)

    def accounts(reader_id: int | None = None, guardian_id: int | None = None) -> tuple[PushAccount, ...]:
        return tuple(PushAccount(b.id, b.created_at, frozenset(stopped.get(b.user_id, set()))) for b in bindings
                     if (reader_id is not None and b.reader_id == reader_id)
                     or (guardian_id is not None and b.guardian_id == guardian_id))

    found = [PushHolder("reader", rid, name, "老师" if rtype == ReaderType.TEACHER else "学生",
                        (cls,) if cls else (), accounts(reader_id=rid)) for rid, name, rtype, cls in readers]
    for gid in guardian_ids:
        children = kids.get(gid, [])
        role = f"{'、'.join(c for c, _ in children)}的家长" if children else "家长"
        found.append(PushHolder("guardian", gid, guardian_names.get(gid, "家长"), role,
                                tuple(dict.fromkeys(cls for _, cls in children if cls)), accounts(guardian_id=gid)))
    # A student's own card is rarely bound: list them only when they have an account, their parents always.
    return [h for h in found if h.accounts or h.kind == "guardian" or h.role == "老师"]


def set_topic(library: Library, binding_id: int, topic: str, on: bool, *, actor: str) -> bool:
    """Switch one kind of push on or off for the account of `binding_id` (the bot's 退订/恢复 rows), with
    an audit entry, in one transaction. True when something changed (a repeated click changes nothing).

    Raises NotFound for an unknown binding and ValueError for an unknown topic.
    """
    if topic not in LABELS:
        raise ValueError(f"unknown topic {topic!r}")
    with library.uow() as uow:
        binding = uow.session.get(Binding, binding_id)
        if binding is None:
            raise NotFound(binding_id)
        if on:
            changed = restart_in(uow.session, binding.user_id, topic)
        else:
            changed = stop_in(uow.session, binding.user_id, topic, library.now())
        if changed:
            audit(uow.session, actor, "push_topic_on" if on else "push_topic_off", library.now(),
                  binding_id=binding_id, topic=topic)
        uow.commit()
    return changed
