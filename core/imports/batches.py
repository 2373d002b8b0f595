"""A record of every committed import: which file, when, and what it changed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
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
    rejected: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[line, reason], ...] skipped rows
