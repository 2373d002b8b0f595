"""Roster import: students with classes and parents, and the teacher list, in one transaction."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.imports.batches import ImportBatch
from core.imports.report import Change, ImportReport, RowProblem
from core.imports.serialise import serialise_import
from core.imports.tables import SourceRow, TableRows
from core.imports.values import clean_phone, identifier_problem, parse_class
from core.library import Library
from core.models import Guardian, GuardianStudent, Reader, ReaderType, RetiredCard, SchoolClass

Progress = Callable[[int], None]


@dataclass
class PersonRow:
    line: int
    where: str
    card_no: str
    name: str
    reader_type: ReaderType
    class_name: str | None
    grade: int | None
    phone: str
    guardian_name: str
    guardian_phone: str
    relation: str
    head_of: tuple[str, int] | None  # the class this teacher is 班主任 of


def _reader_type(raw: str, has_class: bool, teachers: bool) -> ReaderType:
    if "生" in raw:
        return ReaderType.STUDENT
    if "职工" in raw or "工勤" in raw:
        return ReaderType.STAFF
    if "师" in raw or "教" in raw or teachers:
        return ReaderType.TEACHER
    return ReaderType.STUDENT if has_class else ReaderType.TEACHER


def _class_of(grade: str, class_name: str) -> tuple[str, int] | None:
    """The class, also when the registry export splits it: 年级 "三年级" + 班级 "2班" → 三年级2班."""
    if not class_name:
        return None
    parsed = parse_class(class_name)
    if parsed is None and grade:
        parsed = parse_class(grade + class_name)
    return parsed


def validate(row: SourceRow, report: ImportReport, seen: dict[str, int], teachers: bool) -> PersonRow | None:
    """A PersonRow, or None after recording why the row cannot be imported."""
    f = row.fields
    if "_error" in f:  # a line that could not be read as cells
        report.problems.append(RowProblem(row.line, row.where, f["_error"]))
        return None
    reasons: list[str] = []
    card = f.get("card_no", "").replace(" ", "").upper()
    name = f.get("name", "").replace(" ", "")
    if problem := identifier_problem(card, seen, missing="缺少借书证号/学号", label="证号", unit="行"):
        reasons.append(problem)
    if not name:
        reasons.append("缺少姓名")
    reader_type = _reader_type(f.get("reader_type", ""), bool(f.get("class_name")), teachers)
    parsed = _class_of(f.get("grade", ""), f.get("class_name", ""))
    if reader_type is ReaderType.STUDENT and parsed is None:
        shown = f.get("class_name", "")
        reasons.append(f"班级“{shown}”看不懂（例如：三年级2班、3(2)班）" if shown else "学生缺少班级")
    head_of = parse_class(f["head_of"]) if f.get("head_of") else None
    if f.get("head_of") and head_of is None and f["head_of"] not in ("否", "无", "-"):
        reasons.append(f"班主任班级“{f['head_of']}”看不懂")
    phone, guardian_phone = clean_phone(f.get("phone", "")), clean_phone(f.get("guardian_phone", ""))
    if phone is None:
        reasons.append(f"手机号“{f.get('phone')}”不是11位手机号")
    if guardian_phone is None:
        reasons.append(f"家长手机号“{f.get('guardian_phone')}”不是11位手机号")
    if reasons:
        report.problems.append(RowProblem(row.line, row.where, "；".join(reasons)))
        return None
    seen[card] = row.line
    guardian_name = f.get("guardian_name", "").replace(" ", "")
    if reader_type is ReaderType.STUDENT and guardian_phone and not guardian_name:
        guardian_name = f"{name}家长"
    return PersonRow(row.line, row.where, card, name[:60], reader_type,
                     parsed[0] if parsed and reader_type is ReaderType.STUDENT else None,
                     parsed[1] if parsed else None, phone or "", guardian_name[:60], guardian_phone or "",
                     f.get("relation", "")[:20] or "家长", head_of)


def import_readers(library: Library, rows: Iterable[SourceRow], *, filename: str = "", sha256: str = "",
                   dry_run: bool = False, accept_partial: bool = False, teachers: bool = False,
                   actor: str = "cli", progress: Progress | None = None,
                   before_commit: Callable[[Session, int], None] | None = None) -> ImportReport:
    """Validate, then apply inside one transaction; roll it back for a dry run or unaccepted bad rows.

    `before_commit(session, batch_id)` runs inside the transaction just before it commits (see
    core.imports.catalogue.import_catalogue); whatever it raises rolls the import back.
    """
    report = ImportReport("readers", dry_run=dry_run)
    seen: dict[str, int] = {}
    valid: list[PersonRow] = []
    for row in rows:
        report.rows_read += 1
        person = validate(row, report, seen, teachers)
        if person is not None:
            valid.append(person)
        if progress is not None:
            progress(1)
    if isinstance(rows, TableRows):  # columns left out on purpose (identity cards), for the preview
        report.warnings[:0] = rows.notes
    with library.uow() as uow:
        if not dry_run:  # two roster imports at once would both add the same new class
            serialise_import(uow.session, "readers")
        _Roster(uow.session, library, report).apply(valid)
        if dry_run or (report.problems and not accept_partial) or not valid:
            return report  # leaving the unit of work rolls everything back
        batch = ImportBatch(kind="readers", filename=filename[:300], sha256=sha256, at=library.now(),
                            actor=actor, rows=report.rows_read, counts=report.counts,
                            rejected=[[p.line, p.reason] for p in report.problems])
        uow.session.add(batch)
        uow.session.flush()
        report.batch_id = batch.id
        if before_commit is not None:
            before_commit(uow.session, batch.id)
        uow.commit()
        report.committed = True
    return report


class _Roster:
    """Applies person rows to the session, recording each change (idempotent by card number)."""

    def __init__(self, session: Session, library: Library, report: ImportReport) -> None:
        self.session, self.now, self.report = session, library.now(), report
        self.classes = {c.name: c for c in session.scalars(select(SchoolClass))}
        self.readers = {r.card_no: r for r in session.scalars(select(Reader))}
        self.retired = set(session.scalars(select(RetiredCard.card_no)))
        self.guardians_by_phone = {g.phone: g for g in session.scalars(select(Guardian)) if g.phone}
        self.links: dict[int, list[Guardian]] = {}
        for guardian, link in session.execute(select(Guardian, GuardianStudent).join(
                GuardianStudent, GuardianStudent.guardian_id == Guardian.id)):
            self.links.setdefault(link.student_id, []).append(guardian)

    def apply(self, rows: list[PersonRow]) -> None:
        for row in rows:
            if row.card_no in self.retired:
                self.report.problems.append(RowProblem(row.line, row.where, f"证号 {row.card_no} 已挂失作废，请用新证号"))
                continue
            existing = self.readers.get(row.card_no)
            if existing is not None and existing.name != row.name and self.links.get(existing.id):
                # A card number now given to another child: renaming in place would show this
                # child's loans to the previous child's parents. The librarian must decide.
                self.report.problems.append(RowProblem(
                    row.line, row.where, f"证号 {row.card_no} 已属于{existing.name}（已关联家长），"
                                         f"请确认是否换了学生；如是新学生请用新证号"))
                continue
            reader = self._reader(row)
            if row.guardian_name or row.guardian_phone:
                self._guardian(row, reader)
            if row.head_of is not None:
                cls = self._class(*row.head_of)
                if cls.class_teacher_id != reader.id:
                    cls.class_teacher_id = reader.id
                    self._change("班主任", cls.name, f"{row.name}")

    def _change(self, action: str, key: str, detail: str) -> None:
        self.report.changes.append(Change(action, key, detail))
        self.report.count(action)

    def _class(self, name: str, grade: int) -> SchoolClass:
        cls = self.classes.get(name)
        if cls is None:
            cls = self.classes[name] = SchoolClass(name=name, grade=grade)
            self.session.add(cls)
            self.session.flush()
            self._change("新增班级", name, f"{grade}年级")
        return cls

    def _reader(self, row: PersonRow) -> Reader:
        class_id = self._class(row.class_name, row.grade or 0).id if row.class_name else None
        reader = self.readers.get(row.card_no)
        if reader is None:
            reader = self.readers[row.card_no] = Reader(
                card_no=row.card_no, name=row.name, reader_type=row.reader_type, class_id=class_id,
                phone=row.phone, created_at=self.now)
            self.session.add(reader)
            self.session.flush()
            self._change("新增读者", row.card_no, f"{row.name} {row.class_name or '教师'}")
            return reader
        wanted = {"name": row.name, "reader_type": row.reader_type, "class_id": class_id, "phone": row.phone}
        if row.reader_type is not ReaderType.STUDENT:
            wanted.pop("class_id")
        if not row.phone:
            wanted.pop("phone")
        diff = {k: v for k, v in wanted.items() if getattr(reader, k) != v}
        if diff:
            for key, value in diff.items():
                setattr(reader, key, value)
            self._change("更新读者", row.card_no, f"{row.name}：{'、'.join(_LABELS[k] for k in diff)}有变化")
        else:
            self.report.count("unchanged")
        return reader

    def _guardian(self, row: PersonRow, student: Reader) -> None:
        linked = self.links.setdefault(student.id, [])
        for guardian in linked:
            if (row.guardian_phone and guardian.phone == row.guardian_phone) or (
                    not row.guardian_phone and guardian.name == row.guardian_name):
                return
        guardian = self.guardians_by_phone.get(row.guardian_phone) if row.guardian_phone else None
        if guardian is None:
            guardian = Guardian(name=row.guardian_name, phone=row.guardian_phone, created_at=self.now)
            self.session.add(guardian)
            self.session.flush()
            if row.guardian_phone:
                self.guardians_by_phone[row.guardian_phone] = guardian
            self._change("新增家长", row.guardian_phone or row.guardian_name, f"{row.guardian_name}（{row.name}）")
        self.session.add(GuardianStudent(guardian_id=guardian.id, student_id=student.id, relation=row.relation))
        linked.append(guardian)
        self.report.count("家长关联")


_LABELS = {"name": "姓名", "reader_type": "身份", "class_id": "班级", "phone": "手机号"}
