"""The demo school's [targets]: every grade has one, so the simulator, the console and the reports show them."""
from __future__ import annotations

from typing import Any

from core.demo.people import GRADES

# 生均每学期不少于4本 for 三到六年级; the youngest (picture books read with parents) and 初中 (heavier
# homework) a little less; two class-collection rotations (图书漂流) per class per term everywhere.
BOOKS_PER_GRADE = {1: 3, 2: 3, 3: 4, 4: 4, 5: 4, 6: 4, 7: 3, 8: 3, 9: 3}
ROTATIONS = 2


def demo_targets() -> dict[str, Any]:
    """The raw [targets] table the demo runs with (as if read from a config file)."""
    return {"books_per_student": 4, "class_rotations": ROTATIONS,
            "grade": {str(g): {"books_per_student": BOOKS_PER_GRADE[g]} for g in GRADES}}
