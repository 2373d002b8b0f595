"""Built reports remembered per (what was asked, the data's version): the console's pages reuse them.

`build_report` over a term of 200,000 loans takes seconds; the page, its xlsx and each PNG ask for
the same report one after another, and a librarian reloads it. There is no single counter that every
write bumps (a hot row every loan would queue on), so the data version is a fingerprint read in one
few statements: counts, sums and maxima over the rows a report reads (loans, renewals, readers, classes,
copies, the audit log) and the catalogue and calendar counters. Any loan, return, renewal, recall,
loss, new or moved reader, class or copy changes it. It is read from the database on every request,
so several server processes each keeping their own cache never serve a stale report.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date

from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.orm import Session

from core import versions
from core.models import AuditEntry, Item, ItemStatus, Loan, Reader, ReaderStatus, Renewal, SchoolClass
from core.reports.stats import Report

CACHE_SIZE = 8  # reports (a 2,400-student term is a few MB)
_cache: OrderedDict[Hashable, Report] = OrderedDict()
_lock = threading.Lock()


def _flag(condition: object) -> object:
    return func.sum(case((condition, 1), else_=0))  # type: ignore[arg-type]


def data_version(session: Session, today: date) -> tuple[object, ...]:
    """The fingerprint of everything a report reads (five small aggregate queries; one scans the loans)."""
    loans = select(func.count(), func.max(Loan.id), func.count(Loan.returned_at), func.count(Loan.lost_at),
                   func.coalesce(func.sum(Loan.renewal_count), 0), func.count(Loan.recalled_at),
                   _flag(and_(Loan.is_open.is_(True), Loan.due_date < today)))
    readers = select(func.count(), func.max(Reader.id), func.coalesce(func.sum(Reader.class_id), 0),
                     _flag(Reader.status == ReaderStatus.LEFT),
                     func.coalesce(func.sum(func.length(Reader.name)), 0))  # a renamed pupil, mostly
    classes = select(func.count(), func.max(SchoolClass.id), func.coalesce(func.sum(SchoolClass.grade.cast(Integer)), 0))
    items = select(func.count(), func.max(Item.id),
                   _flag(Item.status.in_([ItemStatus.LOST, ItemStatus.WITHDRAWN])))
    single = [select(func.max(Renewal.id)).scalar_subquery(), select(func.max(AuditEntry.id)).scalar_subquery(),
              versions.column(versions.CATALOGUE), versions.column(versions.CALENDAR)]
    row: tuple[object, ...] = (today,)
    for part in (loans, readers, classes, items):
        row += tuple(session.execute(part).one())
    return row + tuple(session.execute(select(*single)).one())


def cached_report(ask: Hashable, version: tuple[object, ...], build: Callable[[], Report]) -> Report:
    """The report for `ask` (with the database's URL in it) at `version` (data_version, read before
    building, so a report is never older than its key): remembered, or built by `build()` and kept.

    The returned Report is shared: callers read it and never change it.
    """
    key = (ask, version)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    report = build()  # outside the lock: another report may be built meanwhile
    with _lock:
        _cache[key] = report
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return report


def clear() -> None:
    """Forget every remembered report (tests that rebuild a database under the same ids)."""
    with _lock:
        _cache.clear()
