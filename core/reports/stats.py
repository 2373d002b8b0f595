"""Term, week and class statistics: 生均借阅, 流通率, coverage, ranking, 阅读之星, top titles, trend."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.library import Library
from core.models import ReaderType
from core.reports import facts
from core.reports.periods import Period, term_period
from core.targets import Target, Targets

STARS_PER_GRADE = 3
TOP_TITLES = 20


@dataclass(frozen=True)
class ClassRow:
    name: str
    grade: int
    students: int
    borrowers: int
    loans: int
    per_student: float  # 生均借阅
    coverage: float  # share of students who borrowed at least once
    overdue: int
    overdue_rate: float
    rank: int
    collection_loans: int = 0  # 集体借阅: copies lent to the class borrower in the period (not per student)
    target: float = 0.0  # the grade's 生均 target this term ([targets]); 0 = none
    rotations: int = 0  # class-collection rotations: days its class borrower took a set (集体借阅/漂流)
    rotations_target: int = 0

    @property
    def gap(self) -> float:
        """Books per student still missing to reach the target (0 when reached or no target)."""
        return max(0.0, self.target - self.per_student) if self.target else 0.0

    @property
    def reached(self) -> bool | None:
        """True/False against the target; None when the grade has no target."""
        return self.per_student >= self.target - 1e-9 if self.target else None


@dataclass(frozen=True)
class GradeRow:
    """One grade's 生均 against its target (the report's 年级 table)."""

    grade: int
    classes: int
    students: int
    loans: int
    per_student: float
    target: float
    classes_reached: int  # classes at or above the target


@dataclass(frozen=True)
class StudentRow:
    card_no: str
    name: str
    class_name: str
    grade: int
    loans: int
    titles: int = 0  # different titles borrowed (阅读之星 counts these: lending one copy 40 times is one book)
    reader_id: int = 0  # the reader's id (the console links a student's reading report by it, not by card)


@dataclass(frozen=True)
class TitleRow:
    title: str
    author: str
    loans: int


@dataclass
class Report:
    period: Period
    as_of: date
    class_name: str | None = None  # set for a one-class report
    holdings: int = 0
    loans: int = 0
    student_loans: int = 0
    teacher_loans: int = 0  # teachers' and staff's own loans
    class_loans: int = 0  # 集体借阅 (班级图书角): lent to class borrowers, counted per class, never per student
    students: int = 0
    borrowers: int = 0
    overdue: int = 0
    classes: list[ClassRow] = field(default_factory=list)
    grades: list[GradeRow] = field(default_factory=list)
    students_rows: list[StudentRow] = field(default_factory=list)
    stars: dict[int, list[StudentRow]] = field(default_factory=dict)
    top_titles: list[TitleRow] = field(default_factory=list)
    weeks: list[tuple[date, int]] = field(default_factory=list)  # (Monday, loans)

    @property
    def per_student(self) -> float:
        return _ratio(self.student_loans, self.students)

    @property
    def circulation_rate(self) -> float:
        return _ratio(self.loans, self.holdings)

    @property
    def coverage(self) -> float:
        return _ratio(self.borrowers, self.students)

    @property
    def overdue_rate(self) -> float:
        return _ratio(self.overdue, self.loans)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def build_report(library: Library, period: Period, *, class_name: str | None = None,
                 targets: Targets | None = None) -> Report:
    """All the figures for one period, optionally for one class only, each class and grade beside its target.

    `targets` defaults to the plans' 4 books per student per term; the targets of the term named
    like the period apply, and only to a term's report (a week's report shows no target).
    """
    as_of = min(library.today(), period.end + timedelta(days=1))
    with library.uow() as uow:
        session = uow.session
        loans = facts.load_loans(session, period)
        readers = facts.load_readers(session)
        readers.update(facts.load_reader_names(session, {f.reader_id for f in loans} - readers.keys()))
        classes = facts.load_classes(session)
        holdings = facts.count_holdings(session)
        only = next((c.class_id for c in classes.values() if c.name == class_name), None)
        if class_name is not None and only is None:
            raise LookupError(f"没有找到班级“{class_name}”")
        grade_of_class: Report | None = None
        if only is not None:
            grade_of_class = _grade_report(period, as_of, loans, readers, classes, classes[only].grade, targets)
            keep = {rid for rid, r in readers.items() if r.class_id == only}
            loans = [f for f in loans if f.reader_id in keep]
            readers = {rid: readers[rid] for rid in keep}
            classes = {only: classes[only]}
        counts = Counter(f.reader_id for f in loans)
        per_title = Counter(f.title_id for f in loans)
        titles = facts.load_titles(session, [tid for tid, _ in per_title.most_common(TOP_TITLES)])
    report = Report(period, as_of, class_name, holdings=holdings, loans=len(loans))
    late = _overdue_by_reader(loans, as_of)
    _totals(report, readers, counts, late)
    _classes(report, loans, readers, classes, counts, targets or Targets(), late)
    _students(report, readers, classes, counts, _distinct_titles(loans))
    report.top_titles = [TitleRow(*titles[tid], n) for tid, n in per_title.most_common(TOP_TITLES) if tid in titles]
    report.weeks = _weeks(period, min(period.end, as_of), loans)
    if grade_of_class is not None:  # a class's grade figures are the whole grade's, not the class's own again
        report.grades = grade_of_class.grades
    return report


def _grade_report(period: Period, as_of: date, loans: list[facts.LoanFact], readers: dict[int, facts.ReaderFact],
                  classes: dict[int, facts.ClassFact], grade: int, targets: Targets | None) -> Report:
    """The classes of one grade counted as the school report counts them (its `grades` row is the grade's
    生均, as class_term_stats gives it): what a one-class report shows beside the class."""
    in_grade = {cid: c for cid, c in classes.items() if c.grade == grade}
    members = {rid: r for rid, r in readers.items() if r.class_id in in_grade}
    mine = [f for f in loans if f.reader_id in members]
    report = Report(period, as_of, loans=len(mine))
    _classes(report, mine, members, in_grade, Counter(f.reader_id for f in mine), targets or Targets())
    return report


def _is_student(reader: facts.ReaderFact | None) -> bool:
    return reader is not None and reader.reader_type is ReaderType.STUDENT


def _is_class(reader: facts.ReaderFact | None) -> bool:
    return reader is not None and reader.reader_type is ReaderType.CLASS


def _overdue_by_reader(loans: list[facts.LoanFact], as_of: date) -> Counter[int]:
    """Reader id → their period loans that were or are overdue (LoanFact.overdue, inlined: 200,000 loans)."""
    return Counter(reader_id for reader_id, _, _, due, returned, lost in loans
                   if lost or (returned > due if returned is not None else due < as_of))


def _totals(report: Report, readers: dict[int, facts.ReaderFact], counts: Counter[int],
            late: Counter[int]) -> None:
    # Per reader, not per loan: a school has thousands of readers and hundreds of thousands of loans.
    on_roll = {rid for rid, r in readers.items() if _is_student(r) and r.class_id is not None}
    report.students = len(on_roll)
    report.borrowers = sum(1 for rid in on_roll if counts[rid])
    report.student_loans = sum(n for rid, n in counts.items() if _is_student(readers.get(rid)))
    report.class_loans = sum(n for rid, n in counts.items() if _is_class(readers.get(rid)))
    report.teacher_loans = report.loans - report.student_loans - report.class_loans
    report.overdue = sum(late.values())


def _classes(report: Report, loans: list[facts.LoanFact], readers: dict[int, facts.ReaderFact],
             classes: dict[int, facts.ClassFact], counts: Counter[int], targets: Targets,
             late: Counter[int] | None = None) -> None:
    late = late if late is not None else _overdue_by_reader(loans, report.as_of)
    members: dict[int, list[int]] = defaultdict(list)
    for rid, reader in readers.items():
        if _is_student(reader) and reader.class_id in classes:
            members[reader.class_id].append(rid)  # type: ignore[index]
    overdue: Counter[int] = Counter()
    collection: Counter[int] = Counter()
    for rid, reader in readers.items():
        if _is_student(reader) and late[rid]:
            overdue[reader.class_id] += late[rid]  # type: ignore[index]
        elif _is_class(reader) and counts[rid]:
            collection[reader.class_id] += counts[rid]  # type: ignore[index]
    borrowers_of = {rid: reader.class_id for rid, reader in readers.items() if _is_class(reader)}
    set_days: dict[int, set[date]] = defaultdict(set)  # a class borrower's loan days = its rotations
    for f in loans:
        if f.reader_id in borrowers_of:
            set_days[borrowers_of[f.reader_id]].add(f.loaned_on)  # type: ignore[index]
    rows = []
    for cid, cls in classes.items():
        ids = members.get(cid, [])
        n = sum(counts[rid] for rid in ids)
        rows.append((cls, len(ids), sum(1 for rid in ids if counts[rid]), n, overdue[cid]))
    rows.sort(key=lambda r: (-_ratio(r[3], r[1]), -r[3], r[0].grade, r[0].name))
    rank, previous = 0, None
    for index, (cls, students, borrowers, n, behind) in enumerate(rows, start=1):
        key = (_ratio(n, students), n)
        rank = rank if key == previous else index  # equal figures share a rank (1, 1, 3)
        previous = key
        target = _target(targets, cls.grade, report.period)
        report.classes.append(ClassRow(cls.name, cls.grade, students, borrowers, n, _ratio(n, students),
                                       _ratio(borrowers, students), behind, _ratio(behind, n), rank,
                                       collection[cls.class_id], target=target.books_per_student,
                                       rotations=len(set_days[cls.class_id]), rotations_target=target.class_rotations))
    report.grades = _grades(report.classes)


def _target(targets: Targets, grade: int, period: Period) -> Target:
    """The grade's targets for a term; none for a week or a date range (the targets are per term)."""
    return targets.for_grade(grade, period.name) if period.is_term else Target()


