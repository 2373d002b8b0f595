"""IdempotencyStore leases on a real database: who may take a key over, and who may answer it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from core.clock import FixedClock
from core.library import Library
from core.messaging import KEY_LEASE, IdempotencyStore, LeaseLost, Outcome
from core.models import IdempotencyKey
from core.uow import commit_guard

PAST_LEASE = KEY_LEASE + timedelta(seconds=1)


def test_a_key_pending_from_before_leases_is_taken_over_once_it_is_older_than_a_lease(
        library: Library, clock: FixedClock) -> None:
    with library.uow() as uow:  # written by the code before migration 0009: no owner, no lease
        uow.session.execute(insert(IdempotencyKey).values(key="old", created_at=clock(), result=None))
        uow.commit()
    store = IdempotencyStore(library.session_factory, clock)
    assert store.claim("old") is None
    clock.advance(seconds=PAST_LEASE.total_seconds())
    claim = store.claim("old")
    assert claim is not None and claim.took_over and not claim.acted


def test_an_answered_key_is_never_taken_over_and_a_renewed_lease_is_kept(library: Library, clock: FixedClock) -> None:
    store = IdempotencyStore(library.session_factory, clock)
    done, working = store.claim("done"), store.claim("working")
    assert done is not None and working is not None
    assert store.finish(done, {"state": "done", "text": "好了"}) is Outcome.STORED
    clock.advance(seconds=KEY_LEASE.total_seconds() - 1)
    assert store.renew(working)
    clock.advance(seconds=KEY_LEASE.total_seconds() - 1)
    assert store.claim("done") is None and store.claim("working") is None
    assert store.result("done") == {"state": "done", "text": "好了"}


def test_only_the_current_owner_answers_and_commits(library: Library, clock: FixedClock) -> None:
    dead = IdempotencyStore(library.session_factory, clock, process="dead")
    alive = IdempotencyStore(library.session_factory, clock, process="alive")
    old = dead.claim("k")
    assert old is not None
    clock.advance(seconds=PAST_LEASE.total_seconds())
    new = alive.claim("k")
    assert new is not None and new.took_over and new.owner != old.owner
    assert dead.finish(old, {"state": "done", "text": "旧的"}) is Outcome.LOST
    assert not dead.renew(old)
    with commit_guard(dead.fence(old)), library.uow() as uow, pytest.raises(LeaseLost):
        uow.commit()  # the old holder's write is refused
    with commit_guard(alive.fence(new)), library.uow() as uow:
        uow.commit()
    assert alive.result("k") == {"state": "acting"}
    assert alive.finish(new, {"state": "done", "text": "新的"}) is Outcome.STORED
