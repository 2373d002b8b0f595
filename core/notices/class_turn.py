"""借书日提醒: on a class's rota turn day, its class teacher and class group are told the time.

Written once per class and day (key `class_turn:<class>:<day>`), only on an open day and only before
the turn begins (a reminder after the turn helps no one); quiet hours hold it as every push. The class
teacher's text names the students with late books; the class group's gives counts only.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.circulation.fines import days_late
from core.clock import SCHOOL_TZ
from core.models import Item, Loan, Reader, ReaderType, SchoolClass, Title
from core.notices import texts, topics
from core.notices.recipients import class_teachers
from core.notices.routing import GROUP
from core.rota.schedule import turns_on
from core.rota.service import turns_by_class

if TYPE_CHECKING:
    from core.notices.compute import Run


def class_turns(run: Run) -> None:
    """借书日提醒 for every class whose turn is today and has not begun yet."""
    if not run.calendar.is_open(run.today):
        return
    from core.notices.compute import group_user  # the class group's address, as the weekly list uses

    now_time = run.now.astimezone(SCHOOL_TZ).strftime("%H:%M")
    due_today: dict[int, str] = {}
    for class_id, turns in turns_by_class(run.session).items():
        found = turns_on(turns, run.calendar, run.today)
        upcoming = [t for t in found if t.starts > now_time]
        if upcoming:
            due_today[class_id] = upcoming[0].starts
    if not due_today:
        return
    late: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    days: dict[object, int] = {}
    for class_id, name, title, due in run.session.execute(
            select(Reader.class_id, Reader.name, Title.title, Loan.due_date)
            .join(Reader, Reader.id == Loan.reader_id).join(Item, Item.id == Loan.item_id)
            .join(Title, Title.id == Item.title_id)
            .where(Loan.is_open.is_(True), Loan.due_date < run.today, Reader.class_id.in_(list(due_today)),
                   Reader.reader_type == ReaderType.STUDENT)):
        if due not in days:
            days[due] = days_late(run.library.policy, run.calendar, due, run.today)  # as 我的借阅 and the lists count
        if days[due] >= 1:
            late[class_id].append((name, title, days[due]))
    teachers = class_teachers(run.session)
    names = dict(run.session.execute(select(SchoolClass.id, SchoolClass.name)
                                     .where(SchoolClass.id.in_(list(due_today)))).all())
    day = run.today.isoformat()
    for class_id, starts in sorted(due_today.items()):
        rows = sorted(late.get(class_id, []), key=lambda r: (-r[2], r[0], r[1]))
        class_name = names[class_id]
        if class_id in teachers:
            text = texts.class_turn(starts, class_name, len(rows), names=rows)
            run.add(f"class_turn:{class_id}:{day}", topics.CLASS_TURN, f"day:{day}",
                    run.directory.for_reader(teachers[class_id][1], ReaderType.TEACHER), text, "借书日提醒")
        group = group_user(run, class_name)
        if group is not None:  # counts only, never names
            run.add(f"class_turn_group:{class_id}:{day}", topics.CLASS_TURN, f"day:{day}", [(group, GROUP)],
                    texts.class_turn(starts, class_name, len(rows), parents=True), "借书日提醒")
