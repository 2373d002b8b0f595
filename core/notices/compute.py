"""Compute each job's notices into outbox rows: selected by condition, keyed so each is written once.

Every function takes a `Run` (one job run: clock reading, calendar, bindings, routing) and returns
the rows to write; `write` inserts them (insert-or-ignore on the key). The key holds the kind, the
reader, the loan or reservation and a date bucket, so a rerun, a second process or tomorrow's run
after a missed day write nothing twice and lose nothing.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import SchoolCalendar
from core.circulation.fines import days_late as count_days_late
from core.clock import school_today
from core.library import Library
from core.lists import name_sort_key
from core.messaging import NewMessage, OutboundQueue
from core.models import (
    Item,
    ItemStatus,
    ItemType,
    Loan,
    Reader,
    ReaderStatus,
    ReaderType,
    Reservation,
    ReservationStatus,
    SchoolClass,
    Title,
)
from core.notices import texts, topics
from core.notices.class_turn import class_turns
from core.notices.models import Activity
from core.notices.quiet import QuietHours
from core.notices.recipients import Directory, class_teachers
from core.notices.routing import GROUP, PARENT, STAFF, UNROUTED, Router
from core.queries import lendable_types
from core.settings import Settings


@dataclass
class Run:
    """One job run's view of the world; built once, shared by every notice it computes."""

    library: Library
    settings: Settings
    session: Session
    now: datetime
    today: date
    calendar: SchoolCalendar
    directory: Directory
    router: Router
    not_before: datetime  # quiet hours / closed day: the first moment these may go out
    out: list[NewMessage] = field(default_factory=list)

    @classmethod
    def open(cls, library: Library, settings: Settings, session: Session, now: datetime,
             configured: set[str] | None = None) -> Run:
        calendar = library.calendar(session)
        quiet = QuietHours.parse(settings.notices.quiet_start, settings.notices.quiet_end)
        return cls(library, settings, session, now, school_today(now), calendar, Directory.load(session),
                   Router.load(session, settings, configured), quiet.next_allowed(now, calendar))

    def add(self, key: str, topic: str, ref: str, users: Iterable[tuple[str, str]], text: str,
            title: str) -> None:
        """One row per recipient user: key + user, routed to that user's best channel."""
        for user_id, audience in users:
            channel = self.router.channel_for(user_id, audience)
            if channel == UNROUTED and user_id in self.router.unfollowed:
                continue  # unfollowed and no other channel reaches them: nothing is queued (following.py)
            self.out.append(NewMessage(key=f"{key}:{user_id}", channel=channel,
                                       user_id=user_id, text=text, title=title, topic=topic, ref=ref,
                                       audience=audience, not_before=self.not_before))

    def for_reader(self, reader_id: int, reader_type: str) -> list[tuple[str, str]]:
        return self.directory.for_reader(reader_id, reader_type)


def _child(reader_type: str, name: str) -> str | None:
    return name if reader_type == ReaderType.STUDENT else None


_OPEN_LOANS = (select(Loan.id, Loan.reader_id, Loan.due_date, Loan.renewal_count, Reader.name, Reader.reader_type,
                      Reader.class_id, Title.title, Item.item_type)
               .join(Reader, Reader.id == Loan.reader_id).join(Item, Item.id == Loan.item_id)
               .join(Title, Title.id == Item.title_id).where(Loan.is_open.is_(True)))


def due_soon(run: Run) -> None:
    """到期提醒: open loans due within `due_soon_days` (today included: a missed run still reminds)."""
    policy = run.library.policy
    # Counted in open days: on a Friday, a book due Monday is "two days" away, and the reminder must
    # go out before the weekend, not on the due day itself.
    horizon = run.calendar.add_open_days(run.today, policy.due_soon_days)
    rows = run.session.execute(_OPEN_LOANS.where(Loan.due_date >= run.today, Loan.due_date <= horizon))
    for loan_id, reader_id, due, renewals, name, rtype, _cls, title, item_type in rows:
        if rtype == ReaderType.CLASS:
            continue  # 班级图书角: due on the term's end, which the term-end reminder already says (once, not per copy)
        rule = policy.rule(ReaderType(rtype), item_type)
        renew_days = rule.renew_days if renewals < rule.renewals else None
        text = texts.due_soon(title, due, child=_child(rtype, name), renew_days=renew_days)
        run.add(f"due:{reader_id}:{loan_id}:{due.isoformat()}", topics.DUE_SOON, f"loan:{loan_id}:{due.isoformat()}",
                run.for_reader(reader_id, rtype), text, "到期提醒")


