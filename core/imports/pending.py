"""Uploads waiting between preview and accept (imports in the console): stage, preview, accept, cancel.

The file's bytes, the preview and the progress live in `pending_imports` (core.imports.batches),
so any server process can show, accept or cancel an upload and a restart loses nothing: a preview
whose worker died (no progress for STALE_AFTER) is started again by the next look at it. The
preview and the accept are the CLI's own calls (import_catalogue / import_readers, dry run first);
the accept marks the upload accepted inside the import's transaction, so it imports once.
"""
from __future__ import annotations

import enum
import hashlib
import logging
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, undefer

from core.imports.batches import ImportBatch, PendingImport
from core.imports.catalogue import import_catalogue
from core.imports.readers import import_readers
from core.imports.rejected import with_cells
from core.imports.report import ImportReport
from core.imports.sources import MARC_SUFFIXES, Source, open_source
from core.imports.tables import Original, TableRows, UnreadableFile
from core.library import Library

log = logging.getLogger("shuxiang.imports")

EXPIRES_AFTER = timedelta(days=1)  # an upload nobody accepted or cancelled is deleted after this
STALE_AFTER = timedelta(minutes=2)  # a preview or accept without progress this long has lost its worker
PROGRESS_EVERY = 0.25  # seconds (monotonic) between progress writes: a few small UPDATEs a second
SHOWN = 2000  # changes, warnings and bad rows kept for the preview page (the counts are always whole)
SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"}) | MARC_SUFFIXES
KINDS = ("catalogue", "readers")
WRONG_TYPE = ("这种文件不能导入：请上传 CSV/TXT（逗号分隔）、Excel（.xlsx 或 .xls）"
              "或 MARC（ISO 2709：.iso/.mrc）文件。")


class State(enum.StrEnum):
    READING = "reading"  # the preview is being worked out
    READY = "ready"  # the preview is shown; waiting for accept or cancel
    FAILED = "failed"  # the file could not be read (`error` says why, in Chinese)
    ACCEPTING = "accepting"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"


class WrongFileType(ValueError):
    """The upload's name does not end like a file the importers read (the message is Chinese)."""


class NotPending(Exception):
    """The upload cannot do that now: it is gone (expired), already accepted, cancelled or busy."""

    def __init__(self, state: State | None) -> None:
        super().__init__(state.value if state else "gone")
        self.state = state


@dataclass(frozen=True)
class Problem:
    line: int
    where: str  # 第3行 / 第3条记录 / 第1行（表头）
    reason: str


@dataclass(frozen=True)
class Preview:
    """What the dry run found, as the CLI prints it: counts, changes, problems with line numbers.

    `columns`: the notes on the header (columns not read); `warnings`: rows kept with a correction
    (提醒); `problems`: bad rows, refused; `conflicts`: (line, where, isbn, title, held title) rows
    whose ISBN already belongs to another title. Lists are cut at SHOWN; `*_total` are whole.
    """

    format: str
    encoding: str
    rows_read: int
    good_rows: int
    counts: dict[str, int]
    changes: list[tuple[str, str, str]]
    changes_total: int
    columns: list[Problem]
    warnings: list[Problem]
    warnings_total: int
    problems: list[Problem]
    problems_total: int
    conflicts: list[tuple[int, str, str, str, str]]

    @classmethod
    def of(cls, report: ImportReport, source: Source) -> Preview:
        """The preview of a dry-run report."""
        header = [w for w in report.warnings if w.where.endswith("（表头）")]
        rows = [w for w in report.warnings if not w.where.endswith("（表头）")]
        return cls(source.format, source.encoding, report.rows_read, report.good_rows, dict(report.counts),
                   [(c.action, c.key, c.detail) for c in report.changes[:SHOWN]], len(report.changes),
                   [Problem(w.line, w.where, w.reason) for w in header],
                   [Problem(w.line, w.where, w.reason) for w in rows[:SHOWN]], len(rows),
                   [Problem(p.line, p.where, p.reason) for p in report.problems[:SHOWN]], len(report.problems),
                   [(c.line, c.where, c.isbn, c.title, c.held_title) for c in report.conflicts[:SHOWN]])

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for key in ("columns", "warnings", "problems"):
            out[key] = [[p.line, p.where, p.reason] for p in out[key]]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preview:
        values = dict(data)
        for key in ("columns", "warnings", "problems"):
            values[key] = [Problem(*p) for p in values[key]]
        values["changes"] = [tuple(c) for c in values["changes"]]
        values["conflicts"] = [tuple(c) for c in values["conflicts"]]
        return cls(**values)


