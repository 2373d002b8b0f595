"""A record of every committed import: which file, when, and what it changed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, UTCDateTime


class ImportBatch(Base):
    """One committed import (catalogue or readers); re-imports show up as batches that changed nothing."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # catalogue | readers
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(60), default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rejected: Mapped[list[Any]] = mapped_column(JSON, default=list)  # skipped rows: see core.imports.rejected


class PendingImport(Base):
    """An uploaded file waiting between its preview and the librarian's accept or cancel (the console).

    Kept in the database, not on one server's disk, so any server process can show its progress,
    preview and accept it, and a restart loses nothing. `state`: reading → ready | failed;
    ready → accepting → accepted (or back to ready when the import refused); ready → cancelled.
    `data` is cleared once the upload is accepted or cancelled; a pending upload expires after a
    day (core.imports.pending.EXPIRES_AFTER).
    """

    __tablename__ = "pending_imports"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # an unguessable token
    kind: Mapped[str] = mapped_column(String(20))  # catalogue | readers
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)  # bytes
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)  # up to 50 MB: load on demand
    actor: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(12))
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)  # last sign of life of the preview or accept
    done: Mapped[int] = mapped_column(Integer, default=0)  # rows read so far
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)  # rows expected (a hint)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # teachers, same_isbn, decisions
    preview: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str] = mapped_column(String(500), default="")
    claim: Mapped[str] = mapped_column(String(32), default="")  # who is accepting it (a random token)
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the ImportBatch it became
