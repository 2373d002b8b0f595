"""A per-student reading report for parents: what they read, month by month, with a small chart."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from core.circulation.lookups import reader_by_id
from core.clock import school_today
from core.library import Library
from core.models import Item, Loan, Title
from core.reports.charts import bar_chart
from core.reports.periods import Period


@dataclass(frozen=True)
class ReadingEntry:
    title: str
    author: str
    loaned_on: date
    returned_on: date | None


@dataclass
class StudentReading:
    name: str
    card_no: str
    class_name: str
    period: Period | None
    entries: list[ReadingEntry] = field(default_factory=list)  # newest first
    by_month: list[tuple[str, int]] = field(default_factory=list)  # ("2026-09", 3), oldest first
    chart_png: bytes | None = None

    @property
    def total(self) -> int:
        return len(self.entries)


def student_reading(library: Library, reader_id: int, *, period: Period | None = None,
                    chart: bool = True) -> StudentReading:
    """The reader's loans (in `period`, or ever) and a bar chart of books per month.

    Raises Refused(READER_NOT_FOUND) for an unknown reader.
    """
    with library.uow() as uow:
        reader = reader_by_id(uow.session, reader_id)
        class_name = reader.school_class.name if reader.school_class else ""
        stmt = (select(Title.title, Title.author, Loan.loaned_at, Loan.returned_at)
                .join(Item, Item.id == Loan.item_id).join(Title, Title.id == Item.title_id)
                .where(Loan.reader_id == reader_id).order_by(Loan.loaned_at.desc(), Loan.id.desc()))
        if period is not None:
            start, end = period.utc_bounds
            stmt = stmt.where(Loan.loaned_at >= start, Loan.loaned_at < end)
        rows = uow.session.execute(stmt).all()
        report = StudentReading(reader.name, reader.card_no, class_name, period)
    report.entries = [ReadingEntry(t, a, school_today(at), school_today(back) if back else None)
                      for t, a, at, back in rows]
    months = Counter(e.loaned_on.strftime("%Y-%m") for e in report.entries)
    report.by_month = sorted(months.items())
    if chart:
        labels = [f"{int(m[5:])}月" for m, _ in report.by_month] or ["本期"]
        values = [n for _, n in report.by_month] or [0]
        report.chart_png = bar_chart(f"{report.name}的阅读记录（共{report.total}本）", labels, values)
    return report
