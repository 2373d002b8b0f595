"""Catalogue import: rows from any source → titles and copies in one transaction (查重 by ISBN)."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, select, update

from core.catalogue import bump_catalogue_version
from core.imports import vocabulary
from core.imports.batches import ImportBatch
from core.imports.marc import RecordError, expand_barcodes
from core.imports.report import Change, ImportReport, IsbnConflict, RowProblem
from core.imports.serialise import serialise_import
from core.imports.tables import SourceRow
from core.imports.values import (
    GradesProblem,
    PriceProblem,
    identifier_problem,
    parse_grades,
    parse_subjects,
    parse_year,
    read_price,
)
from core.isbn import normalise_isbn
from core.library import Library
from core.models import Item, ItemStatus, ItemType, Title

Progress = Callable[[int], None]
BeforeCommit = Callable[[Any, int], None]  # (the import's session, its ImportBatch id)
IsbnDecision = Literal["ask", "separate", "existing"]


@dataclass
class CopyRow:
    """One valid row: a copy and the bibliographic data of its title."""

    line: int
    where: str
    barcode: str
    isbn: str | None
    title: str
    author: str
    publisher: str
    year: int | None
    clc: str
    summary: str
    call_number: str
    location: str
    price_fen: int | None  # None: the row gave no price (keep what we have)
    item_type: ItemType | None
    accession_number: str | None = None
    source: str = ""
    donor: str = ""
    grades: tuple[int, int] | None = None
    subjects: str = ""


# column limits (core.models): a longer value is a problem naming the field, never cut silently
_LIMITS = (("title", "书名", 300), ("author", "责任者", 200), ("publisher", "出版社", 200), ("clc", "分类号", 40),
           ("location", "馆藏地", 100), ("donor", "捐赠人", 100))
MAX_SUMMARY = 2000  # characters of 简介 kept: the bot shows one line of it; longer is cut with a warning
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+\d+$", re.IGNORECASE)  # as Excel shows it: 1.23457E+11
_SEVERAL = re.compile(r"\s*[,;，；、]+\s*")  # explicit separators only: "TS 0001" stays one barcode


def _barcodes(raw: str, label: str) -> tuple[list[str], str | None, str | None]:
    """(barcodes, problem, warning) for a barcode cell: one code, several codes ("00012345,00012346",
    "a;b", "a、b") or an unambiguous range ("20295403-5408"), as MARC holdings are read. Spaces
    inside one code are dropped, as before ("0001 2345" is 00012345)."""
    text = raw.strip().lstrip("'").upper()  # Excel's text-prefix apostrophe
    if text.isalnum() and text.isascii():  # the usual barcode: nothing to split or expand
        return [text], None, None
    if _SCIENTIFIC.match(text):
        return [], (f"{label}“{raw}”被 Excel 写成了科学计数法，原来的数字已丢失："
                    "请把这一列设为“文本”格式、重新填写条码后再导出"), None
    parts = [p.replace(" ", "") for p in _SEVERAL.split(text) if p.strip()]
    out: list[str] = []
    warning = None
    for part in parts:
        try:
            codes = expand_barcodes(part)
        except RecordError as error:
            return [], str(error), None
        if len(codes) > 1:
            warning = f"条码范围“{part}”已展开为{len(codes)}册（{codes[0]}…{codes[-1]}），请核对"
        out += codes
    if len(parts) > 1:
        warning = f"{label}格“{raw}”含有多个条码，已按{len(out)}册分别导入"
    return out, None, warning


def validate(row: SourceRow, report: ImportReport, seen: dict[str, int]) -> list[CopyRow]:
    """The row's copies (one per barcode in its barcode cell), or [] after recording why the row
    cannot be imported."""
    f = row.fields
    if "_error" in f:  # an unreadable record has no barcode or title to report as missing as well
        report.problems.append(RowProblem(row.line, row.where, f["_error"]))
        return []
    if "_warning" in f:  # what the reader corrected or left out (a MARC record's expanded range...)
        report.warnings.append(RowProblem(row.line, row.where, f["_warning"]))
    reasons: list[str] = []
    accession = f.get("accession_number", "").replace(" ", "").upper() or None
    # Many school libraries print the 登录号 as the barcode: it is the barcode only when no barcode column exists.
    has_barcode = "barcode" in f
    label = "条形码" if has_barcode else "登录号（作条形码）"
    barcodes, problem, barcode_note = _barcodes(f["barcode"] if has_barcode else accession or "", label)
    if problem:
        reasons.append(problem)
    elif not barcodes:
        reasons.append("缺少条形码")
    for barcode in barcodes:
        if problem := identifier_problem(barcode, seen, missing="缺少条形码", label=label, unit=row.unit):
            reasons.append(problem)
            break
    if len(set(barcodes)) < len(barcodes):
        reasons.append(f"{label}格里有重复的条码")
    if accession and len(accession) > 40 and has_barcode:
        reasons.append("登录号太长（最多40位）")
    raw_isbn = f.get("isbn", "")
    isbn = normalise_isbn(raw_isbn) if raw_isbn else None
    title = f.get("title", "")
    if not title and not isbn:
        reasons.append("缺少书名")
    for key, name, limit in _LIMITS:
        if len(f.get(key, "")) > limit:
            reasons.append(f"{name}太长（{len(f[key])}字，最多{limit}字），请删减后重新导入")
    try:
        price = read_price(f.get("price", ""))
    except PriceProblem as error:
        reasons.append(str(error))
    source, donor = vocabulary.source(f.get("source", ""))
    call_number = f.get("call_number", "") or _join_call(f.get("clc", ""), f.get("book_number", ""))
    if len(call_number) > 60:
        reasons.append(f"索书号太长（{len(call_number)}字，最多60字）")
    if reasons:
        report.problems.append(RowProblem(row.line, row.where, "；".join(reasons)))
        return []
    for barcode in barcodes:
        seen[barcode] = row.line
    if barcode_note:
        report.warnings.append(RowProblem(row.line, row.where, barcode_note))
    if raw_isbn and isbn is None:
        report.warnings.append(RowProblem(row.line, row.where, f"ISBN“{raw_isbn}”校验不通过，已忽略ISBN"))
    kind, known = vocabulary.item_type(f.get("item_type", ""))
    if not known:
        report.warnings.append(RowProblem(row.line, row.where, f"类型“{f['item_type']}”不认识，已按普通图书导入"))
    grades = _grades(f.get("grades", ""), row, report)
    if grades is None and kind is None and any(w in f.get("grades", "") for w in ("教师", "老师", "教参")):
        kind = ItemType.TEACHING_REFERENCE  # a teachers' book: lent to teachers, never recommended to pupils
    subjects = parse_subjects(f.get("subjects", ""))
    summary = f.get("summary", "")
    if len(summary) > MAX_SUMMARY:
        report.warnings.append(RowProblem(row.line, row.where, f"简介太长（{len(summary)}字），只导入了前{MAX_SUMMARY}字"))
        summary = summary[:MAX_SUMMARY]
    return [CopyRow(row.line, row.where, barcode, isbn, title, f.get("author", ""), f.get("publisher", ""),
                    parse_year(f.get("year", "")), f.get("clc", ""), summary,
                    call_number, f.get("location", ""),
                    price if f.get("price") else None, kind, accession, source,
                    (f.get("donor", "") or donor)[:100], grades, subjects)
            for barcode in barcodes]


def _grades(raw: str, row: SourceRow, report: ImportReport) -> tuple[int, int] | None:
    try:
        return parse_grades(raw)
    except GradesProblem:
        report.warnings.append(RowProblem(row.line, row.where,
                                          f"适读年级“{raw}”看不懂（应为 1-3年级、小学低年级、初中 等），已留空"))
        return None


def _join_call(clc: str, book_number: str) -> str:
    """索书号 = 分类号/种次号 when a file gives them apart (妙思, 金盘 exports without 索书号)."""
    return f"{clc}/{book_number}" if clc and book_number else ""


_TITLE_NOISE = re.compile(r"[\s《》〈〉<>“”\"'‘’「」『』【】\[\]()（）。.，,！!？?：:；;、·・—_-]")


def title_key(title: str) -> str:
    """A title without width, case, spaces and punctuation: what same_title compares."""
    return _TITLE_NOISE.sub("", unicodedata.normalize("NFKC", title)).lower()


def same_title(a: str, b: str) -> bool:
    """Titles equal after width, case, spaces and punctuation: '草房子' = '《草房子》' ≠ '青铜葵花'."""
    return title_key(a) == title_key(b)


class _Catalogue:
    """What the database already holds, loaded once so 100,000 rows need no per-row queries.

    `by_isbn` lists every title under an ISBN (volumes of a set may share one) and `by_isbn_title`
    finds one by (ISBN, title_key) in constant time, so thousands of volumes under one ISBN stay
    linear; titles this import creates are added as they are planned, so later rows see them.
    """

    def __init__(self, session: Any) -> None:
        self.by_isbn: dict[str, list[int | tuple[str, ...]]] = {}
        self.by_isbn_title: dict[tuple[str, str], int | tuple[str, ...]] = {}
        self.by_name: dict[tuple[str, str], int | tuple[str, ...]] = {}
        self.names: dict[int | tuple[str, ...], tuple[str, str | None]] = {}
        self.tags: dict[int, tuple[int | None, str]] = {}  # title id -> (min_grade, subjects)
        for tid, isbn, title, author, grade, subjects in session.execute(
                select(Title.id, Title.isbn, Title.title, Title.author, Title.min_grade, Title.subjects)):
            self.add(tid, isbn, title, author)
            self.tags[tid] = (grade, subjects or "")
        self.items = {row.barcode: row for row in session.execute(
            select(Item.barcode, Item.id, Item.title_id, Item.call_number, Item.location, Item.price_fen,
                   Item.item_type, Item.accession_number, Item.source, Item.donor))}

    def add(self, ref: int | tuple[str, ...], isbn: str | None, title: str, author: str) -> None:
        if isbn:
            self.by_isbn.setdefault(isbn, []).append(ref)
            self.by_isbn_title.setdefault((isbn, title_key(title)), ref)
        self.by_name.setdefault((title, author), ref)
        self.names[ref] = (title, isbn)


def import_catalogue(library: Library, rows: Iterable[SourceRow], *, filename: str = "", sha256: str = "",
                     dry_run: bool = False, accept_partial: bool = False, actor: str = "cli",
                     same_isbn: IsbnDecision = "ask", decisions: Mapping[int, IsbnDecision] | None = None,
                     progress: Progress | None = None, before_commit: BeforeCommit | None = None) -> ImportReport:
    """Validate every row, plan the changes, and commit them in one transaction when allowed.

    Nothing is written when `dry_run`, or when some rows are bad and `accept_partial` is False.
    A row whose ISBN belongs to a title of another name is an IsbnConflict (a bad row) unless
    `decisions[line]` or `same_isbn` says "separate" (its own title under that ISBN) or
    "existing" (a copy of the title already holding it). Columns the file has and the importer
    does not read (`rows.notes`) come first in `report.warnings`. `before_commit(session, batch_id)`
    runs inside the transaction just before it commits (the console marks its upload accepted there,
    so an upload is imported once); whatever it raises rolls the whole import back.
    """
    report = ImportReport("catalogue", dry_run=dry_run)
    seen: dict[str, int] = {}
    valid: list[CopyRow] = []
    for row in rows:
        report.rows_read += 1
        valid += validate(row, report, seen)
        if progress is not None:
            progress(1)
    report.warnings[:0] = getattr(rows, "notes", [])
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        if not dry_run:  # a preview writes nothing, so it need not wait for another import
            serialise_import(session, "catalogue")
        plan = _plan(_Catalogue(session), valid, report, now, _Decider(same_isbn, decisions or {}))
        if dry_run or (report.problems and not accept_partial) or not valid:
            return report
        _apply(session, plan)
        if report.changed:
            bump_catalogue_version(session)
        batch = ImportBatch(kind="catalogue", filename=filename[:300], sha256=sha256, at=now, actor=actor,
                            rows=report.rows_read, counts=report.counts,
                            rejected=[[p.line, p.reason] for p in report.problems])
        session.add(batch)
        session.flush()
        report.batch_id = batch.id
        if before_commit is not None:
            before_commit(session, batch.id)
        uow.commit()
        report.committed = True
    return report


@dataclass(frozen=True)
class _Decider:
    default: IsbnDecision
    per_line: Mapping[int, IsbnDecision]

    def __call__(self, line: int) -> IsbnDecision:
        return self.per_line.get(line, self.default)


@dataclass
class _Plan:
    new_titles: dict[tuple[str, ...], dict[str, Any]]
    new_items: list[tuple[tuple[str, ...] | int, dict[str, Any]]]  # (new-title key or title id, values)
    updates: list[dict[str, Any]]
    title_updates: dict[int, dict[str, Any]]


def _find_title(existing: _Catalogue, row: CopyRow, report: ImportReport,
                decide: _Decider) -> tuple[int | tuple[str, ...] | None, bool]:
    """(the title this row's copy belongs to, or None for a new one; False when the row is refused)."""
    if not row.isbn:
        return existing.by_name.get((row.title, row.author)), True
    holders = existing.by_isbn.get(row.isbn, [])
    if not holders or not row.title:
        return (holders[0] if holders else None), True
    same = existing.by_isbn_title.get((row.isbn, title_key(row.title)))
    if same is not None:
        return same, True
    decision = decide(row.line)
    if decision == "existing":
        return holders[0], True
    if decision == "separate":
        return None, True
    held = existing.names[holders[0]][0]
    report.conflicts.append(IsbnConflict(row.line, row.where, row.isbn, row.title, held))
    report.problems.append(RowProblem(row.line, row.where,
                                      f"ISBN冲突：ISBN {row.isbn} 已是《{held}》的，本行书名是《{row.title}》。"
                                      "请确认是分册/套书（另立书目）还是同一本书（并入已有书目）"))
    report.count("isbn_conflicts")
    return None, False


def _plan(existing: _Catalogue, rows: list[CopyRow], report: ImportReport, now: datetime,
          decide: _Decider) -> _Plan:
    plan = _Plan({}, [], [], {})
    for row in rows:
        current = existing.items.get(row.barcode)
        if current is not None:
            _plan_update(existing, row, current, report, plan)
            continue
        title_ref, ok = _find_title(existing, row, report, decide)
        if not ok:
            continue
        if title_ref is None:
            if not row.title:
                report.problems.append(RowProblem(row.line, row.where, f"缺少书名（ISBN {row.isbn} 不在馆藏中）"))
                continue
            title_ref = ("isbn", row.isbn, row.title) if row.isbn else ("name", row.title, row.author)
            grades = row.grades or (None, None)
            plan.new_titles[title_ref] = {"isbn": row.isbn, "title": row.title, "author": row.author,
                                          "publisher": row.publisher, "year": row.year, "clc": row.clc,
                                          "summary": row.summary, "min_grade": grades[0], "max_grade": grades[1],
                                          "subjects": row.subjects, "created_at": now}
            existing.add(title_ref, row.isbn, row.title, row.author)
            report.count("titles_created")
            report.changes.append(Change("新增书目", row.isbn or "", f"《{row.title}》{row.author}"))
        elif isinstance(title_ref, int):
            _plan_title_tags(existing, title_ref, row, report, plan)
        values = {"barcode": row.barcode, "call_number": row.call_number, "location": row.location,
                  "item_type": row.item_type or ItemType.GENERAL, "price_fen": row.price_fen or 0,
                  "accession_number": row.accession_number, "source": row.source, "donor": row.donor,
                  "status": ItemStatus.AVAILABLE, "created_at": now}
        plan.new_items.append((title_ref, values))
        report.count("items_created")
        name = existing.names[title_ref][0]
        report.changes.append(Change("新增复本", row.barcode, f"《{name}》{row.call_number} {row.location}".strip()))
    return plan


def _plan_title_tags(existing: _Catalogue, title_id: int, row: CopyRow, report: ImportReport, plan: _Plan) -> None:
    """Fill a held title's empty suitable grades and subjects from the file; never overwrite them."""
    grade, subjects = existing.tags.get(title_id, (None, ""))
    wanted: dict[str, Any] = {}
    if row.grades and grade is None and title_id not in plan.title_updates:
        wanted.update(min_grade=row.grades[0], max_grade=row.grades[1])
    if row.subjects and not subjects:
        wanted["subjects"] = row.subjects
    if wanted:
        plan.title_updates.setdefault(title_id, {"id": title_id}).update(wanted)
        existing.tags[title_id] = (wanted.get("min_grade", grade), wanted.get("subjects", subjects))
        report.count("titles_updated")
        report.changes.append(Change("更新书目", existing.names[title_id][1] or "",
                                     f"《{existing.names[title_id][0]}》补充适读年级/主题"))


def _plan_update(existing: _Catalogue, row: CopyRow, current: Any, report: ImportReport, plan: _Plan) -> None:
    """A barcode we already have: the same book → update changed shelf data; another book → refuse."""
    held_title, held_isbn = existing.names[current.title_id]
    if (row.isbn and held_isbn and row.isbn != held_isbn) or (
            not (row.isbn and row.isbn == held_isbn) and row.title and not same_title(row.title, held_title)):
        report.problems.append(RowProblem(row.line, row.where,
                                          f"条形码 {row.barcode} 已是《{held_title}》的条码，与本行书名不符"))
        return
    _plan_title_tags(existing, current.title_id, row, report, plan)
    wanted = {"call_number": row.call_number, "location": row.location, "price_fen": row.price_fen,
              "item_type": row.item_type, "accession_number": row.accession_number, "source": row.source,
              "donor": row.donor}
    diff = {k: v for k, v in wanted.items() if v not in (None, "") and v != getattr(current, k)}
    if not diff:
        report.count("unchanged")
        return
    plan.updates.append({"id": current.id, **diff})
    report.count("items_updated")
    shown = "，".join(f"{_FIELD_NAMES[k]}: {getattr(current, k) or '（空）'} → {v}" for k, v in diff.items())
    report.changes.append(Change("更新复本", row.barcode, f"《{held_title}》{shown}"))


_FIELD_NAMES = {"call_number": "索书号", "location": "馆藏地", "price_fen": "价格（分）", "item_type": "类型",
                "accession_number": "登录号", "source": "来源", "donor": "捐赠人"}


def _apply(session: Any, plan: _Plan) -> None:
    """Bulk statements: one INSERT ... RETURNING for titles, one executemany each for items and updates."""
    keys = list(plan.new_titles)
    ids: dict[tuple[str, ...], int] = {}
    if keys:
        result = session.execute(insert(Title).returning(Title.id, sort_by_parameter_order=True),
                                 [plan.new_titles[k] for k in keys])
        ids = dict(zip(keys, result.scalars().all(), strict=True))
    items = [{**values, "title_id": ids[ref] if isinstance(ref, tuple) else ref} for ref, values in plan.new_items]
    if items:
        session.execute(insert(Item), items)
    if plan.updates:
        session.execute(update(Item), plan.updates)
    if plan.title_updates:
        session.execute(update(Title), list(plan.title_updates.values()))