def _grades(rows: list[ClassRow]) -> list[GradeRow]:
    """Per grade: students, loans, 生均 and how many classes reached the grade's target."""
    by_grade: dict[int, list[ClassRow]] = defaultdict(list)
    for row in rows:
        by_grade[row.grade].append(row)
    out = []
    for grade, group in sorted(by_grade.items()):
        students = sum(r.students for r in group)
        loans = sum(r.loans for r in group)
        out.append(GradeRow(grade, len(group), students, loans, _ratio(loans, students), group[0].target,
                            sum(1 for r in group if r.reached)))
    return out


def _distinct_titles(loans: list[facts.LoanFact]) -> Counter[int]:
    """Reader id → how many different titles they borrowed in the period (re-borrowing a title adds nothing)."""
    return Counter(reader_id for reader_id, _ in {(f[0], f[1]) for f in loans})


def _students(report: Report, readers: dict[int, facts.ReaderFact], classes: dict[int, facts.ClassFact],
              counts: Counter[int], titles: Counter[int] | None = None) -> None:
    titles = titles if titles is not None else counts
    rows = [StudentRow(r.card_no, r.name, classes[r.class_id].name, classes[r.class_id].grade, counts[rid],
                       titles[rid], rid)
            for rid, r in readers.items() if _is_student(r) and r.class_id in classes]
    rows.sort(key=lambda s: (s.grade, s.class_name, -s.loans, s.card_no))
    report.students_rows = rows
    by_grade: dict[int, list[StudentRow]] = defaultdict(list)
    for row in rows:
        if row.loans:
            by_grade[row.grade].append(row)
    report.stars = {grade: sorted(group, key=lambda s: (-s.titles, -s.loans, s.card_no))[:STARS_PER_GRADE]
                    for grade, group in sorted(by_grade.items())}


