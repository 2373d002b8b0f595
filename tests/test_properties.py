"""Property tests: no sequence of circulation actions breaks the library's invariants.

Invariants: at most one open loan per copy; a copy is ON_LOAN exactly when it has an open
loan and HELD exactly when one ready reservation points at it; no charge is negative; in
each title's queue every ready reservation is older than every waiting one (first come,
first served).
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections import Counter
from datetime import UTC, datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from core.circulation import (
    CancelReservation,
    CheckinItem,
    CheckoutItem,
    ExpireHolds,
    PlaceReservation,
    RenewLoan,
    cancel_reservation,
    checkin,
    checkout,
    expire_holds,
    place_reservation,
    renew,
)
from core.clock import FixedClock
from core.db import make_engine
from core.errors import Refused
from core.library import Library
from core.models import Charge, Item, ItemStatus, Loan, Reservation, ReservationStatus
from core.schema import upgrade
from tests.factories import add_reader, add_term, add_title

_TEMPLATE: str | None = None


def _template() -> str:
    global _TEMPLATE
    if _TEMPLATE is None:
        folder = tempfile.mkdtemp(prefix="shuxiang-prop-")
        atexit.register(shutil.rmtree, folder, True)  # the state machine cannot use pytest's tmp_path
        path = os.path.join(folder, "template.db")
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        _TEMPLATE = path
    return _TEMPLATE


class CirculationMachine(RuleBasedStateMachine):
    @initialize()
    def open_library(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="shuxiang-prop-")
        path = os.path.join(self.dir, "library.db")
        shutil.copy(_template(), path)
        self.clock = FixedClock(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
        self.lib = Library.open(f"sqlite:///{path}", clock=self.clock, migrate=False)
        add_term(self.lib)
        # One title with a single copy (queues form fast), one with two.
        self.titles = [add_title(self.lib, f"书{n}", copies=n + 1, price_fen=800)[0] for n in range(2)]
        with self.lib.uow() as uow:
            self.barcodes = list(uow.session.scalars(select(Item.barcode)))
        self.readers = [add_reader(self.lib, f"读者{n}") for n in range(4)]

    def teardown(self) -> None:
        if hasattr(self, "lib"):
            self.lib.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _try(self, fn, cmd) -> None:
        try:
            fn(self.lib, cmd)
        except Refused:
            pass  # refusals are fine; broken invariants are not

    @rule(reader=st.integers(0, 3), copy=st.integers(0, 2))
    def borrow(self, reader: int, copy: int) -> None:
        self._try(checkout, CheckoutItem(self.readers[reader][1], self.barcodes[copy]))

    @rule(copy=st.integers(0, 2))
    def give_back(self, copy: int) -> None:
        self._try(checkin, CheckinItem(self.barcodes[copy]))

    @rule(reader=st.integers(0, 3), loan_id=st.integers(1, 12))
    def extend(self, reader: int, loan_id: int) -> None:
        self._try(renew, RenewLoan(self.readers[reader][0], loan_id))

    @rule(reader=st.integers(0, 3), title=st.integers(0, 1))
    def queue_up(self, reader: int, title: int) -> None:
        self._try(place_reservation, PlaceReservation(self.readers[reader][0], self.titles[title]))

    @rule(reader=st.integers(0, 3), reservation_id=st.integers(1, 10))
    def give_up(self, reader: int, reservation_id: int) -> None:
        self._try(cancel_reservation, CancelReservation(self.readers[reader][0], reservation_id))

    @rule(days=st.integers(1, 12))
    def time_passes(self, days: int) -> None:
        self.clock.advance(days=days)
        expire_holds(self.lib, ExpireHolds())

    @invariant()
    def library_is_consistent(self) -> None:
        if not hasattr(self, "lib"):
            return
        with self.lib.uow() as uow:
            s = uow.session
            open_per_item = Counter(s.scalars(select(Loan.item_id).where(Loan.is_open.is_(True))))
            assert all(n == 1 for n in open_per_item.values()), open_per_item
            ready = list(s.scalars(select(Reservation).where(Reservation.status == ReservationStatus.READY)))
            held_by = Counter(r.item_id for r in ready)
            for item in s.scalars(select(Item)):
                assert (item.status == ItemStatus.ON_LOAN) == (item.id in open_per_item), item.barcode
                assert (item.status == ItemStatus.HELD) == (held_by[item.id] == 1), item.barcode
                assert held_by[item.id] <= 1
            assert all(c.amount_fen >= 0 for c in s.scalars(select(Charge)))
            waiting = list(s.scalars(select(Reservation).where(Reservation.status == ReservationStatus.WAITING)))
            for r in ready:
                assert all(r.id < w.id for w in waiting if w.title_id == r.title_id), "queue out of order"


TestCirculationInvariants = CirculationMachine.TestCase
TestCirculationInvariants.settings = settings(
    max_examples=int(os.environ.get("SHUXIANG_PROPERTY_EXAMPLES", "40")), stateful_step_count=40,
    deadline=None, suppress_health_check=[HealthCheck.too_slow])
