"""The outbox as the librarian reads it: what each notice became, counted by kind and day; who cannot
be reached and why; 重发 for a failed notice.

Every outbox row falls in one *state* the console names (STATE_NAMES), computed in SQL by `state_of`
so the counts, an activity's reach and the lists agree:

- sent 已送达; queued 待发送 (due now, or retrying after an error); held 暂缓 (waiting for the morning or
  an open day, or paused while the user has unfollowed);
- failed 发送失败 (given up after retries: 重发 puts it back); unreachable 送不到 (every channel refused
  the user, or none reaches them); unsubscribed 已退订 (the user stopped this kind); dropped 不再需要
  (the book came back, the due date moved: the re-check closed it).

Recipients are named as the librarian knows them (a guardian and their child's class, a teacher, a
class group), never by openid or WeCom id.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from core.accounts import Binding
from core.clock import school_datetime
from core.library import Library
from core.messaging import (
    DROPPED,
    FAILED,
    PENDING_STATUS,
    SENT,
    SKIPPED,
    OutboundMessage,
    Unreachable,
    Unsubscribed,
    requeue_failed,
)
from core.models import Guardian, GuardianStudent, Reader, ReaderType, SchoolClass
from core.notices.following import UNFOLLOWED
from core.notices.routing import GROUP, PARENT, STAFF
from core.notices.topics import LABELS
from core.staff import audit

STATES = ("queued", "held", "sent", "failed", "unreachable", "unsubscribed", "dropped")
STATE_NAMES = {"queued": "待发送", "held": "暂缓", "sent": "已送达", "failed": "发送失败", "unreachable": "送不到",
               "unsubscribed": "已退订", "dropped": "不再需要"}
AUDIENCE_NAMES = {PARENT: "家长", STAFF: "老师", GROUP: "班级群"}
NO_CHANNEL = "没有可用的推送渠道"  # scheduler/push_rules.screen: the reason of a row no channel reaches
UNSUBSCRIBED = "用户已退订"
KIND_NAMES = {**LABELS, "librarian": "给管理员的提醒", "": "其他"}


def state_of(now: datetime) -> ColumnElement[str]:
    """The row's state (one of STATES) as a SQL expression, at `now` (held = not due yet, never tried)."""
    m = OutboundMessage
    return case(
        (m.status == SENT, "sent"),
        (and_(m.status == FAILED, m.last_error.like("%无法送达%")), "unreachable"),
        (m.status == FAILED, "failed"),
        (and_(m.status == SKIPPED, m.last_error == UNSUBSCRIBED), "unsubscribed"),
        (and_(m.status == SKIPPED, m.last_error == NO_CHANNEL), "unreachable"),
        (m.status.in_((SKIPPED, DROPPED)), "dropped"),
        (or_(m.next_attempt_at.is_(None),
             and_(m.status == PENDING_STATUS, m.attempts == 0, m.next_attempt_at > now)), "held"),
        else_="queued")


@dataclass(frozen=True)
class Person:
    """Who a user id stands for, in the librarian's words: 刘敏（陈思雨的家长，三年级2班）."""

    name: str
    role: str  # 家长 | 老师 | 班级群 | 未绑定
    classes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """One line for a table cell."""
        where = f"，{'、'.join(self.classes)}" if self.classes else ""
        return f"{self.name}（{self.role}{where}）"


