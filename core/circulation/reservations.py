"""预约: a queue per title; cancelling or missing a hold passes the copy on."""
from __future__ import annotations

from sqlalchemy import func, select

from core.circulation.commands import CancelReservation, ExpireHolds, PlaceReservation
from core.circulation.holds import shelve_or_hold
from core.circulation.lookups import account_reasons, audit, reader_by_id
from core.circulation.results import HoldsExpired, ReservationCancelled, ReservationPlaced
from core.errors import Reason, Refused
from core.library import Library
from core.models import Item, ItemStatus, ItemType, Loan, Reservation, ReservationStatus, Title

ACTIVE = (ReservationStatus.WAITING, ReservationStatus.READY)


def place_reservation(library: Library, cmd: PlaceReservation) -> ReservationPlaced:
    """Queue the reader for a title when no copy is on the shelf."""
    now, today = library.now(), library.today()
    with library.uow() as uow:
        session = uow.session
        reader = reader_by_id(session, cmd.reader_id, lock=True)
        title = session.scalar(select(Title).where(Title.id == cmd.title_id).with_for_update())
        if title is None:
            raise Refused(Reason.TITLE_NOT_FOUND, title_id=cmd.title_id)
        reasons = account_reasons(reader, today)
        items = list(session.scalars(select(Item).where(Item.title_id == title.id)))
        loanable = [i for i in items if library.policy.rule(reader.reader_type, i.item_type).loanable
                    and i.item_type != ItemType.REFERENCE and i.status != ItemStatus.WITHDRAWN]
        if not loanable:
            reasons.append(Reason.NOT_FOR_LOAN)
        elif any(i.status == ItemStatus.AVAILABLE for i in loanable):
            reasons.append(Reason.COPY_AVAILABLE)
        if session.scalar(select(func.count()).select_from(Reservation).where(
                Reservation.reader_id == reader.id, Reservation.title_id == title.id,
                Reservation.status.in_(ACTIVE))):
            reasons.append(Reason.ALREADY_RESERVED)
        if session.scalar(select(func.count()).select_from(Loan).join(Item, Item.id == Loan.item_id).where(
                Loan.reader_id == reader.id, Loan.is_open.is_(True), Item.title_id == title.id)):
            reasons.append(Reason.ALREADY_BORROWED)
        active = session.scalar(select(func.count()).select_from(Reservation).where(
            Reservation.reader_id == reader.id, Reservation.status.in_(ACTIVE))) or 0
        if active >= library.policy.max_reservations:
            reasons.append(Reason.RESERVATION_LIMIT)
        if reasons:
            raise Refused(*reasons, title=title.title, max_reservations=library.policy.max_reservations,
                          suspended_until=reader.suspended_until, suspension_reason=reader.suspension_reason or None)

        reservation = Reservation(title_id=title.id, reader_id=reader.id, created_at=now,
                                  status=ReservationStatus.WAITING)
        session.add(reservation)
        session.flush()
        position = session.scalar(select(func.count()).select_from(Reservation).where(
            Reservation.title_id == title.id, Reservation.status == ReservationStatus.WAITING,
            Reservation.id <= reservation.id)) or 1
        earliest_due = session.scalar(select(func.min(Loan.due_date)).join(Item, Item.id == Loan.item_id)
                                      .where(Item.title_id == title.id, Loan.is_open.is_(True)))
        audit(session, now, "reserve", cmd.actor, reader_id=reader.id, reservation_id=reservation.id,
              title_id=title.id)
        result = ReservationPlaced(reservation.id, title.title, position, earliest_due)
        uow.commit()
        return result


def cancel_reservation(library: Library, cmd: CancelReservation) -> ReservationCancelled:
    """Cancel the reader's own reservation; a copy held for it goes to the next reader."""
    now, today = library.now(), library.today()
    with library.uow() as uow:
        session = uow.session
        reservation = session.scalar(select(Reservation).where(Reservation.id == cmd.reservation_id)
                                     .with_for_update())
        if (reservation is None or reservation.reader_id != cmd.reader_id
                or reservation.status not in ACTIVE):
            raise Refused(Reason.RESERVATION_NOT_FOUND, reservation_id=cmd.reservation_id)
        was_ready = reservation.status == ReservationStatus.READY
        reservation.status = ReservationStatus.CANCELLED
        reservation.closed_at = now
        passed_on = None
        if was_ready and reservation.item_id is not None:
            item = session.scalar(select(Item).where(Item.id == reservation.item_id).with_for_update())
            if item is not None and item.status == ItemStatus.HELD:
                session.flush()
                passed_on = shelve_or_hold(session, item, now=now, today=today,
                                           calendar=library.calendar(session), policy=library.policy,
                                           actor=cmd.actor)
        audit(session, now, "cancel_reservation", cmd.actor, reader_id=cmd.reader_id,
              reservation_id=reservation.id)
        result = ReservationCancelled(reservation.id, reservation.title.title, passed_on)
        uow.commit()
        return result


def expire_holds(library: Library, cmd: ExpireHolds | None = None) -> HoldsExpired:
    """Close holds whose last pickup day has passed and pass each copy to the next reader."""
    cmd = cmd or ExpireHolds()
    now, today = library.now(), library.today()
    expired: list[int] = []
    passed_on = []
    with library.uow() as uow:
        session = uow.session
        calendar = library.calendar(session)
        stale = list(session.scalars(select(Reservation).where(
            Reservation.status == ReservationStatus.READY, Reservation.hold_until < today)
            .order_by(Reservation.id).with_for_update()))
        for reservation in stale:
            reservation.status = ReservationStatus.EXPIRED
            reservation.closed_at = now
            expired.append(reservation.id)
            audit(session, now, "hold_expired", cmd.actor, reader_id=reservation.reader_id,
                  reservation_id=reservation.id)
            session.flush()
            item = session.get(Item, reservation.item_id) if reservation.item_id else None
            if item is not None and item.status == ItemStatus.HELD:
                ready = shelve_or_hold(session, item, now=now, today=today, calendar=calendar,
                                       policy=library.policy, actor=cmd.actor)
                if ready is not None:
                    passed_on.append(ready)
        uow.commit()
    return HoldsExpired(expired, passed_on)
