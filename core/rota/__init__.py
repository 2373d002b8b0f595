"""The class borrowing rota (借阅轮流表): date rules in `schedule`, the services in `service`,
the timetable import in `timetable`."""
from __future__ import annotations

from core.rota.schedule import WEEKDAY_NAMES, RotaInvalid, Turn, next_turn, turns_on
from core.rota.service import (
    ClassRota,
    SkippedTurn,
    TurnStatus,
    class_rota,
    class_turn_due,
    find_class,
    make_turn,
    remove_turns,
    replace_rota,
    replace_turns,
    set_turn,
    skipped_turns,
    turn_status,
    turns_by_class,
)

__all__ = ["WEEKDAY_NAMES", "ClassRota", "RotaInvalid", "SkippedTurn", "Turn", "TurnStatus", "class_rota",
           "class_turn_due", "find_class", "make_turn", "next_turn", "remove_turns", "replace_rota",
           "replace_turns", "set_turn", "skipped_turns", "turn_status", "turns_by_class", "turns_on"]
