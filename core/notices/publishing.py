"""Publishing an activity from the console: check the form into a draft (Chinese messages per field),
preview the text a parent gets, record it once, and see whom its notices reached.

The notices themselves are written by the `activities` job (core.notices.compute.activities), which
tags every row with ref `activity:<id>`: that ref is how an activity finds its notices.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from core.library import Library
from core.locks import transaction_lock
from core.messaging import OutboundMessage
from core.models import SchoolClass
from core.notices import texts
from core.notices.activities import AUDIENCES
from core.notices.models import Activity
from core.notices.outbox import STATES, Person, describe_users, state_of
from core.notices.routing import PARENT, STAFF
from core.school_calendar import CalendarInvalid, parse_day
from core.staff import audit

TITLE_MAX, PLACE_MAX, BODY_MAX = 100, 40, 500
GRADE_DIGITS = frozenset("123456789")  # the grades an activity may name: 一 to 九年级


class ActivityInvalid(ValueError):
    """A form the activity cannot take. `errors`: field (title, starts_on, place, grades, classes,
    audience, body) → a short Chinese message to show next to it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


@dataclass(frozen=True)
class ActivityDraft:
    """A checked activity, not yet recorded. Grades 1–9 and class names as stored; both empty = the
    whole school. `starts_on` is a school date."""

    title: str
    starts_on: date
    place: str
    body: str
    grades: tuple[int, ...] = ()
    classes: tuple[str, ...] = ()
    audience: frozenset[str] = frozenset(AUDIENCES)

    def text(self) -> str:
        """The push exactly as a parent or teacher will read it (the job's own text function)."""
        return texts.activity(self.title, self.body, self.starts_on, self.place)

    @property
    def who(self) -> str:
        """全校 / 三年级、四年级 / 三年级2班, for the list and the preview."""
        return scope_text(self.grades, self.classes)


def scope_text(grades: tuple[int, ...], classes: tuple[str, ...]) -> str:
    """The grades and classes an activity is for, in words; none = 全校."""
    parts = [f"{'一二三四五六七八九'[g - 1]}年级" for g in grades] + list(classes)
    return "、".join(parts) or "全校"


def check_activity(library: Library, *, title: str, starts_on: str, place: str, body: str,
                   grades: list[str], classes: list[str], audience: list[str]) -> ActivityDraft:
    """The form's strings (classes already in stored form) into a draft; every problem at once.

    Raises ActivityInvalid. The day may be today or later (an activity in the past is announced to nobody:
    the job only picks activities from today on).
    """
    errors: dict[str, str] = {}
    title, place, body = title.strip(), place.strip(), body.strip()
    if not title:
        errors["title"] = "请填写活动名称，例如“亲子共读周”。"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"活动名称最多{TITLE_MAX}个字，现在有{len(title)}个字。"
    day = None
    if not starts_on.strip():
        errors["starts_on"] = "请填写活动日期，例如 2026-12-04。"
    else:
        try:
            day = parse_day(starts_on, "starts_on")
        except CalendarInvalid as invalid:
            errors["starts_on"] = invalid.errors.get("starts_on", "日期请写成 2026-12-04 这样。")
        if day is not None and day < library.today():
            errors["starts_on"] = f"{day.isoformat()}已经过去了，请填今天或以后的日期。"
    if len(place) > PLACE_MAX:
        errors["place"] = f"地点最多{PLACE_MAX}个字。"
    if not body:
        errors["body"] = "请填写通知内容：做什么、在哪里、要带什么。"
    elif len(body) > BODY_MAX:
        errors["body"] = f"通知内容最多{BODY_MAX}个字（现在{len(body)}个字），家长在手机上读，短一些更好。"
    chosen_grades: list[int] = []
    for g in grades:
        if g.strip() not in GRADE_DIGITS:  # not isdigit(): "²" passes it and int() refuses it
            errors["grades"] = "年级只能选一到九年级。"
            break
        chosen_grades.append(int(g))
    names = list(dict.fromkeys(c.strip() for c in classes if c.strip()))
    if names:
        with library.read_uow() as uow:
            known = set(uow.session.scalars(select(SchoolClass.name).where(SchoolClass.name.in_(names))))
        missing = [n for n in names if n not in known]
        if missing:
            errors["classes"] = f"没有找到班级“{'、'.join(missing)}”，请检查班级名称（例如 三年级2班）。"
    who = {a for a in audience if a in AUDIENCES}
    if not who:
        errors["audience"] = "请至少选择“家长”或“老师”中的一项。"
    if errors or day is None:
        raise ActivityInvalid(errors)
    return ActivityDraft(title, day, place, body, tuple(sorted(set(chosen_grades))), tuple(names), frozenset(who))


