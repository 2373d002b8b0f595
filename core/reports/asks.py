"""Which report to build, as the console asks for it: the term, week or class report, a student's reading.

The CLI (cli/report.py) chooses its period the same way: `term_period` for a term or class report,
`week_period` for a week, then `build_report`; this module only puts those steps behind one call
each so a web view can run them in a worker thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import select

from core.circulation.lookups import reader_by_id
from core.library import Library
from core.models import SchoolClass, Term
from core.reports.periods import Period, term_period, week_period
from core.reports.stats import Report, build_report
from core.reports.student import StudentReading, student_reading
from core.targets import Targets

Kind = Literal["term", "week", "class"]


@dataclass(frozen=True)
class ReportAsk:
    """A report to build: `term` (by name; None = the current term), a `week` containing `week_of`
    (None = this week), or a `class` report (`class_name`, required, for the term `term`)."""

    kind: Kind
    term: str | None = None
    week_of: date | None = None
    class_name: str | None = None


@dataclass(frozen=True)
class ReportChoices:
    """What the report forms offer: term names (newest first) and class names (by grade)."""

    terms: list[str]
    classes: list[str]
    today: date


class NotYourClass(LookupError):
    """The student is not in the class the account may see (a class teacher asking about another class)."""


def report_choices(library: Library) -> ReportChoices:
    """The terms and classes to choose from, read in one read transaction."""
    from core.lists import class_sort_key

    with library.read_uow() as uow:
        terms = list(uow.session.scalars(select(Term.name).order_by(Term.start_date.desc())))
        classes = sorted(uow.session.scalars(select(SchoolClass.name)), key=class_sort_key)
    return ReportChoices(terms, classes, library.today())


def ask_period(library: Library, ask: ReportAsk) -> Period:
    """The period of `ask`; NoTerm when the calendar has no (such) term for a term or class report."""
    if ask.kind == "week":
        return week_period(ask.week_of or library.today())
    with library.read_uow() as uow:
        return term_period(uow.session, library.today(), ask.term)


def run_report(library: Library, ask: ReportAsk, targets: Targets, *, reuse: bool = True) -> Report:
    """The figures `shuxiang report term|week|class` prints for the same choice.

    With `reuse`, a report built earlier for the same period, class and targets is returned while the
    data's version (core.reports.cache.data_version) is unchanged; the returned Report is then shared,
    to read only. Raises NoTerm (no such term) and LookupError (no such class, Chinese message).
    """
    from core.reports.cache import cached_report, data_version

    period = ask_period(library, ask)
    class_name = ask.class_name if ask.kind == "class" else None

    def build() -> Report:
        return build_report(library, period, class_name=class_name, targets=targets)

    if not reuse:
        return build()
    with library.read_uow() as uow:  # the version is read first: a report is never older than its key
        version = data_version(uow.session, library.today())
        where = str(uow.session.get_bind().url)  # one cache for any database (tests open many)
    return cached_report((where, period, class_name, repr(targets)), version, build)


def parents_report(library: Library, reader_id: int, *, term: str | None, only_class_id: int | None,
                   chart: bool = True) -> StudentReading:
    """A student's reading in the term `term` (None = the current term; the whole history when there are
    no terms yet), with its chart; `only_class_id` limits it to that class's students (a class teacher).

    Raises Refused(READER_NOT_FOUND) for an unknown reader, NotYourClass outside `only_class_id`,
    NoTerm for a term name that does not exist.
    """
    from core.reports.periods import NoTerm

    with library.read_uow() as uow:
        reader = reader_by_id(uow.session, reader_id)
        if only_class_id is not None and reader.class_id != only_class_id:
            raise NotYourClass("这位同学不在你的班里。")
        try:
            period: Period | None = term_period(uow.session, library.today(), term)
        except NoTerm:
            if term:
                raise
            period = None
    return student_reading(library, reader_id, period=period, chart=chart)
