"""The demo school's borrowing rota (借阅轮流表), after the schools' own plans: 一、二年级每周一、三下午在
阅览室; 三到六年级隔周一次 at noon in 图书室; 七到九年级隔周一次 after school. 三年级2班 (the demo class) has its
turn on today's weekday this week (Wednesday at a weekend), so the simulator shows "今天轮到我们班"."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.demo.users import DEMO_CLASS
from core.models import ClassRotaTurn, SchoolClass
from core.rota.schedule import monday_of

# Every turn ends before the demo library closes (开放时间 8:00–16:30, core/settings.py).
LOWER_SLOTS = ("13:30-14:10", "14:15-14:55", "15:00-15:40", "15:45-16:25")  # grades 1–2, 周一 and 周三
MIDDLE = ("12:10", "12:50", "图书室")  # grades 3–6, every other week
UPPER = ("15:40", "16:20", "图书室")  # grades 7–9, every other week, after the last lesson


def insert_demo_rota(session: Session, term_start: date, today: date) -> int:
    """One or two turns for every class; returns how many turns were written."""
    first = monday_of(term_start)
    this_week = monday_of(today)
    # The term-start parity that makes this week a turn week of an every-other-week class.
    on_this_week = first if ((this_week - first).days // 7) % 2 == 0 else first + timedelta(days=7)
    off_this_week = on_this_week + timedelta(days=7)
    demo_weekday = today.weekday() if today.weekday() < 5 else 2
    rows: list[dict[str, object]] = []
    classes = session.execute(select(SchoolClass.id, SchoolClass.name, SchoolClass.grade)
                              .order_by(SchoolClass.grade, SchoolClass.name)).all()
    lower = middle = upper = 0
    for class_id, name, grade in classes:
        if grade <= 2:
            starts, ends = LOWER_SLOTS[lower % len(LOWER_SLOTS)].split("-")
            lower += 1
            for weekday in (0, 2):
                rows.append({"class_id": class_id, "weekday": weekday, "starts": starts, "ends": ends,
                             "every_weeks": 1, "first_week": first, "place": "阅览室"})
            continue
        if grade <= 6:
            starts, ends, place = MIDDLE
            weekday = demo_weekday if name == DEMO_CLASS else (1 + middle) % 5
            week = on_this_week if name == DEMO_CLASS or middle % 2 == 0 else off_this_week
            middle += 1
        else:
            starts, ends, place = UPPER
            weekday, week = upper % 5, on_this_week if upper % 2 == 0 else off_this_week
            upper += 1
        rows.append({"class_id": class_id, "weekday": weekday, "starts": starts, "ends": ends,
                     "every_weeks": 2, "first_week": week, "place": place})
    if rows:
        session.execute(insert(ClassRotaTurn), rows)
    return len(rows)
