"""重发 of a failed notice (core.messaging.OutboundQueue.retry_failed): requeued once, due now, a full set of
attempts; a second call, a sent row or an unknown id change nothing."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select

from core.clock import FixedClock
from core.library import Library
from core.messaging import FAILED, MAX_ATTEMPTS, Failure, OutboundMessage, OutboundQueue


def _row(library: Library, key: str) -> Row[Any]:
    m = OutboundMessage
    with library.read_uow() as uow:
        return uow.session.execute(select(m.id, m.status, m.attempts, m.next_attempt_at, m.failed_at, m.last_error)
                                   .where(m.key == key)).one()


def _given_up(queue: OutboundQueue, library: Library, key: str) -> int:
    queue.enqueue(key=key, channel="wecom_school", user_id="p-liu", text="《草房子》后天到期。")
    row_id = _row(library, key).id
    for _ in range(MAX_ATTEMPTS):  # the delivery loop's way: claim, begin, fail with retry until given up
        queue.settle(failed=[Failure(row_id, "errcode -1: system busy", retry=True)], begun=False)
    return row_id


def test_a_failed_notice_is_requeued_once_and_sent_normally_after(library: Library, clock: FixedClock) -> None:
    queue = OutboundQueue(library.session_factory, clock)
    row_id = _given_up(queue, library, "due:1")
    assert _row(library, "due:1").status == FAILED
    assert queue.retry_failed(row_id) is True
    row = _row(library, "due:1")
    assert (row.status, row.attempts, row.next_attempt_at, row.failed_at) == ("pending", 0, clock(), None)
    assert row.last_error == "errcode -1: system busy"  # kept until the next attempt says otherwise
    assert queue.retry_failed(row_id) is False  # a second click: already queued, nothing happens
    claimed = queue.claim_due(["wecom_school"])
    assert [c.id for c in claimed] == [row_id]
    queue.settle(sent=[row_id], begun=False)
    assert _row(library, "due:1").status == "sent"
    assert queue.retry_failed(row_id) is False  # a sent notice is never sent again


def test_only_failed_rows_can_be_retried(library: Library, clock: FixedClock) -> None:
    queue = OutboundQueue(library.session_factory, clock)
    queue.enqueue(key="due:2", channel="wecom_school", user_id="p-liu", text="t")
    pending = _row(library, "due:2")
    assert queue.retry_failed(pending.id) is False
    assert _row(library, "due:2").next_attempt_at == pending.next_attempt_at
    assert queue.retry_failed(987654) is False