@dataclass(frozen=True)
class Upload:
    """A pending upload as the console shows it (never its bytes)."""

    token: str
    kind: str  # catalogue | readers
    teachers: bool  # a teacher list (readers only)
    filename: str
    size: int  # bytes
    actor: str
    created_at: datetime  # UTC
    state: State
    done: int  # rows read so far
    total: int | None  # rows expected (a hint; None when the file does not say)
    same_isbn: str  # ask | separate | existing
    decisions: dict[int, str]  # line → separate | existing
    preview: Preview | None
    error: str  # Chinese, when state is FAILED
    batch_id: int | None  # the ImportBatch it became, once accepted

    @property
    def percent(self) -> int:
        """0–100 for a progress bar (99 while the rows are read but not yet compared)."""
        if self.state != State.READING and self.state != State.ACCEPTING:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)


def check_file_type(filename: str) -> None:
    """Refuse a name the importers do not read (a photo, a Word file) before storing anything."""
    if Path(filename).suffix.lower() not in SUFFIXES:
        raise WrongFileType(WRONG_TYPE)


NAME_MAX = 120  # characters of a stored file name (the column holds 300; a page shows it whole)


def safe_name(filename: str) -> str:
    """The file's own name without any folder a browser sent along (old browsers send C:\\...\\a.csv),
    cut to NAME_MAX characters with its extension kept (so the cut name is still a .csv or .xlsx)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if len(name) > NAME_MAX:
        suffix = Path(name).suffix
        suffix = suffix if len(suffix) <= 10 else ""
        name = name[:NAME_MAX - len(suffix)] + suffix
    return name or "upload.csv"


def _temp_path(folder: str, filename: str) -> Path:
    """Where the stored bytes are written for the readers: never the user's name (a name over 255
    bytes fails with ENAMETOOLONG, and a name is no path), only its extension, which the readers use."""
    return Path(folder) / f"upload{Path(filename).suffix.lower()}"


def stage_upload(library: Library, *, kind: str, filename: str, data: bytes, actor: str,
                 teachers: bool = False) -> str:
    """Store an uploaded file for its preview (state READING); return its token. Writes nothing else.

    Raises WrongFileType for an unknown file type and ValueError for an unknown kind. Uploads
    older than EXPIRES_AFTER are deleted here.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    name = safe_name(filename)
    check_file_type(name)
    now = library.now()
    token = secrets.token_urlsafe(18)
    with library.uow() as uow:
        uow.session.execute(delete(PendingImport).where(PendingImport.created_at < now - EXPIRES_AFTER))
        uow.session.add(PendingImport(id=token, kind=kind, filename=name, sha256=hashlib.sha256(data).hexdigest(),
                                      size=len(data), data=data, actor=actor[:60], created_at=now,
                                      state=State.READING.value, heartbeat_at=now, done=0, total=None,
                                      options={"teachers": teachers, "same_isbn": "ask", "decisions": {}},
                                      preview=None, error="", claim=""))
        uow.commit()
    return token


def _upload(row: PendingImport, *, with_preview: bool = True) -> Upload:
    options = row.options or {}
    return Upload(row.id, row.kind, bool(options.get("teachers")), row.filename, row.size, row.actor,
                  row.created_at, State(row.state), row.done, row.total, str(options.get("same_isbn", "ask")),
                  {int(k): str(v) for k, v in (options.get("decisions") or {}).items()},
                  Preview.from_json(row.preview) if row.preview and with_preview else None, row.error, row.batch_id)


def get_upload(library: Library, token: str) -> Upload | None:
    """The upload behind `token`, or None when there is none or it has expired."""
    with library.uow() as uow:
        row = uow.session.get(PendingImport, token)
        if row is None or row.created_at < library.now() - EXPIRES_AFTER:
            return None
        return _upload(row)


def open_uploads(library: Library, *, limit: int = 20) -> list[Upload]:
    """Uploads still waiting (being read, ready to accept, unreadable, being accepted), newest first,
    without their previews: the list a librarian comes back to after closing the page."""
    waiting = [State.READING.value, State.READY.value, State.FAILED.value, State.ACCEPTING.value]
    with library.uow() as uow:
        rows = uow.session.scalars(
            select(PendingImport)
            .where(PendingImport.state.in_(waiting), PendingImport.created_at >= library.now() - EXPIRES_AFTER)
            .order_by(PendingImport.created_at.desc()).limit(limit)).all()
        return [_upload(row, with_preview=False) for row in rows]