def describe_users(session: Session, user_ids: set[str]) -> dict[str, Person]:
    """user id → Person: the guardian (with their children's classes) or reader bound to it, or the class
    group; an id bound to nobody (unbound since) is "未绑定的账号"."""
    found: dict[str, Person] = {}
    ids = [u for u in user_ids if u]
    for user_id in ids:
        if user_id.startswith("group:"):
            found[user_id] = Person(user_id.removeprefix("group:"), "班级群")
    children: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = session.execute(
        select(Binding.user_id, Binding.guardian_id, Guardian.name, Reader.id, Reader.name, Reader.reader_type,
               SchoolClass.name)
        .outerjoin(Guardian, Guardian.id == Binding.guardian_id)
        .outerjoin(Reader, Reader.id == Binding.reader_id)
        .outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
        .where(Binding.user_id.in_(ids)).order_by(Binding.id)).all()
    guardians = {g for _u, g, *_ in rows if g is not None}
    for guardian_id, child, class_name in session.execute(
            select(GuardianStudent.guardian_id, Reader.name, SchoolClass.name)
            .join(Reader, Reader.id == GuardianStudent.student_id)
            .outerjoin(SchoolClass, SchoolClass.id == Reader.class_id)
            .where(GuardianStudent.guardian_id.in_(guardians))):
        children[guardian_id].append((child, class_name or ""))
    for user_id, guardian_id, guardian_name, _rid, reader_name, reader_type, class_name in rows:
        if user_id in found:
            continue  # the first binding names the account (a parent of two children: one line)
        if guardian_id is not None:
            kids = children.get(guardian_id, [])
            role = f"{'、'.join(k for k, _c in kids)}的家长" if kids else "家长"
            found[user_id] = Person(guardian_name or "家长", role,
                                    tuple(dict.fromkeys(c for _k, c in kids if c)))
        elif reader_name is not None:
            role = "老师" if reader_type == ReaderType.TEACHER else "学生"
            found[user_id] = Person(reader_name, role, (class_name,) if class_name else ())
    for user_id in ids:
        found.setdefault(user_id, Person("未绑定的账号", "未绑定"))
    return found


@dataclass(frozen=True)
class DayCounts:
    """One row of the outbox table: a kind of notice on one school day, counted per state."""

    day: date
    kind: str  # topic ("new_books", ...), "librarian", or "" for the rest
    counts: dict[str, int]

    @property
    def kind_name(self) -> str:
        """The kind in the librarian's words (新书推荐)."""
        return KIND_NAMES.get(self.kind, self.kind)


def outbox_table(library: Library, *, days: int = 14) -> list[DayCounts]:
    """Notices (not chat answers) written in the last `days` school days (today included), per day and
    kind, each counted per state; newest day first, kinds by name. Days without a notice are left out."""
    now, today = library.now(), library.today()
    starts = [school_datetime(today - timedelta(days=i)) for i in range(days)]
    day = case(*((OutboundMessage.created_at >= start, i) for i, start in enumerate(starts)), else_=-1)
    state = state_of(now)
    table: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    # Grouped outside a subquery: PostgreSQL would not match the CASEs' bound parameters to the GROUP BY's.
    labelled = (select(day.label("day"), OutboundMessage.topic.label("topic"), state.label("state"))
             .where(OutboundMessage.kind == "push", OutboundMessage.created_at >= starts[-1]).subquery())
    with library.read_uow() as uow:
        for offset, kind, st, n in uow.session.execute(
                select(labelled.c.day, labelled.c.topic, labelled.c.state, func.count())
                .group_by(labelled.c.day, labelled.c.topic, labelled.c.state)):
            table[(offset, kind)][st] += n
    rows = [DayCounts(today - timedelta(days=offset), kind, counts) for (offset, kind), counts in table.items()]
    return sorted(rows, key=lambda r: (-r.day.toordinal(), r.kind_name))


@dataclass(frozen=True)
class FailedNotice:
    """A notice given up after its retries: what kind, to whom, when, the last error (no message text)."""

    id: int
    kind: str
    to: Person
    channel: str
    created_at: datetime
    failed_at: datetime | None
    attempts: int
    error: str

    @property
    def kind_name(self) -> str:
        """The kind in the librarian's words."""
        return KIND_NAMES.get(self.kind, self.kind)