def _weeks(period: Period, last: date, loans: list[facts.LoanFact]) -> list[tuple[date, int]]:
    """Loans per Monday-based week, up to the week of `last` (weeks still to come are not zeros)."""
    first = period.start - timedelta(days=period.start.weekday())
    per_week = Counter((f.loaned_on - first).days // 7 for f in loans)
    n_weeks = max(0, (last - first).days // 7 + 1)
    return [(first + timedelta(weeks=i), per_week[i]) for i in range(n_weeks)]


@dataclass(frozen=True)
class ClassTermStats:
    """A class teacher's view of this term (本班借阅统计): each student's loans and the class against its grade.

    `students` are the class's students on the roll, most loans first (0 for those who borrowed
    nothing); `per_student` and `grade_per_student` are student loans per student (the report's
    生均借阅, loans made since the term began); `rank_in_grade` is the class's place among the
    grade's `grade_classes` classes by 生均 (1 = most; equal figures share a place).
    """

    term: str
    since: date
    class_name: str
    students: list[StudentRow]
    loans: int
    borrowers: int
    per_student: float
    grade: int
    grade_per_student: float
    grade_classes: int
    rank_in_grade: int
    target: float = 0.0  # the grade's 生均 target this term ([targets]); 0 = none
    rotations: int = 0  # class-collection rotations this term
    rotations_target: int = 0

    @property
    def gap(self) -> float:
        """Books per student still missing to reach the target (0 when reached or no target)."""
        return max(0.0, self.target - self.per_student) if self.target else 0.0


def class_term_stats(library: Library, class_id: int, targets: Targets | None = None) -> ClassTermStats:
    """This term's figures for one class and its grade, read without the write lock (one read transaction).

    Counted as `build_report` counts them. Raises NoTerm when no term is set up, LookupError for an
    unknown class id.
    """
    today = library.today()
    with library.read_uow() as uow:
        session = uow.session
        period = term_period(session, today)
        classes = facts.load_classes(session)
        if class_id not in classes:
            raise LookupError(f"no class {class_id}")
        grade = classes[class_id].grade
        in_grade = {cid: c for cid, c in classes.items() if c.grade == grade}
        readers = {rid: r for rid, r in facts.load_readers(session).items() if r.class_id in in_grade}
        loans = [f for f in facts.load_loans(session, period) if f.reader_id in readers]
    report = Report(period, min(today, period.end + timedelta(days=1)), loans=len(loans))
    counts = Counter(f.reader_id for f in loans)
    _classes(report, loans, readers, in_grade, counts, targets or Targets())
    own = {rid: r for rid, r in readers.items() if r.class_id == class_id}
    _students(report, own, in_grade, counts)
    row = next(r for r in report.classes if r.name == classes[class_id].name)
    grade_students = sum(r.students for r in report.classes)
    grade_loans = sum(r.loans for r in report.classes)
    return ClassTermStats(period.name, period.start, row.name, report.students_rows, row.loans, row.borrowers,
                          row.per_student, grade, _ratio(grade_loans, grade_students), len(report.classes), row.rank,
                          target=row.target, rotations=row.rotations, rotations_target=row.rotations_target)
