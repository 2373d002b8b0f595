"""催还通知 at once: the reader (a student's parents) hears of a recall when the desk makes it.

Queued in the recall's own transaction (`queue_recall_notice` is passed to
`core.circulation.recall` as `then`), so a recall is never written without its notice. Quiet
hours and closed days hold the row (`not_before`), as for every push; the row's `ref` names the
loan and its new due day, so delivery drops it once the book is back or the date changed again.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.circulation.results import LoanRecalled
from core.library import Library
from core.messaging import enqueue_in
from core.models import Reader, ReaderType
from core.notices import topics
from core.notices.compute import Run
from core.notices.texts import md_week
from core.settings import Settings


def recall_text(title: str, new_due: date, today: date, *, child: str | None) -> str:
    """The reader's words: which book, the new deadline (or that it is already late), what to do."""
    whose = f"{child}借的" if child else "您借的"
    ask = "请提醒孩子" if child else "请"
    if new_due < today:
        return f"图书室催还：{whose}《{title}》已过了还书日（{md_week(new_due)}），{ask}尽快还到图书室。"
    return f"图书室需要提前收回{whose}《{title}》，新的还书日是{md_week(new_due)}，{ask}在这天前还到图书室。"


def queue_recall_notice(library: Library, settings: Settings, session: Session, recalled: LoanRecalled) -> int:
    """Write the recall notice for every user bound to the reader, in `session`'s transaction.

    Keyed `recall:<reader>:<loan>:<new due>`: one notice per recall, none twice. Returns how many
    bound users it is for, a retry's rows already queued included (0 when nobody is bound to the reader,
    or only users who unfollowed: the desk must then say so, not "已通知").
    """
    now = library.now()
    run = Run.open(library, settings, session, now)
    name, reader_type = session.execute(select(Reader.name, Reader.reader_type)
                                        .where(Reader.id == recalled.reader_id)).one()
    child = name if reader_type == ReaderType.STUDENT else None
    due = recalled.new_due.isoformat()
    run.add(f"recall:{recalled.reader_id}:{recalled.loan_id}:{due}", topics.OVERDUE,
            f"loan:{recalled.loan_id}:{due}", run.for_reader(recalled.reader_id, reader_type),
            recall_text(recalled.title, recalled.new_due, run.today, child=child), "催还通知")
    enqueue_in(session, run.out, now=now, batch=f"recall@{now.isoformat(timespec='seconds')}")
    return len(run.out)