def restart_if_stale(library: Library, token: str) -> bool:
    """True when this caller took over a preview whose worker stopped (a restart): run run_preview next."""
    now = library.now()
    with library.uow() as uow:  # read first: the polls of a live preview need no write
        row = uow.session.get(PendingImport, token)
        if row is None or row.state != State.READING.value or row.heartbeat_at >= now - STALE_AFTER:
            return False
    with library.uow() as uow:
        taken = uow.session.execute(
            update(PendingImport)
            .where(PendingImport.id == token, PendingImport.state == State.READING.value,
                   PendingImport.heartbeat_at < now - STALE_AFTER)
            .values(heartbeat_at=now, done=0)).rowcount
        uow.commit()
    return taken == 1


class _Progress:
    """Counts rows and writes the count (and a heartbeat) to the upload at most every PROGRESS_EVERY s."""

    def __init__(self, library: Library, token: str) -> None:
        self.library, self.token, self.done, self.written = library, token, 0, time.monotonic()

    def __call__(self, n: int) -> None:
        self.done += n
        if time.monotonic() - self.written >= PROGRESS_EVERY:
            self.written = time.monotonic()
            _set(self.library, self.token, done=self.done, heartbeat_at=self.library.now())


def _set(library: Library, token: str, *conditions: Any, **values: Any) -> int:
    with library.uow() as uow:
        count = uow.session.execute(update(PendingImport).where(PendingImport.id == token, *conditions)
                                    .values(**values)).rowcount
        uow.commit()
    return count


def _run(library: Library, row: PendingImport, path: Path, *, dry_run: bool, accept_partial: bool = False,
         progress: _Progress, before_commit: Callable[[Session, int], None] | None = None,
         originals: dict[tuple[int, str], Original] | None = None) -> tuple[ImportReport, Source]:
    """The CLI's call (cli/imports.py _import) on the stored file, written to a temporary folder.
    `originals`: filled with every table row's own cells (TableRows.originals) when given."""
    path.write_bytes(row.data or b"")
    source = open_source(path, row.kind)
    if originals is not None and isinstance(source.rows, TableRows):
        source.rows.originals = originals
    _set(library, row.id, total=source.total_hint)
    options = row.options or {}
    common: dict[str, Any] = {"filename": row.filename, "sha256": row.sha256, "dry_run": dry_run,
                              "accept_partial": accept_partial, "actor": row.actor, "progress": progress,
                              "before_commit": before_commit}
    if row.kind == "catalogue":
        decisions = {int(k): v for k, v in (options.get("decisions") or {}).items()}
        report = import_catalogue(library, source.rows, same_isbn=options.get("same_isbn", "ask"),
                                  decisions=decisions, **common)
    else:
        report = import_readers(library, source.rows, teachers=bool(options.get("teachers")), **common)
    return report, source


def _load(library: Library, token: str, *, with_data: bool = False) -> PendingImport | None:
    """The row, detached; its bytes only when asked (a poll or a cancel need not read 50 MB)."""
    with library.uow() as uow:
        row = uow.session.get(PendingImport, token, options=[undefer(PendingImport.data)] if with_data else [])
        if row is not None:
            uow.session.expunge(row)
        return row


def run_preview(library: Library, token: str) -> None:
    """Work out the preview of a READING upload (a dry run: nothing written) and store it as READY,
    or FAILED with the reason in Chinese. Slow for big files: call it in a worker thread."""
    row = _load(library, token, with_data=True)
    if row is None or row.state != State.READING.value:
        return
    with tempfile.TemporaryDirectory(prefix="shuxiang-import-") as folder:
        try:
            report, source = _run(library, row, _temp_path(folder, row.filename), dry_run=True,
                                  progress=_Progress(library, token))
        except UnreadableFile as exc:
            _set(library, token, PendingImport.state == State.READING.value,
                 state=State.FAILED.value, error=str(exc)[:500])
            return
        except Exception:
            log.exception("import preview failed (upload %s)", token[:6])
            _set(library, token, PendingImport.state == State.READING.value, state=State.FAILED.value,
                 error="读取这个文件时出了错。请检查文件能否用 Excel/WPS 打开，另存为 .xlsx 或 CSV 后重新上传。")
            return
    _set(library, token, PendingImport.state == State.READING.value, state=State.READY.value,
         preview=Preview.of(report, source).to_json(), done=report.rows_read, heartbeat_at=library.now())