def overdue_bucket(days_late: int, repeat: int) -> int:
    """0 on the first overdue day, 1 from the (1 + repeat)-th, ...: one 催书 per bucket."""
    return (days_late - 1) // repeat


def overdue(run: Run) -> None:
    """催书: the first overdue day, then every `overdue_repeat_days` while the book is out."""
    if not run.calendar.is_open(run.today):
        # Nothing is late on a closed day, and notices written during a vacation would all
        # arrive together on the first school day: the first open day's run writes one.
        return
    repeat = run.settings.notices.overdue_repeat_days
    per_class: dict[int, list[tuple[date, str, str]]] = defaultdict(list)
    for loan_id, reader_id, due, _r, name, rtype, _cls, title, _t in run.session.execute(
            _OPEN_LOANS.where(Loan.due_date < run.today)):
        days_late = count_days_late(run.library.policy, run.calendar, due, run.today)  # as everyone counts
        if days_late == 0:
            continue
        if rtype == ReaderType.CLASS:  # one notice per class collection, not one per copy
            per_class[reader_id].append((due, title, name))
            continue
        text = texts.overdue(title, due, days_late, child=_child(rtype, name))
        bucket = overdue_bucket((run.today - due).days, repeat)
        run.add(f"overdue:{reader_id}:{loan_id}:{due.isoformat()}:{bucket}", topics.OVERDUE, f"loan:{loan_id}",
                run.for_reader(reader_id, rtype), text, "催还通知")
    for reader_id, late in per_class.items():
        first = min(due for due, _t, _n in late)
        bucket = overdue_bucket((run.today - first).days, repeat)
        text = texts.class_collection_overdue(late[0][2], [t for _d, t, _n in sorted(late)], first,
                                              count_days_late(run.library.policy, run.calendar, first, run.today))
        run.add(f"overdue_class:{reader_id}:{first.isoformat()}:{bucket}", topics.OVERDUE, f"reader:{reader_id}",
                run.for_reader(reader_id, ReaderType.CLASS), text, "催还通知")


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}W{week:02d}"


def class_weekly(run: Run) -> None:
    """班主任周报: each class teacher gets every overdue book of their class; class groups get counts.

    Days late are `core.circulation.fines.days_late`, as in the chat's 本班逾期 and the console's
    lists; the list is sorted like them: most days late first, then by name (pinyin), then title.
    """
    policy = run.library.policy
    per_class: dict[int, list[tuple[str, str, int, int]]] = defaultdict(list)
    for _l, reader_id, due, _r, name, _rtype, class_id, title, _t in run.session.execute(
            _OPEN_LOANS.where(Loan.due_date < run.today, Reader.class_id.is_not(None),
                              Reader.reader_type == ReaderType.STUDENT)):
        late = count_days_late(policy, run.calendar, due, run.today)
        if late >= 1:
            per_class[class_id].append((name, title, late, reader_id))
    for rows in per_class.values():
        rows.sort(key=lambda r: (-r[2], name_sort_key(r[0]), r[1]))
    teachers = class_teachers(run.session)
    week = week_key(run.today)
    names = dict(run.session.execute(select(SchoolClass.id, SchoolClass.name)).all())
    for class_id, rows in per_class.items():
        class_name = names[class_id]
        if class_id in teachers:
            text = texts.class_weekly(class_name, [(n, t, d) for n, t, d, _ in rows])
            run.add(f"class_weekly:{class_id}:{week}", topics.CLASS_WEEKLY, "",
                    run.directory.for_reader(teachers[class_id][1], ReaderType.TEACHER), text, "班级逾期周报")
        group = group_user(run, class_name)
        if group is not None:  # counts only, never names
            text = texts.class_group_counts(class_name, len(rows), len({r[3] for r in rows}))
            run.add(f"class_group:{class_id}:{week}", topics.CLASS_WEEKLY, "", [(group, GROUP)], text, "逾期提醒")


def group_user(run: Run, class_name: str) -> str | None:
    """The class group's address: its robot (or, in the demo, a console inbox), None when it has none."""
    if class_name in run.settings.channels.robots or run.router.console_only:
        return f"group:{class_name}"
    return None


def reservation_ready(run: Run) -> None:
    """到书通知: a copy is held for the reader; say until when."""
    rows = run.session.execute(
        select(Reservation.id, Reservation.reader_id, Reservation.hold_until, Reader.name, Reader.reader_type,
               Title.title)
        .join(Reader, Reader.id == Reservation.reader_id).join(Title, Title.id == Reservation.title_id)
        .where(Reservation.status == ReservationStatus.READY, Reservation.hold_until >= run.today))
    for res_id, reader_id, hold_until, name, rtype, title in rows:
        text = texts.reservation_ready(title, hold_until, child=_child(rtype, name))
        run.add(f"ready:{reader_id}:{res_id}", topics.RESERVATION_READY, f"reservation:{res_id}",
                run.for_reader(reader_id, rtype), text, "到书通知")


