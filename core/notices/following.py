"""取消关注 / 关注: a user who unfollows the Official Account (or leaves the WeCom app) gets no pushes.

WeChat refuses every customer-service and template message to a user who does not follow the
account (43004), so sending on would only fail, tell the librarian "推送无法送达" and try the next
channel. Instead, on the `unsubscribe` event:

- the user's channels of that account are marked unreachable with reason UNFOLLOWED (the same
  `unreachable_users` rows a refusal writes: routing already skips them, no new table); a user with no
  binding (a stranger) gets no row: nothing is pushed to them anyway;
- pushes still waiting for that user there are **held** (pending, no due time, `last_error` HELD);
- job runs queue no new push for the user while no other channel reaches them (core/notices/compute.py).

On `subscribe` (following again) the marks are removed and the held pushes that still matter are
released: those held for less than RELEASE_WITHIN, and 到书通知 whatever their age (a book waiting on
the hold shelf is still news). Delivery re-checks each one as always (returned book, new due date,
reservation picked up) and honours quiet hours. Older held pushes are closed as skipped, their keys
renamed so the next job run may write the same push again if it is still true.

Both are idempotent: a WeChat retry of the event, or a second unfollow, changes nothing more.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import String, and_, cast, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.accounts import Binding
from core.library import Library
from core.messaging import PENDING_STATUS, SKIPPED, OutboundMessage, Unreachable

UNFOLLOWED = "已取消关注"  # unreachable_users.reason: the user left, not an error to look into
HELD = "已取消关注，暂停推送"  # outbound_messages.last_error of a held push
STALE = "取消关注期间的旧通知，未补发"
RELEASE_WITHIN = timedelta(hours=24)

# Which push channels an incoming channel's subscribe/unsubscribe speaks for. The simulator and the
# terminal stand in for the Official Account.
PUSH_CHANNELS: dict[str, tuple[str, ...]] = {
    "wechat": ("wechat_cs", "wechat_template"),
    "simulator": ("wechat_cs", "wechat_template"),
    "terminal": ("wechat_cs", "wechat_template"),
    "wecom": ("wecom_app",),
}


def unfollowed(library: Library, user_id: str, channel: str) -> int:
    """The user unfollowed on `channel` ("wechat", "wecom", ...): mark and hold; returns pushes held."""
    channels = PUSH_CHANNELS.get(channel, ())
    if not channels:
        return 0
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        if session.scalar(select(Binding.id).where(Binding.user_id == user_id).limit(1)) is None:
            return 0  # a stranger: nothing is ever pushed to them, and no row should name them
        ins = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert  # type: ignore[union-attr]
        for name in channels:
            stmt = ins(Unreachable).values(channel=name, user_id=user_id, reason=UNFOLLOWED, since=now)
            session.execute(stmt.on_conflict_do_update(index_elements=[Unreachable.channel, Unreachable.user_id],
                                                       set_={"reason": UNFOLLOWED}))
        held = session.execute(_hold(user_id, channels)).rowcount
        uow.commit()
    return held


def _hold(user_id: str, channels: tuple[str, ...]):  # type: ignore[no-untyped-def]
    # Only rows nobody is sending: a claimed row is held by the delivery's own screen (push_rules).
    return (update(OutboundMessage)
            .where(OutboundMessage.user_id == user_id, OutboundMessage.kind == "push",
                   OutboundMessage.status == PENDING_STATUS, OutboundMessage.channel.in_(channels),
                   OutboundMessage.next_attempt_at.is_not(None))
            .values(next_attempt_at=None, last_error=HELD))


def hold(library: Library, message_ids: list[int]) -> int:
    """Hold these outbox rows (claimed by a delivery that found their user unfollowed)."""
    if not message_ids:
        return 0
    with library.uow() as uow:
        done = uow.session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(message_ids))
                                   .values(status=PENDING_STATUS, next_attempt_at=None, last_error=HELD))
        uow.commit()
    return done.rowcount


def refollowed(library: Library, user_id: str, channel: str) -> tuple[int, int]:
    """The user follows again: unmark the channels, release what still matters; (released, closed)."""
    channels = PUSH_CHANNELS.get(channel, ())
    if not channels:
        return 0, 0
    now = library.now()
    held = and_(OutboundMessage.user_id == user_id, OutboundMessage.kind == "push",
                OutboundMessage.channel.in_(channels), OutboundMessage.status == PENDING_STATUS, OutboundMessage.next_attempt_at.is_(None),
                OutboundMessage.last_error == HELD)
    fresh = or_(OutboundMessage.created_at >= now - RELEASE_WITHIN, OutboundMessage.ref.startswith("reservation:"))
    with library.uow() as uow:
        session = uow.session
        # Any refusal of these channels is over: following again also reopens the 48-hour window.
        session.execute(delete(Unreachable).where(Unreachable.user_id == user_id, Unreachable.channel.in_(channels)))
        released = session.execute(update(OutboundMessage).where(held, fresh)
                                   .values(next_attempt_at=now, last_error="")).rowcount
        # Closed, and its key freed (renamed): the key would otherwise stop the next job run from
        # writing the same push again when it is still true (a book due tomorrow), and the user who
        # follows again would never get it (docs/transport.md: "the next job run writes what is true").
        closed = session.execute(update(OutboundMessage).where(held).values(
            status=SKIPPED, last_error=STALE,
            key=OutboundMessage.key + ":stale:" + cast(OutboundMessage.id, String))).rowcount
        uow.commit()
    return released, closed