def decide(library: Library, token: str, *, same_isbn: str, decisions: dict[int, str]) -> None:
    """Record the librarian's same-ISBN decisions and send the upload back to READING (run run_preview next).

    Raises NotPending unless the upload is READY.
    """
    choices = {"ask", "separate", "existing"}
    if same_isbn not in choices or not set(decisions.values()) <= choices:
        raise ValueError("a same-ISBN decision is ask, separate or existing")
    row = _load(library, token)
    if row is None:
        raise NotPending(None)
    options = {**(row.options or {}), "same_isbn": same_isbn,
               "decisions": {str(k): v for k, v in decisions.items() if v != "ask"}}
    if not _set(library, token, PendingImport.state == State.READY.value, state=State.READING.value,
                options=options, preview=None, done=0, heartbeat_at=library.now()):
        raise NotPending(State(row.state))


def cancel(library: Library, token: str) -> None:
    """Drop a READY or FAILED upload (its bytes go at once). Raises NotPending otherwise."""
    row = _load(library, token)
    if row is None or row.created_at < library.now() - EXPIRES_AFTER:
        raise NotPending(None)
    if not _set(library, token, PendingImport.state.in_([State.READY.value, State.FAILED.value]),
                state=State.CANCELLED.value, data=None, preview=None):
        raise NotPending(State(row.state))


@dataclass(frozen=True)
class Accepted:
    """What accepting did: `batch_id` and `counts` when it committed; otherwise the fresh preview."""

    committed: bool
    batch_id: int | None
    counts: dict[str, int]
    rejected: int  # bad rows skipped
    preview: Preview | None  # when nothing was written: why (bad rows and not good_rows_only, or no rows)


def accept(library: Library, token: str, *, good_rows_only: bool) -> Accepted:
    """Import a READY upload for real, in one transaction, once.

    `good_rows_only` skips the bad rows (the CLI's --accept-partial); without it an upload with bad
    rows writes nothing. The upload is claimed (READY → ACCEPTING) first and marked ACCEPTED inside
    the import's own transaction, so a double click or a second server never imports it twice.
    Raises NotPending when it is not READY (accepted, cancelled, being accepted, expired).
    """
    now = library.now()
    claim = secrets.token_hex(16)
    taken = _set(library, token,
                 PendingImport.created_at >= now - EXPIRES_AFTER,
                 (PendingImport.state == State.READY.value)
                 | ((PendingImport.state == State.ACCEPTING.value) & (PendingImport.heartbeat_at < now - STALE_AFTER)),
                 state=State.ACCEPTING.value, claim=claim, heartbeat_at=now, done=0)
    row = _load(library, token, with_data=True)
    if not taken or row is None:
        raise NotPending(State(row.state) if row is not None and row.created_at >= now - EXPIRES_AFTER else None)

    originals: dict[tuple[int, str], Original] = {}

    def mark(session: Session, batch_id: int) -> None:
        batch = session.get(ImportBatch, batch_id)
        if batch is not None and batch.rejected and originals:  # the skipped rows' own cells, to fix and re-import
            batch.rejected = with_cells(list(batch.rejected), originals)
        marked = session.execute(update(PendingImport)
                                 .where(PendingImport.id == token, PendingImport.claim == claim,
                                        PendingImport.state == State.ACCEPTING.value)
                                 .values(state=State.ACCEPTED.value, batch_id=batch_id, data=None)).rowcount
        if marked != 1:
            raise NotPending(State.ACCEPTED)  # another worker took over: roll this import back

    try:
        with tempfile.TemporaryDirectory(prefix="shuxiang-import-") as folder:
            report, source = _run(library, row, _temp_path(folder, row.filename), dry_run=False,
                                  accept_partial=good_rows_only, progress=_Progress(library, token),
                                  before_commit=mark, originals=originals)
    except BaseException:
        _set(library, token, PendingImport.claim == claim, PendingImport.state == State.ACCEPTING.value,
             state=State.READY.value)
        raise
    if report.committed:
        return Accepted(True, report.batch_id, dict(report.counts), len({p.line for p in report.problems}), None)
    preview = Preview.of(report, source)  # the library changed since the preview: show what stops it now
    _set(library, token, PendingImport.claim == claim, state=State.READY.value, preview=preview.to_json())
    return Accepted(False, None, dict(report.counts), 0, preview)
