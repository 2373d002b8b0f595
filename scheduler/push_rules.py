"""The rules only pushes (notices) follow before and after a send: re-check, 退订, no channel, fallback.

Late answers skip all of this: they answer the user's own message on the channel it came from.
"""
from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import Clock
from core.library import Library
from core.messaging import DROPPED, SKIPPED, NewMessage, Outbound, OutboundQueue, Unreachable, Unsubscribed
from core.notices import following, texts
from core.notices.following import UNFOLLOWED
from core.notices.preferences import is_stopped
from core.notices.recheck import still_holds
from core.notices.recipients import Directory
from core.notices.routing import STAFF, UNROUTED, Router
from core.settings import Settings

log = logging.getLogger("shuxiang.notices")


def screen(library: Library, queue: OutboundQueue, rows: list[Outbound]) -> tuple[list[Outbound], int, int]:
    """Close rows that must not go out; returns (the rest, how many dropped, how many skipped).

    Dropped: the notice no longer holds (book returned, due date changed, reservation picked up).
    Skipped: the user stopped this topic (退订) or no channel reaches them.
    """
    keep: list[Outbound] = []
    dropped = skipped = 0
    users = {r.user_id for r in rows}
    with library.uow() as uow:
        stopped: dict[str, set[str]] = defaultdict(set)
        for user, topic in uow.session.execute(select(Unsubscribed.user_id, Unsubscribed.topic)
                                               .where(Unsubscribed.user_id.in_(users))):
            stopped[user].add(topic)
        gone = {(channel, user) for channel, user in uow.session.execute(
            select(Unreachable.channel, Unreachable.user_id).where(Unreachable.user_id.in_(users),
                                                                   Unreachable.reason == UNFOLLOWED))}
        today = library.today()
        verdicts = [(row, still_holds(uow.session, row.ref, today)) for row in rows]
    held = [row.id for row, _ in verdicts if (row.channel, row.user_id) in gone]
    following.hold(library, held)  # unfollowed after the row was claimed: held like the rest (following.py)
    for row, reason in verdicts:
        if row.id in held:
            continue
        if reason is not None:
            queue.close(row.id, DROPPED, reason)
            dropped += 1
        elif row.topic and is_stopped(stopped[row.user_id], row.topic):
            queue.close(row.id, SKIPPED, "用户已退订")
            skipped += 1
        elif row.channel == UNROUTED:
            queue.close(row.id, SKIPPED, "没有可用的推送渠道")
            skipped += 1
        else:
            keep.append(row)
    return keep, dropped, skipped


def fall_back(library: Library, queue: OutboundQueue, settings: Settings, channels: set[str], clock: Clock,
              row: Outbound, reason: str) -> None:
    """Mark the user unreachable on this channel, move the row to the next one, tell the librarian."""
    now = clock()
    if _unfollowed(library, row):  # the user left the account: hold, nobody needs to check a binding
        following.hold(library, [row.id])
        return
    with library.uow() as uow:
        ins = pg_insert if uow.session.bind.dialect.name == "postgresql" else sqlite_insert  # type: ignore[union-attr]
        uow.session.execute(ins(Unreachable).values(channel=row.channel, user_id=row.user_id,
                                                    reason=reason[:120], since=now).on_conflict_do_nothing())
        router = Router.load(uow.session, settings, channels)
        librarians = Directory.load(uow.session).librarians
        uow.commit()
    nxt = router.channel_for(row.user_id, row.audience or STAFF, after=row.channel)
    if nxt == UNROUTED:
        queue.mark_failed(row.id, f"{row.channel} 无法送达：{reason}", retry=False)
    else:
        queue.reroute(row.id, nxt, f"{row.channel} 无法送达：{reason}")
    notes = [NewMessage(key=f"unreachable:{row.channel}:{row.user_id}:{lib}", user_id=lib, audience=STAFF,
                        channel=router.channel_for(lib, STAFF),
                        text=texts.unreachable(row.user_id, row.channel, reason),
                        title="推送无法送达", topic="librarian")
             for lib in librarians if lib != row.user_id]
    queue.enqueue_many(notes, batch="unreachable")
    # No user id in the log (it is an openid or a parent's id): the row id finds it in the outbox.
    log.warning("outbox row %s unreachable on %s (%s): next %s", row.id, row.channel, reason, nxt)


def _unfollowed(library: Library, row: Outbound) -> bool:
    with library.uow() as uow:
        mark = uow.session.get(Unreachable, (row.channel, row.user_id))
        return mark is not None and mark.reason == UNFOLLOWED