def new_books(run: Run) -> None:
    """新书推荐: the week's new titles with a one-line introduction and grades, to teachers and class groups.

    Each audience sees what it may use (`core.queries.lendable_types`): a 工具书 is marked as for the
    reading room (never offered as borrowable), a teachers' book (教参) goes to teachers, not to class groups.
    """
    since = run.now - timedelta(days=run.settings.notices.new_books_days)
    books = run.session.execute(select(Title.id, Title.title, Title.author, Title.summary, Title.min_grade,
                                       Title.max_grade)
                                .where(Title.created_at >= since).order_by(Title.created_at.desc(), Title.id)).all()
    if not books:
        return
    types: dict[int, set[ItemType]] = defaultdict(set)
    for title_id, item_type in run.session.execute(
            select(Item.title_id, Item.item_type).where(Item.title_id.in_([b[0] for b in books]),
                                                        Item.status.not_in((ItemStatus.LOST, ItemStatus.WITHDRAWN)))):
        types[title_id].add(ItemType(item_type))

    def for_reader(reader_type: ReaderType) -> tuple[list[tuple[str, str, str, int | None, int | None]], set[str]]:
        lendable = set(lendable_types(run.library, reader_type))
        rows = [tuple(b[1:]) for b in books if types[b[0]] & lendable or ItemType.REFERENCE in types[b[0]]]
        reading_room = {b[1] for b in books if ItemType.REFERENCE in types[b[0]] and not types[b[0]] & lendable}
        return rows, reading_room  # type: ignore[return-value]

    week = week_key(run.today)
    rows, reading_room = for_reader(ReaderType.TEACHER)
    teachers = run.session.scalars(select(Reader.id).where(Reader.reader_type == ReaderType.TEACHER,
                                                           Reader.status == ReaderStatus.ACTIVE))
    users = [u for rid in teachers for u in run.directory.for_reader(rid, ReaderType.TEACHER)]
    if rows:
        run.add(f"new_books:{week}", topics.NEW_BOOKS, "", dict.fromkeys(users),
                texts.new_books(rows, reading_room=reading_room), "新书推荐")
    pupils, pupils_reading_room = for_reader(ReaderType.STUDENT)
    for class_name, grade in run.session.execute(select(SchoolClass.name, SchoolClass.grade)):
        group = group_user(run, class_name)
        suits = [b for b in pupils if (b[3] or 1) <= grade <= (b[4] or 9) and not (b[3] == 0 and b[4] == 0)]
        if group is not None and suits:
            run.add(f"new_books:{week}:{class_name}", topics.NEW_BOOKS, "", [(group, GROUP)],
                    texts.new_books(suits, reading_room=pupils_reading_room), "新书推荐")


def activity_users(session: Session, directory: Directory, grades: set[int], chosen: set[str],
                   audience: str) -> list[tuple[str, str]]:
    """(user id, audience) of an activity's recipients, each once: the bound parents of active students in
    the grades/classes, and teachers (every teacher for a whole-school activity, else the chosen classes'
    class teachers). No grade and no class = the whole school. Used by the job and the console's preview."""
    classes = [(cid, name, teacher) for cid, name, grade, teacher in session.execute(
        select(SchoolClass.id, SchoolClass.name, SchoolClass.grade, SchoolClass.class_teacher_id))
        if (not grades and not chosen) or grade in grades or name in chosen]
    users: list[tuple[str, str]] = []
    if "parents" in audience:
        ids = [c[0] for c in classes]
        students = session.scalars(select(Reader.id).where(Reader.class_id.in_(ids),
                                                           Reader.status == ReaderStatus.ACTIVE))
        users += [(u, PARENT) for sid in students for u in directory.parents.get(sid, [])]
    if "teachers" in audience:
        if not grades and not chosen:
            ids = session.scalars(select(Reader.id).where(Reader.reader_type == ReaderType.TEACHER))
        else:
            ids = [c[2] for c in classes if c[2] is not None]  # type: ignore[assignment]
        users += [(u, STAFF) for rid in ids for u in directory.own.get(rid, [])]
    return list(dict.fromkeys(users))


