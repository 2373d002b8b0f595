"""The import batches a library has committed (newest first) and the rows each one skipped."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.imports.batches import ImportBatch
from core.imports.rejected import rejected_table
from core.library import Library


@dataclass(frozen=True)
class Batch:
    """One committed import: its file, when (UTC), who (a staff name, or "cli"), its counts."""

    id: int
    kind: str  # catalogue | readers
    filename: str
    at: datetime
    actor: str
    rows: int  # rows read from the file
    counts: dict[str, int]  # as ImportReport.counts: titles_created, items_created, ...
    rejected: list[tuple[int, str]]  # (line, reason) of every bad row skipped
    kept: list[Any] = field(default_factory=list, repr=False)  # the stored entries, cells too (core.imports.rejected)

    def rejected_table(self) -> tuple[list[str], list[list[Any]]]:
        """The download of the skipped rows: the file's own columns (when kept), 行号, 原因."""
        return rejected_table(self.kept or [[line, reason] for line, reason in self.rejected])


def _batch(row: ImportBatch) -> Batch:
    entries = list(row.rejected or [])
    return Batch(row.id, row.kind, row.filename, row.at, row.actor, row.rows, dict(row.counts or {}),
                 [(int(e[0]), str(e[1])) for e in entries], entries)


def import_history(library: Library, *, limit: int = 100) -> list[Batch]:
    """The newest `limit` import batches, newest first."""
    with library.uow() as uow:
        rows = uow.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)).all()
        return [_batch(row) for row in rows]


def import_batch(library: Library, batch_id: int) -> Batch | None:
    """One batch by id, or None."""
    with library.uow() as uow:
        row = uow.session.get(ImportBatch, batch_id)
        return _batch(row) if row is not None else None
