"""The demo WeChat users the simulator and the transport list (bindings come from another module)."""
from __future__ import annotations

from typing import NamedTuple

TEACHER_CARD = "T0001"
TEACHER_NAME = "张静"  # 张老师: loans due soon and overdue
HEADTEACHER_CARD = "T0002"
HEADTEACHER_NAME = "李红"  # 李老师, 班主任 of 三年级2班
LIBRARIAN_CARD = "L0001"
LIBRARIAN_NAME = "王芳"  # 王老师, the school librarian
DEMO_CLASS = "三年级2班"
DEMO_STUDENT_CARD = "S30201"
DEMO_STUDENT_NAME = "陈思雨"  # in 三年级2班, with loans
DEMO_SIBLING_CARD = "S10105"
DEMO_SIBLING_NAME = "陈思远"  # her brother in 一年级1班
DEMO_PARENT_NAME = "刘敏"
DEMO_PARENT_PHONE = "13800000003"  # unique among demo guardians: identifies the demo parent
DEMO_OTHER_PARENT_NAME = "陈建国"


class DemoUser(NamedTuple):
    """openid, role, the reader card number (or "guardian:<phone>", or "" when unbound), a display name."""

    openid: str
    role: str
    ref: str
    display_name: str


DEMO_USERS: list[DemoUser] = [
    DemoUser("demo-teacher", "teacher", TEACHER_CARD, "张老师"),
    DemoUser("demo-headteacher", "headteacher", HEADTEACHER_CARD, "李老师（三年级2班班主任）"),
    DemoUser("demo-parent", "parent", f"guardian:{DEMO_PARENT_PHONE}", "刘敏（陈思雨、陈思远的妈妈）"),
    DemoUser("demo-librarian", "librarian", LIBRARIAN_CARD, "王老师（图书管理员）"),
    DemoUser("demo-stranger", "stranger", "", "访客（未绑定）"),
]
