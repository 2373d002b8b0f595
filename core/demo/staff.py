"""The demo school's console accounts (published passwords: demo databases only)."""
from __future__ import annotations

from core.demo.users import DEMO_CLASS
from core.library import Library
from core.staff import Role, add_staff

DEMO_STAFF_PASSWORD = "shuxiang-demo"
# (sign-in name, role, class) — listed on the simulator page and in the README.
DEMO_STAFF: tuple[tuple[str, Role, str | None], ...] = (
    ("librarian", Role.LIBRARIAN, None),
    ("helper", Role.HELPER, None),
    ("headteacher", Role.CLASS_TEACHER, DEMO_CLASS),
)


def add_demo_staff(library: Library) -> None:
    """Create the three demo accounts, all with the password `shuxiang-demo`."""
    for name, role, class_name in DEMO_STAFF:
        add_staff(library, name, role, DEMO_STAFF_PASSWORD, class_name=class_name, by="demo")
