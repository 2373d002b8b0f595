"""Catalogue import: rows from any source → titles and copies in one transaction (查重 by ISBN)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from core.catalogue import bump_catalogue_version
from core.imports.batches import ImportBatch
from core.imports.report import Change, ImportReport, RowProblem
from core.imports.tables import SourceRow
from core.imports.values import identifier_problem, parse_year, price_to_fen
from core.isbn import normalise_isbn
from core.library import Library
from core.models import Item, ItemStatus, ItemType, Title

Progress = Callable[[int], None]

_ITEM_TYPES = {"工具书": ItemType.REFERENCE, "参考书": ItemType.REFERENCE, "大型成套": ItemType.REFERENCE,
               "教参": ItemType.TEACHING_REFERENCE, "教学参考": ItemType.TEACHING_REFERENCE,
               "期刊": ItemType.PERIODICAL, "杂志": ItemType.PERIODICAL}


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


def _item_type(raw: str) -> ItemType | None:
    for word, item_type in _ITEM_TYPES.items():
        if word in raw:
            return item_type
    return ItemType.GENERAL if raw else None


def validate(row: SourceRow, report: ImportReport, seen: dict[str, int]) -> CopyRow | None:
    """A CopyRow, or None after recording why the row cannot be imported."""
    f = row.fields
    if "_error" in f:  # an unreadable record has no barcode or title to report as missing as well
        report.problems.append(RowProblem(row.line, row.where, f["_error"]))
        return None
    reasons: list[str] = []
    barcode = f.get("barcode", "").replace(" ", "").upper()
    if problem := identifier_problem(barcode, seen, missing="缺少条形码", label="条形码", unit=row.unit):
        reasons.append(problem)
    raw_isbn = f.get("isbn", "")
    isbn = normalise_isbn(raw_isbn) if raw_isbn else None
    title = f.get("title", "")[:300]
    if not title and not isbn:
        reasons.append("缺少书名")
    price = price_to_fen(f.get("price", ""))
    if price is None:
        reasons.append(f"价格“{f.get('price')}”看不懂（应为 25.00、¥25.00 或 25元）")
    if reasons:
        report.problems.append(RowProblem(row.line, row.where, "；".join(reasons)))
        return None
    seen[barcode] = row.line
    if raw_isbn and isbn is None:
        report.warnings.append(RowProblem(row.line, row.where, f"ISBN“{raw_isbn}”校验不通过，已忽略ISBN"))
    return CopyRow(row.line, row.where, barcode, isbn, title, f.get("author", "")[:200], f.get("publisher", "")[:200],
                   parse_year(f.get("year", "")), f.get("clc", "")[:40], f.get("summary", ""),
                   f.get("call_number", "")[:60], f.get("location", "")[:100],
                   price if f.get("price") else None, _item_type(f.get("item_type", "")))


class _Catalogue:
    """What the database already holds, loaded once so 100,000 rows need no per-row queries."""

    def __init__(self, session: Any) -> None:
        self.by_isbn: dict[str, int] = {}
        self.by_name: dict[tuple[str, str], int] = {}
        self.names: dict[int, tuple[str, str | None]] = {}
        for tid, isbn, title, author in session.execute(select(Title.id, Title.isbn, Title.title, Title.author)):
            if isbn:
                self.by_isbn.setdefault(isbn, tid)
            self.by_name.setdefault((title, author), tid)
            self.names[tid] = (title, isbn)
        self.items = {row.barcode: row for row in session.execute(
            select(Item.barcode, Item.id, Item.title_id, Item.call_number, Item.location, Item.price_fen,
                   Item.item_type))}


def _title_key(row: CopyRow) -> tuple[str, ...]:
    return ("isbn", row.isbn) if row.isbn else ("name", row.title, row.author)


def import_catalogue(library: Library, rows: Iterable[SourceRow], *, filename: str = "", sha256: str = "",
                     dry_run: bool = False, accept_partial: bool = False, actor: str = "cli",
                     progress: Progress | None = None) -> ImportReport:
    """Validate every row, plan the changes, and commit them in one transaction when allowed.

    Nothing is written when `dry_run`, or when some rows are bad and `accept_partial` is False.
    """
    report = ImportReport("catalogue", dry_run=dry_run)
    seen: dict[str, int] = {}
    valid: list[CopyRow] = []
    for row in rows:
        report.rows_read += 1
        copy = validate(row, report, seen)
        if copy is not None:
            valid.append(copy)
        if progress is not None:
            progress(1)
    now = library.now()
    with library.uow() as uow:
        session = uow.session
        plan = _plan(_Catalogue(session), valid, report, now)
        if dry_run or (report.problems and not accept_partial) or not valid:
            return report
        _apply(session, plan, now)
        if report.changed:
            bump_catalogue_version(session)
        batch = ImportBatch(kind="catalogue", filename=filename[:300], sha256=sha256, at=now, actor=actor,
                            rows=report.rows_read, counts=report.counts,
                            rejected=[[p.line, p.reason] for p in report.problems])
        session.add(batch)
        session.flush()
        report.batch_id = batch.id
        uow.commit()
        report.committed = True
    return report


@dataclass
class _Plan:
    new_titles: dict[tuple[str, ...], dict[str, Any]]
    new_items: list[tuple[tuple[str, ...] | int, dict[str, Any]]]  # (new-title key or title id, values)
    updates: list[dict[str, Any]]


def _plan(existing: _Catalogue, rows: list[CopyRow], report: ImportReport, now: datetime) -> _Plan:
    plan = _Plan({}, [], [])
    for row in rows:
        key = _title_key(row)
        title_id = existing.by_isbn.get(row.isbn) if row.isbn else existing.by_name.get((row.title, row.author))
        current = existing.items.get(row.barcode)
        if current is not None:
            _plan_update(existing, row, current, report, plan)
            continue
        if title_id is None and key not in plan.new_titles:
            if not row.title:
                report.problems.append(RowProblem(row.line, row.where, f"缺少书名（ISBN {row.isbn} 不在馆藏中）"))
                continue
            plan.new_titles[key] = {"isbn": row.isbn, "title": row.title, "author": row.author,
                                    "publisher": row.publisher, "year": row.year, "clc": row.clc,
                                    "summary": row.summary, "created_at": now}
            report.count("titles_created")
            report.changes.append(Change("新增书目", row.isbn or "", f"《{row.title}》{row.author}"))
        values = {"barcode": row.barcode, "call_number": row.call_number, "location": row.location,
                  "item_type": row.item_type or ItemType.GENERAL, "price_fen": row.price_fen or 0,
                  "status": ItemStatus.AVAILABLE, "created_at": now}
        plan.new_items.append((title_id if title_id is not None else key, values))
        report.count("items_created")
        name = row.title or existing.names.get(title_id or 0, ("", None))[0]
        report.changes.append(Change("新增复本", row.barcode, f"《{name}》{row.call_number} {row.location}".strip()))
    return plan


def _plan_update(existing: _Catalogue, row: CopyRow, current: Any, report: ImportReport, plan: _Plan) -> None:
    """A barcode we already have: the same book → update changed shelf data; another book → refuse."""
    held_title, held_isbn = existing.names[current.title_id]
    if (row.isbn and held_isbn and row.isbn != held_isbn) or (
            not (row.isbn and row.isbn == held_isbn) and row.title and row.title != held_title):
        report.problems.append(RowProblem(row.line, row.where,
                                          f"条形码 {row.barcode} 已是《{held_title}》的条码，与本行书名不符"))
        return
    wanted = {"call_number": row.call_number, "location": row.location, "price_fen": row.price_fen,
              "item_type": row.item_type}
    diff = {k: v for k, v in wanted.items() if v not in (None, "") and v != getattr(current, k)}
    if not diff:
        report.count("unchanged")
        return
    plan.updates.append({"id": current.id, **diff})
    report.count("items_updated")
    shown = "，".join(f"{k}: {getattr(current, k)} → {v}" for k, v in diff.items())
    report.changes.append(Change("更新复本", row.barcode, f"《{held_title}》{shown}"))


def _apply(session: Any, plan: _Plan, now: datetime) -> None:
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
