"""Whether the shelf can serve the other readers waiting for a title, each with a copy they may borrow.

A renewal is refused when another reader waits and the shelf cannot fill their reservation. A copy on
the shelf only counts for a waiting reader who may take it home: a 工具书 copy (reading room only)
counts for nobody, a 教学参考书 copy for teachers but not for pupils (the policy's rules decide).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Item, ItemStatus, ItemType, Reader, ReaderType, Reservation, ReservationStatus
from core.policy import Policy


def shelf_serves_everyone(policy: Policy, waiting: Sequence[ReaderType], shelf: Sequence[ItemType]) -> bool:
    """True when each waiting reader can get a different copy from the shelf that they may borrow.

    A small bipartite matching (augmenting paths): queues are a handful of readers, shelves a handful
    of copies, and a greedy pass could hand a teacher the only copy a pupil may take.
    """
    if len(waiting) > len(shelf):
        return False
    fits = [[c for c, item_type in enumerate(shelf) if policy.rule(reader_type, item_type).loanable]
            for reader_type in waiting]
    owner: dict[int, int] = {}

    def place(reader: int, seen: set[int]) -> bool:
        for copy in fits[reader]:
            if copy in seen:
                continue
            seen.add(copy)
            if copy not in owner or place(owner[copy], seen):
                owner[copy] = reader
                return True
        return False

    return all(place(reader, set()) for reader in range(len(waiting)))


def titles_short_for_others(session: Session, policy: Policy, reader_id: int, title_ids: Iterable[int]) -> set[int]:
    """The titles among `title_ids` where other readers wait and the shelf cannot serve them all."""
    ids = list(title_ids)
    if not ids:
        return set()
    waiting: dict[int, list[ReaderType]] = defaultdict(list)
    for title_id, reader_type in session.execute(
            select(Reservation.title_id, Reader.reader_type).join(Reader, Reader.id == Reservation.reader_id)
            .where(Reservation.title_id.in_(ids), Reservation.status == ReservationStatus.WAITING,
                   Reservation.reader_id != reader_id)):
        waiting[title_id].append(ReaderType(reader_type))
    if not waiting:
        return set()
    shelf: dict[int, list[ItemType]] = defaultdict(list)
    for title_id, item_type in session.execute(
            select(Item.title_id, Item.item_type).where(Item.title_id.in_(list(waiting)),
                                                       Item.status == ItemStatus.AVAILABLE)):
        shelf[title_id].append(ItemType(item_type))
    return {t for t, readers in waiting.items() if not shelf_serves_everyone(policy, readers, shelf[t])}