def failed_notices(library: Library, *, limit: int = 100) -> list[FailedNotice]:
    """The newest notices in state "failed" (not the unreachable ones: 重发 would not reach those)."""
    m = OutboundMessage
    with library.read_uow() as uow:
        rows = uow.session.execute(
            select(m.id, m.topic, m.user_id, m.channel, m.created_at, m.failed_at, m.attempts, m.last_error)
            .where(m.kind == "push", state_of(library.now()) == "failed")
            .order_by(m.id.desc()).limit(limit)).all()
        people = describe_users(uow.session, {r.user_id for r in rows})
    return [FailedNotice(r.id, r.topic, people[r.user_id], r.channel, r.created_at, r.failed_at, r.attempts,
                         r.last_error) for r in rows]


def reason_text(reason: str) -> str:
    """A channel's refusal (an errcode line) in the librarian's words."""
    for mark, words in (("43004", "没有关注公众号"), ("43101", "拒收消息"), ("45015", "超过48小时没有和公众号互动"),
                        ("invaliduser", "企业微信里没有这个人"), ("60111", "企业微信里没有这个人"),
                        ("40003", "账号无效"), ("46004", "账号无效"), ("81013", "企业微信里没有这个人")):
        if mark in reason:
            return words
    return "已取消关注" if reason == UNFOLLOWED else reason


@dataclass(frozen=True)
class UnreachableUser:
    """Someone notices do not reach, with why: 退订 (what they stopped), refused by a channel, no channel."""

    to: Person
    reason: str  # unsubscribed | refused | no_channel
    detail: str  # the stopped kinds, the channel's refusal, or the notices that found no channel
    since: datetime | None


REASON_NAMES = {"unsubscribed": "已退订", "refused": "渠道拒收", "no_channel": "没有推送渠道"}


def unreachable_users(library: Library, *, days: int = 30, limit: int = 200) -> list[UnreachableUser]:
    """Users who stopped a kind of notice, users a channel refused, and users whose notices found no
    channel in the last `days` days; refusals first, then no channel, then 退订; newest first in each,
    at most `limit` of each (a school where hundreds are unreachable has a set-up problem, not a list)."""
    since = library.now() - timedelta(days=days)
    with library.read_uow() as uow:
        session = uow.session
        refused = session.execute(select(Unreachable.user_id, Unreachable.channel, Unreachable.reason,
                                         Unreachable.since).order_by(Unreachable.since.desc()).limit(limit)).all()
        stopped: dict[str, list[Any]] = defaultdict(list)
        for user_id, topic, at in session.execute(select(Unsubscribed.user_id, Unsubscribed.topic,
                                                         Unsubscribed.since).order_by(Unsubscribed.since.desc())):
            if len(stopped) < limit or user_id in stopped:
                stopped[user_id].append((topic, at))
        lost = session.execute(
            select(OutboundMessage.user_id, func.count(), func.max(OutboundMessage.created_at))
            .where(OutboundMessage.kind == "push", OutboundMessage.status == SKIPPED,
                   OutboundMessage.last_error == NO_CHANNEL, OutboundMessage.created_at >= since)
            .group_by(OutboundMessage.user_id).order_by(func.max(OutboundMessage.created_at).desc())
            .limit(limit)).all()
        people = describe_users(session, {r[0] for r in refused} | set(stopped) | {r[0] for r in lost})
    out = [UnreachableUser(people[u], "refused", f"{channel}：{reason_text(reason)}", at)
           for u, channel, reason, at in refused]
    out += [UnreachableUser(people[u], "no_channel", f"{n}条通知没有可用渠道", at) for u, n, at in lost]
    out += [UnreachableUser(people[u], "unsubscribed", "、".join(LABELS.get(t, t) for t, _ in topics), topics[0][1])
            for u, topics in stopped.items()]
    return out


def retry_notice(library: Library, message_id: int, *, actor: str) -> bool:
    """重发: requeue a failed notice through the outbox (core.messaging.requeue_failed), with an audit row.

    True when this call requeued it; False when it was not failed (already requeued by an earlier click,
    sent since, or no such row): a double-submitted form sends nothing twice.
    """
    with library.uow() as uow:
        done = requeue_failed(uow.session, message_id, library.now())
        if done:
            audit(uow.session, actor, "notice_retry", library.now(), message_id=message_id)
        uow.commit()
    return done
