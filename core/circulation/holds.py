"""Passing a copy that comes back to the reservation queue (first come, first served)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.calendar import SchoolCalendar
from core.circulation.lookups import audit, set_item_status
from core.circulation.results import ReservationReady
from core.models import Item, ItemStatus, Reader, ReaderStatus, ReaderType, Reservation, ReservationStatus
from core.policy import Policy

# The first reader in the title's queue whose account is still open and who may borrow this copy's
# item type (a 教参 copy is not held for a pupil; built once: hot path). Selects the id only: most
# returns find no queue, and a bare column skips building an entity.
_FIRST_WAITING = (
    select(Reservation.id).join(Reader, Reader.id == Reservation.reader_id)
    .where(Reservation.title_id == bindparam("title_id"), Reservation.status == ReservationStatus.WAITING,
           Reader.status == ReaderStatus.ACTIVE, Reader.reader_type.in_(bindparam("reader_types", expanding=True)))
    .order_by(Reservation.id).limit(1).with_for_update(of=Reservation)
)


def shelve_or_hold(session: Session, item: Item, *, now: datetime, today: date, calendar: SchoolCalendar,
                   policy: Policy, actor: str) -> ReservationReady | None:
    """Hold the copy for the first waiting reader of its title who may borrow it, else shelve it."""
    may_borrow = [t.value for t in ReaderType if policy.rule(t, item.item_type).loanable]
    waiting_id = session.scalar(_FIRST_WAITING, {"title_id": item.title_id, "reader_types": may_borrow}) \
        if may_borrow else None
    if waiting_id is None:
        set_item_status(session, item, ItemStatus.AVAILABLE)
        return None
    waiting = session.get_one(Reservation, waiting_id)  # already locked by the query above
    # The hold runs for N open days from the next open day, so it never ends on a closed day.
    hold_until = calendar.add_open_days(calendar.previous_open_day(today), policy.hold_open_days)
    waiting.status = ReservationStatus.READY
    waiting.item_id = item.id
    waiting.ready_at = now
    waiting.hold_until = hold_until
    set_item_status(session, item, ItemStatus.HELD)
    audit(session, now, "hold", actor, reader_id=waiting.reader_id, item_id=item.id,
          reservation_id=waiting.id, hold_until=hold_until)
    return ReservationReady(waiting.id, waiting.reader_id, item.title_id, item.title.title, item.barcode,
                            hold_until)


def release_hold(session: Session, item: Item, *, actor: str, now: datetime) -> int | None:
    """A held copy leaves circulation (lost, damaged): its reader goes back to waiting, keeping
    their place (same reservation id), instead of being told to collect a book that is not there."""
    reservation = session.scalar(select(Reservation).where(
        Reservation.item_id == item.id, Reservation.status == ReservationStatus.READY).with_for_update())
    if reservation is None:
        return None
    reservation.status = ReservationStatus.WAITING
    reservation.item_id = None
    reservation.ready_at = None
    reservation.hold_until = None
    audit(session, now, "hold_released", actor, reader_id=reservation.reader_id, item_id=item.id,
          reservation_id=reservation.id)
    return reservation.id
