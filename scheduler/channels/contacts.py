"""家校通讯录: classes, students and their parents from /cgi-bin/school/department/list and /user/list."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.contacts_sync import RosterParent, RosterStudent
from scheduler.channels.api import WeixinApi


@dataclass(frozen=True)
class Department:
    id: int
    name: str
    parent_id: int
    type: int  # 1 = class, 2 = grade, 3 = stage, 4 = campus (WeCom's numbering)


@dataclass(frozen=True)
class Student:
    userid: str
    name: str
    departments: tuple[int, ...]
    parents: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)  # (parent_userid, relation, mobile)


class SchoolContacts:
    """Reads the school contacts; the librarian's import decides what to do with them."""

    def __init__(self, api: WeixinApi) -> None:
        self._api = api

    async def departments(self, root: int = 0) -> list[Department]:
        params = {"id": str(root)} if root else {}
        data = await self._api.call("GET", "/cgi-bin/school/department/list", params=params)
        return [Department(int(d["id"]), str(d.get("name", "")), int(d.get("parentid", 0)), int(d.get("type", 0)))
                for d in data.get("departments", [])]

    async def students(self, department_id: int) -> list[Student]:
        data = await self._api.call("GET", "/cgi-bin/school/user/list",
                                    params={"department_id": str(department_id), "fetch_child": "1"})
        return [Student(str(s["student_userid"]), str(s.get("name", "")),
                        tuple(int(d) for d in s.get("department", [])),
                        tuple((str(p["parent_userid"]), str(p.get("relation", "")), str(p.get("mobile", "")))
                              for p in s.get("parents", [])))
                for s in data.get("students", [])]

    async def roster(self) -> dict[str, list[Student]]:
        """Class name → its students with their parents (classes are departments of type 1)."""
        classes = [d for d in await self.departments() if d.type == 1]
        return {c.name: await self.students(c.id) for c in classes}


def roster_students(roster: dict[str, list[Student]]) -> list[RosterStudent]:
    """The roster as core's plain rows for `core.contacts_sync.sync_school_contacts`."""
    return [RosterStudent(s.name, class_name, tuple(RosterParent(*p) for p in s.parents))
            for class_name, students in roster.items() for s in students]