def preview_reach(library: Library, draft: ActivityDraft) -> dict[str, int]:
    """How many bound accounts the job would send this draft to now, per audience (parent, staff): the
    job's own selection (core.notices.compute.activity_users), so the preview and the job agree."""
    from core.notices.compute import activity_users  # the job's module: loaded only when previewing
    from core.notices.recipients import Directory

    with library.read_uow() as uow:
        users = activity_users(uow.session, Directory.load(uow.session), set(draft.grades), set(draft.classes),
                               " ".join(draft.audience))
    counts = {{"parents": PARENT, "teachers": STAFF}[a]: 0 for a in sorted(draft.audience)}
    for _user, audience in users:
        counts[audience] = counts.get(audience, 0) + 1
    return counts


@dataclass(frozen=True)
class Published:
    """What publishing did: the activity's id, and False in `new` when the same one was there already."""

    id: int
    new: bool


def publish_activity(library: Library, draft: ActivityDraft, *, actor: str) -> Published:
    """Record the activity (announced by the next `activities` run) with an audit row, in one transaction.

    The same activity twice (same title, day, place, text, grades, classes, audience: a form sent
    twice) is recorded once: the second call returns the first one's id with new=False. Two calls
    arriving together are serialised by a transaction lock, so the second one sees the first's row.
    """
    grades, classes = " ".join(str(g) for g in draft.grades), " ".join(draft.classes)
    audience = " ".join(sorted(draft.audience))
    with library.uow() as uow:
        session = uow.session
        transaction_lock(session, "activity_publish")  # check-then-insert: one publisher at a time
        same = session.scalar(select(Activity.id).where(
            Activity.title == draft.title, Activity.starts_on == draft.starts_on, Activity.place == draft.place,
            Activity.body == draft.body, Activity.grades == grades, Activity.classes == classes,
            Activity.audience == audience).limit(1))
        if same is not None:
            return Published(same, False)
        row = Activity(title=draft.title, body=draft.body, starts_on=draft.starts_on, place=draft.place,
                       grades=grades, classes=classes, audience=audience, announce_from=library.now(),
                       created_at=library.now())
        session.add(row)
        session.flush()
        audit(session, actor, "activity_publish", library.now(), activity_id=row.id)
        uow.commit()
        return Published(row.id, True)


@dataclass(frozen=True)
class ActivitySummary:
    """An activity with its notices counted per state (core.notices.outbox.STATES)."""

    id: int
    draft: ActivityDraft
    created_at: datetime
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Every notice the job wrote for it (0 before the job's first run after publishing)."""
        return sum(self.counts.values())


def _draft(row: Activity) -> ActivityDraft:
    return ActivityDraft(row.title, row.starts_on, row.place, row.body,
                         tuple(int(g) for g in row.grades.split()), tuple(row.classes.split()),
                         frozenset(row.audience.split()))


def list_activities(library: Library, *, limit: int = 50) -> list[ActivitySummary]:
    """The newest activities first, each with how many of its notices are in each state."""
    with library.read_uow() as uow:
        rows = uow.session.scalars(select(Activity).order_by(Activity.id.desc()).limit(limit)).all()
        counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
        refs = [f"activity:{r.id}" for r in rows]
        states = (select(OutboundMessage.ref.label("ref"), state_of(library.now()).label("state"))
                  .where(OutboundMessage.ref.in_(refs)).subquery())  # grouped outside: see outbox_table
        for ref, state, n in uow.session.execute(
                select(states.c.ref, states.c.state, func.count()).group_by(states.c.ref, states.c.state)):
            counts[ref][state] += n
        return [ActivitySummary(r.id, _draft(r), r.created_at, dict(counts[f"activity:{r.id}"])) for r in rows]


@dataclass(frozen=True)
class Recipient:
    """One notice of the activity: to whom (named, never the openid), through which role, its state."""

    to: Person
    audience: str  # parent | staff | group
    state: str
    sent_at: datetime | None


@dataclass
class ActivityReach:
    """Whom one activity reached: its counts per state and per audience, and the recipients."""

    summary: ActivitySummary
    by_audience: dict[str, dict[str, int]] = field(default_factory=dict)
    recipients: list[Recipient] = field(default_factory=list)


def activity_reach(library: Library, activity_id: int) -> ActivityReach | None:
    """The activity's notices (ref `activity:<id>`), by audience and state, with each recipient named
    as the librarian knows them (guardian and child's class; teacher; class group). None: no such activity."""
    now = library.now()
    with library.read_uow() as uow:
        row = uow.session.get(Activity, activity_id)
        if row is None:
            return None
        m = OutboundMessage
        notices = uow.session.execute(
            select(m.user_id, m.audience, state_of(now), m.sent_at)
            .where(m.ref == f"activity:{activity_id}").order_by(m.id)).all()
        people = describe_users(uow.session, {n.user_id for n in notices})
        draft, created = _draft(row), row.created_at
    counts = dict.fromkeys(STATES, 0)
    by_audience: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    recipients = []
    for user_id, audience, state, sent_at in notices:
        counts[state] += 1
        by_audience[audience][state] += 1
        recipients.append(Recipient(people[user_id], audience, state, sent_at))
    recipients.sort(key=lambda r: (r.audience, r.to.classes, r.to.name))
    return ActivityReach(ActivitySummary(activity_id, draft, created, counts), dict(by_audience), recipients)
