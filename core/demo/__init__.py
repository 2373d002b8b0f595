"""The demo school: real and synthetic books, classes, readers and loans relative to today.

`core.demo.builder.build_demo(library)` fills an empty database; see core/demo/README.md.
"""

from core.demo.users import DEMO_USERS, DemoUser

__all__ = ["DEMO_USERS", "DemoUser"]
