"""取消其借书资格: the library suspends a reader's borrowing with a reason, and lifts it.

A suspension is `readers.suspended_until` (no borrowing through that day) with
`readers.suspension_reason`; "until the library lifts it" is the far date INDEFINITE. Returning books
stays possible. The automatic suspension (overdue again after a renewal) uses the same date with no
reason; lifting ends either kind. Both actions are audited.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime

from core.circulation.commands import LiftSuspension, SuspendReader
from core.circulation.lookups import audit, reader_by_card
from core.circulation.results import ReaderSuspended, SuspensionLifted
from core.errors import Reason, Refused
from core.library import Library
from core.models import ReaderStatus

INDEFINITE = date(9999, 12, 31)  # suspended until the library lifts it
MAX_REASON = 200  # readers.suspension_reason's width


# Characters that show as nothing although they are not whitespace (a reason made of them says nothing).
_BLANKS = dict.fromkeys(map(ord, "\u115f\u1160\u3164\uffa0\u2800"), " ")


def clean_reason(text: str) -> str:
    """The reason as it reads: invisible characters (zero-width, BOM, fillers) dropped, spaces (full-width
    too) folded to one."""
    visible = "".join(c for c in text.translate(_BLANKS) if unicodedata.category(c) not in ("Cf", "Cc", "Zl", "Zp")
                      or c.isspace())
    return " ".join(visible.split())


class SuspensionError(ValueError):
    """A suspension the library cannot record as asked: (field, Chinese message for the form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def is_indefinite(until: object) -> bool:
    """True for a suspension that lasts until the library lifts it (any other value: False)."""
    return isinstance(until, date) and not isinstance(until, datetime) and until >= INDEFINITE


def suspend_reader(library: Library, cmd: SuspendReader) -> ReaderSuspended:
    """Suspend borrowing through `cmd.until` (None: indefinitely) for `cmd.reason`. A suspension already
    running to a later day (e.g. the automatic one) keeps its day, and the result says so (`kept_later`);
    the reason is replaced. Raises SuspensionError for a missing reason or a past date, Refused for the card."""
    reason = clean_reason(cmd.reason)
    if not reason:
        raise SuspensionError("reason", "请写明暂停借书的原因（例如：多次损坏图书，经德育处同意）。")
    if len(reason) > MAX_REASON:
        raise SuspensionError("reason", f"原因太长了，请写在{MAX_REASON}字以内。")
    today = library.today()
    if cmd.until is not None and cmd.until < today:
        raise SuspensionError("until", "暂停到的日期已经过去了，请写今天或以后的日期；不写日期就是一直暂停。")
    until = cmd.until or INDEFINITE
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        reader = reader_by_card(session, cmd.card_no, lock=True)
        if reader.status == ReaderStatus.LEFT:
            raise Refused(Reason.READER_LEFT, reader_name=reader.name)
        kept_later = reader.suspended_until is not None and reader.suspended_until > until
        if kept_later:
            until = reader.suspended_until  # never shorten a running suspension silently
        reader.suspended_until, reader.suspension_reason = until, reason
        audit(session, now, "suspend", cmd.actor, reader_id=reader.id, reason=reason,
              until="indefinite" if is_indefinite(until) else until.isoformat(), kept_later=kept_later)
        result = ReaderSuspended(reader.id, reader.name, until, reason, kept_later)
        uow.commit()
        return result


def lift_suspension(library: Library, cmd: LiftSuspension) -> SuspensionLifted:
    """Give the reader their borrowing back today; raises SuspensionError when they are not suspended."""
    now, today = library.now(), library.today()
    with library.uow() as uow:
        session = uow.session
        reader = reader_by_card(session, cmd.card_no, lock=True)
        if reader.suspended_until is None or reader.suspended_until < today:
            raise SuspensionError("lift", f"{reader.name}现在没有被暂停借书，不用恢复。")
        was_until, reason = reader.suspended_until, reader.suspension_reason
        reader.suspended_until, reader.suspension_reason = None, ""
        audit(session, now, "lift_suspension", cmd.actor, reader_id=reader.id, reason=reason,
              was_until="indefinite" if is_indefinite(was_until) else was_until.isoformat())
        result = SuspensionLifted(reader.id, reader.name, was_until, reason)
        uow.commit()
        return result
