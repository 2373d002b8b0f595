"""Who receives a reader's notices: the users bound to the card, for a student their parents, and for a
class borrower (集体借阅) its class teacher."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import Binding
from core.models import GuardianStudent, Reader, ReaderStatus, ReaderType, SchoolClass
from core.notices.routing import PARENT, STAFF


@dataclass
class Directory:
    """Bindings loaded once per job run (two queries), so thousands of notices need no more."""

    own: dict[int, list[str]] = field(default_factory=dict)  # reader id → users bound to that card
    parents: dict[int, list[str]] = field(default_factory=dict)  # student id → users bound to a guardian
    librarians: list[str] = field(default_factory=list)
    # class borrower (集体借阅) → its class teacher's reader id: the teacher answers for the collection
    class_owner: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Directory:
        own: dict[int, list[str]] = defaultdict(list)
        by_guardian: dict[int, list[str]] = defaultdict(list)
        for user_id, reader_id, guardian_id in session.execute(
                select(Binding.user_id, Binding.reader_id, Binding.guardian_id).order_by(Binding.id)):
            if reader_id is not None:
                own[reader_id].append(user_id)
            if guardian_id is not None:
                by_guardian[guardian_id].append(user_id)
        parents: dict[int, list[str]] = defaultdict(list)
        for guardian_id, student_id in session.execute(select(GuardianStudent.guardian_id,
                                                              GuardianStudent.student_id)):
            parents[student_id].extend(by_guardian.get(guardian_id, []))
        librarians = [u for r in session.scalars(select(Reader.id).where(Reader.is_librarian.is_(True),
                                                                         Reader.status == ReaderStatus.ACTIVE))
                      for u in own.get(r, [])]
        class_owner = {rid: teacher for rid, teacher in session.execute(
            select(Reader.id, SchoolClass.class_teacher_id).join(SchoolClass, SchoolClass.id == Reader.class_id)
            .where(Reader.reader_type == ReaderType.CLASS, SchoolClass.class_teacher_id.is_not(None)))}
        return cls(dict(own), dict(parents), list(dict.fromkeys(librarians)), class_owner)

    def for_reader(self, reader_id: int, reader_type: ReaderType | str) -> list[tuple[str, str]]:
        """(user id, audience) for a reader's notice: students' go to their parents (and own binding)."""
        if reader_type == ReaderType.STUDENT:
            users = self.parents.get(reader_id, []) + self.own.get(reader_id, [])
            return [(u, PARENT) for u in dict.fromkeys(users)]
        if reader_type == ReaderType.CLASS:  # a class collection's notices go to its class teacher
            reader_id = self.class_owner.get(reader_id, reader_id)
        return [(u, STAFF) for u in dict.fromkeys(self.own.get(reader_id, []))]


def class_teachers(session: Session) -> dict[int, tuple[str, int]]:
    """class id → (class name, class teacher's reader id) for classes that have one."""
    rows = session.execute(select(SchoolClass.id, SchoolClass.name, SchoolClass.class_teacher_id)
                           .where(SchoolClass.class_teacher_id.is_not(None)))
    return {cid: (name, teacher) for cid, name, teacher in rows}