def activities(run: Run) -> None:
    """活动通知: announced once to the parents and/or teachers of the chosen grades or classes."""
    due = run.session.scalars(select(Activity).where(Activity.announce_from <= run.now,
                                                     Activity.starts_on >= run.today)).all()
    for act in due:
        users = activity_users(run.session, run.directory, {int(g) for g in act.grades.split()},
                               set(act.classes.split()), act.audience)
        run.add(f"activity:{act.id}", topics.ACTIVITIES, f"activity:{act.id}", users,
                texts.activity(act.title, act.body, act.starts_on, act.place),
                topics.LABELS[topics.ACTIVITIES])  # headed by its kind like every push; the title is in the text


def term_end(run: Run) -> None:
    """期末还书: from `term_end_days` before the term's last day, once per reader with loans."""
    term = run.calendar.term_of(run.today)
    if term is None or run.today < term.end - timedelta(days=run.settings.notices.term_end_days):
        return
    per_reader: dict[int, list[str]] = defaultdict(list)
    info: dict[int, tuple[str, str]] = {}
    for _l, reader_id, _d, _r, name, rtype, _c, title, _t in run.session.execute(
            _OPEN_LOANS.order_by(Loan.reader_id, Loan.due_date)):
        per_reader[reader_id].append(title)
        info[reader_id] = (name, rtype)
    for reader_id, titles in per_reader.items():
        name, rtype = info[reader_id]
        run.add(f"term_end:{reader_id}:{term.name}", topics.TERM_END, f"reader:{reader_id}",
                run.for_reader(reader_id, rtype),
                # a class borrower's reminder goes to its class teacher, named: 三年级2班班级图书角还有…
                texts.term_end(term.end, titles, child=name if rtype == ReaderType.CLASS else _child(rtype, name)),
                "期末还书")


def class_summary(run: Run) -> None:
    """各班借阅情况每周公布: counts to each class group; the same and who has not borrowed yet to its teacher.

    Once per class per ISO week (the key), whenever in the week the job runs; nothing in a week
    without an open school day (a vacation), nothing outside a term.
    """
    from core.reports.periods import Period
    from core.reports.weekly import class_weeks
    from core.targets import Targets

    term = run.calendar.term_of(run.today)
    monday = run.today - timedelta(days=run.today.weekday())
    if term is None or not any(run.calendar.is_open(monday + timedelta(days=d))
                               for d in range((run.today - monday).days + 1)):
        return
    targets = Targets.from_config(run.settings.targets)
    teachers = class_teachers(run.session)
    week = week_key(run.today)
    for row in class_weeks(run.session, Period(term.name, term.start, term.end, is_term=True), run.today,
                                  targets):
        if not row.students:
            continue  # a class with nobody on its roll has nothing to publish
        group = group_user(run, row.class_name)
        if group is not None:  # counts only, never names
            run.add(f"class_summary:{row.class_id}:{week}", topics.CLASS_SUMMARY, "", [(group, GROUP)],
                    texts.class_summary_group(row.class_name, row.week_start, run.today, row.week_loans, row.per_student,
                                              row.target, row.overdue), "班级借阅周报")
        if row.class_id in teachers:
            run.add(f"class_summary_teacher:{row.class_id}:{week}", topics.CLASS_SUMMARY, "",
                    run.directory.for_reader(teachers[row.class_id][1], ReaderType.TEACHER),
                    texts.class_summary_teacher(row.class_name, row.week_start, run.today, row.week_loans, row.per_student,
                                                row.target, row.overdue, row.not_borrowed, row.students),
                    "班级借阅周报")


COMPUTE = {
    "due-reminders": due_soon,
    "overdue": overdue,
    "class-teacher-weekly": class_weekly,
    "reservation-ready": reservation_ready,
    "new-books": new_books,
    "activities": activities,
    "term-end": term_end,
    "class-turns": class_turns,
    "class-summary": class_summary,
}


@dataclass(frozen=True)
class Computed:
    """What one job run found and wrote."""

    job: str
    found: int  # rows computed (one per notice and recipient)
    written: int  # new rows in the outbox (the rest were written by an earlier run)
    messages: tuple[NewMessage, ...] = ()


def compute(library: Library, settings: Settings, job: str, now: datetime, *, configured: set[str] | None = None,
            dry_run: bool = False, batch: str = "") -> Computed:
    """Run one job's computation at `now`; write the rows unless `dry_run`."""
    with library.uow() as uow:
        run = Run.open(library, settings, uow.session, now, configured)
        COMPUTE[job](run)
    written = 0 if dry_run else OutboundQueue(library.session_factory, lambda: now).enqueue_many(
        run.out, batch=batch or f"{job}@{now.isoformat(timespec='seconds')}")
    return Computed(job, len(run.out), written, tuple(run.out))
