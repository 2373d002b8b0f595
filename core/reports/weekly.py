"""Each class's week (各班借阅情况每周公布): this week's loans, the term's 生均 against the target, overdue books.

Counted as the term report counts (student loans made since the term began, students on the roll);
overdue books are the class's students' open loans past their due day, as 本班逾期 counts them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.lists import name_sort_key
from core.models import Loan, Reader, ReaderStatus, ReaderType
from core.reports import facts
from core.reports.periods import Period
from core.reports.stats import Report, _classes
from core.targets import Targets


@dataclass(frozen=True)
class ClassWeek:
    """One class's figures for the weekly summary; `not_borrowed` are names (the class teacher's copy only)."""

    class_id: int
    class_name: str
    grade: int
    week_start: date  # Monday
    week_loans: int  # student loans made this week (Monday to today)
    term_loans: int
    students: int
    per_student: float  # this term's 生均
    target: float  # the grade's 生均 target this term (0: none)
    overdue: int  # the class's books past their due day, still out
    not_borrowed: tuple[str, ...]  # active students with no loan this term, by pinyin

    @property
    def gap(self) -> float:
        return max(0.0, self.target - self.per_student) if self.target else 0.0


def class_weeks(session: Session, term: Period, today: date, targets: Targets) -> list[ClassWeek]:
    """Every class's week up to `today` (in `term`), in one pass over the term's loans."""
    monday = today - timedelta(days=today.weekday())
    classes = facts.load_classes(session)
    readers = facts.load_readers(session)
    loans = facts.load_loans(session, Period(term.name, term.start, today, is_term=True))
    counts = Counter(f.reader_id for f in loans)
    report = Report(term, today)
    _classes(report, loans, readers, classes, counts, targets)
    rows = {row.name: row for row in report.classes}
    students = {rid: r for rid, r in readers.items() if r.reader_type is ReaderType.STUDENT and r.class_id}
    week = Counter(students[f.reader_id].class_id for f in loans if f.reader_id in students and f.loaned_on >= monday)
    overdue = dict(session.execute(
        select(Reader.class_id, func.count()).select_from(Loan).join(Reader, Reader.id == Loan.reader_id)
        .where(Loan.is_open.is_(True), Loan.due_date < today, Reader.reader_type == ReaderType.STUDENT,
               Reader.class_id.is_not(None)).group_by(Reader.class_id)).all())
    active = set(session.scalars(select(Reader.id).where(Reader.status == ReaderStatus.ACTIVE,
                                                         Reader.reader_type == ReaderType.STUDENT)))
    idle: dict[int, list[str]] = {}
    for rid, r in students.items():
        if rid in active and not counts[rid]:
            idle.setdefault(r.class_id, []).append(r.name)  # type: ignore[arg-type]
    out = []
    for cid, cls in classes.items():
        row = rows[cls.name]
        out.append(ClassWeek(cid, cls.name, cls.grade, monday, week[cid], row.loans, row.students, row.per_student,
                             row.target, overdue.get(cid, 0), tuple(sorted(idle.get(cid, []), key=name_sort_key))))
    return out
