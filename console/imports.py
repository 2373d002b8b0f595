"""导入 in the browser (/admin/imports): upload a catalogue or roster, read the CLI's preview, accept or cancel.

The upload is stored in the database (core.imports.pending) and previewed in a worker thread; the
page polls its progress with htmx. Accepting runs the CLI's import once (core.imports.pending.accept);
the history lists the import batches, their skipped rows downloadable as CSV or xlsx.
"""
from __future__ import annotations

import asyncio
import csv
import io
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import PREFIX, SESSION_KEY, accepts_body, requires
from console.params import path_id, whole_number
from console.views import page
from core.clock import SCHOOL_TZ
from core.imports.history import Batch, import_batch, import_history
from core.imports.pending import (
    EXPIRES_AFTER,
    NotPending,
    State,
    Upload,
    WrongFileType,
    accept,
    cancel,
    check_file_type,
    decide,
    get_upload,
    open_uploads,
    restart_if_stale,
    run_preview,
    stage_upload,
)
from core.imports.rejected import rejected_xlsx
from core.library import Library
from core.staff import Area

routes = web.RouteTableDef()

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # 50 MB: a 100,000-copy Excel export is about 15 MB
QUICK_PREVIEW = 0.5  # seconds the upload waits for a small file's preview (a few hundred rows) before the progress bar
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BASE = f"{PREFIX}/imports"
KIND_CHOICES = {"catalogue": ("catalogue", False), "students": ("readers", False), "teachers": ("readers", True)}
COUNT_NAMES = {"titles_created": "新增书目", "titles_updated": "更新书目", "items_created": "新增复本",
               "items_updated": "更新复本", "unchanged": "无变化", "isbn_conflicts": "ISBN冲突"}
KIND_NAMES = {"catalogue": "书目", "readers": "读者名单"}

# Previews run in worker threads; the tasks are kept here only so they are not garbage-collected.
_previews: set[asyncio.Future[None]] = set()


def _start_preview(library: Library, token: str) -> asyncio.Future[None]:
    task = asyncio.ensure_future(asyncio.to_thread(run_preview, library, token))
    _previews.add(task)
    task.add_done_callback(_previews.discard)
    return task


def counts_text(counts: dict[str, int]) -> str:
    """'新增书目 3，新增复本 4' (the CLI's words; roster counts are already Chinese)."""
    return "，".join(f"{COUNT_NAMES.get(k, k)} {v}" for k, v in counts.items()) or "没有改动"


def _local(at: Any) -> str:
    return at.astimezone(SCHOOL_TZ).strftime("%Y-%m-%d %H:%M")


async def _index(request: web.Request, *, error: str = "", status: int = 200,
                 kind: str = "catalogue") -> web.Response:
    library = request.app[LIBRARY]
    batches, waiting = await asyncio.to_thread(_history_and_waiting, library)
    return page(request, "imports/index.html",
                {"error": error, "kind": kind, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
                 "batches": batches, "waiting": waiting, "State": State, "counts_text": counts_text,
                 "local": _local, "base": BASE,
                 "kind_names": KIND_NAMES, "expires_hours": int(EXPIRES_AFTER.total_seconds() // 3600)},
                status=status)


def _history_and_waiting(library: Library) -> tuple[list[Batch], list[Upload]]:
    return import_history(library, limit=100), open_uploads(library)


@routes.get(BASE)
@requires(Area.IMPORTS)
async def imports_index(request: web.Request) -> web.Response:
    """The upload form and the history of import batches."""
    return await _index(request, kind=request.query.get("kind", "catalogue"))


@accepts_body(MAX_UPLOAD_BYTES)
@routes.post(BASE)
@requires(Area.IMPORTS)
async def upload(request: web.Request) -> web.Response:
    """Store the file (nothing reaches the library), start its preview, go to its page."""
    form = await request.post()  # its spooled files are closed by the guard (console.auth)
    choice = str(form.get("kind", "catalogue"))
    field = form.get("file")
    if choice not in KIND_CHOICES:
        choice = "catalogue"
    if not isinstance(field, web.FileField) or not field.filename:
        return await _index(request, error="请先选择要导入的文件。", status=400, kind=choice)
    try:
        check_file_type(field.filename)
    except WrongFileType as wrong:
        return await _index(request, error=str(wrong), status=400, kind=choice)
    data = await asyncio.to_thread(field.file.read)
    if not data:
        return await _index(request, error=f"“{field.filename}”是空文件：请选择有内容的文件。", status=400, kind=choice)
    kind, teachers = KIND_CHOICES[choice]
    filename = unquote(field.filename)  # aiohttp's client %-encodes a name; browsers send UTF-8 as is
    library = request.app[LIBRARY]
    token = await asyncio.to_thread(stage_upload, library, kind=kind, filename=filename, data=data,
                                    actor=request[SESSION_KEY].staff.name, teachers=teachers)
    task = _start_preview(library, token)
    await asyncio.wait({task}, timeout=QUICK_PREVIEW)  # a small file goes straight to its preview
    raise web.HTTPSeeOther(f"{BASE}/{token}")


async def _upload_or_404(request: web.Request) -> Upload:
    found = await asyncio.to_thread(get_upload, request.app[LIBRARY], request.match_info["token"])
    if found is None:
        raise web.HTTPNotFound(text=page(request, "imports/gone.html", {}).text,
                               headers={"Content-Type": "text/html; charset=utf-8"})
    return found


@routes.get(BASE + r"/{token:[A-Za-z0-9_-]{8,40}}")
@requires(Area.IMPORTS)
async def upload_page(request: web.Request) -> web.Response:
    """One upload: its progress, its preview with the accept buttons, or what accepting did."""
    found = await _upload_or_404(request)
    batch: Batch | None = None
    if found.batch_id is not None:
        batch = await asyncio.to_thread(import_batch, request.app[LIBRARY], found.batch_id)
    return page(request, "imports/upload.html", {
        "u": found, "p": found.preview, "batch": batch, "base": BASE, "counts_text": counts_text,
        "again": request.query.get("again") == "1", "refused": request.query.get("refused") == "1",
        "kind_names": KIND_NAMES, "busy": found.state in (State.READING, State.ACCEPTING), "State": State})


@routes.get(BASE + r"/{token:[A-Za-z0-9_-]{8,40}}/progress")
@requires(Area.IMPORTS)
async def progress(request: web.Request) -> web.Response:
    """The progress bar (htmx polls it); once the work is done, tell htmx to reload the page."""
    library = request.app[LIBRARY]
    found = await _upload_or_404(request)
    if found.state == State.READING and await asyncio.to_thread(restart_if_stale, library, found.token):
        _start_preview(library, found.token)  # its worker died (a restart): this process takes it over
    if found.state not in (State.READING, State.ACCEPTING):
        return web.Response(text="", headers={"HX-Refresh": "true", "Cache-Control": "no-store"})
    return page(request, "imports/_progress.html", {"u": found, "base": BASE})


@routes.post(BASE + r"/{token:[A-Za-z0-9_-]{8,40}}/accept")
@requires(Area.IMPORTS)
async def accept_upload(request: web.Request) -> web.Response:
    """Import it for real (all rows, or only the good ones); a second click imports nothing."""
    form = await request.post()
    token = request.match_info["token"]
    try:
        done = await asyncio.to_thread(accept, request.app[LIBRARY], token,
                                       good_rows_only=form.get("mode") == "good")
    except NotPending as gone:
        if gone.state is None:
            return await upload_page(request)  # 404 page
        raise web.HTTPSeeOther(f"{BASE}/{token}?again=1") from None
    raise web.HTTPSeeOther(f"{BASE}/{token}" + ("" if done.committed else "?refused=1"))


@routes.post(BASE + r"/{token:[A-Za-z0-9_-]{8,40}}/cancel")
@requires(Area.IMPORTS)
async def cancel_upload(request: web.Request) -> web.Response:
    """Drop the upload; nothing was written."""
    token = request.match_info["token"]
    try:
        await asyncio.to_thread(cancel, request.app[LIBRARY], token)
    except NotPending as gone:
        if gone.state is None:
            return await upload_page(request)
        raise web.HTTPSeeOther(f"{BASE}/{token}?again=1") from None
    raise web.HTTPSeeOther(f"{BASE}/{token}")


@routes.post(BASE + r"/{token:[A-Za-z0-9_-]{8,40}}/decide")
@requires(Area.IMPORTS)
async def decide_conflicts(request: web.Request) -> web.Response:
    """Same-ISBN decisions (另立书目 / 并入已有书目), for all conflicts or line by line; preview again."""
    form = await request.post()
    token = request.match_info["token"]
    same_isbn = str(form.get("same_isbn", "ask"))
    decisions: dict[int, str] = {}
    for key, value in form.items():
        line = whole_number(key[5:]) if key.startswith("line-") else None
        if line is not None and value in ("separate", "existing"):
            decisions[line] = str(value)
    library = request.app[LIBRARY]
    try:
        await asyncio.to_thread(decide, library, token, same_isbn=same_isbn, decisions=decisions)
    except ValueError:
        raise web.HTTPSeeOther(f"{BASE}/{token}") from None
    except NotPending as gone:
        if gone.state is None:
            return await upload_page(request)
        raise web.HTTPSeeOther(f"{BASE}/{token}?again=1") from None
    task = _start_preview(library, token)
    await asyncio.wait({task}, timeout=QUICK_PREVIEW)
    raise web.HTTPSeeOther(f"{BASE}/{token}")


@routes.get(BASE + r"/batches/{batch:[0-9]+}/rejected.{fmt:csv|xlsx}")
@requires(Area.IMPORTS)
async def rejected_rows(request: web.Request) -> web.Response:
    """The rows a batch skipped as CSV (Excel-friendly UTF-8) or xlsx: their own cells under the file's
    header (when the batch kept them) and their line and reason, a file to fix and import again."""
    batch = await asyncio.to_thread(import_batch, request.app[LIBRARY], path_id(request, "batch", "没有这个导入批次。"))
    if batch is None:
        raise web.HTTPNotFound(text="没有这个导入批次。", headers={"Content-Type": "text/plain; charset=utf-8"})
    fmt = request.match_info["fmt"]
    stem = f"{batch.filename.rsplit('.', 1)[0]}-未导入的行"
    head, rows = batch.rejected_table()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(head)
        writer.writerows(rows)
        body, content_type = ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv"
    else:
        body = await asyncio.to_thread(rejected_xlsx, f"批次{batch.id}未导入的行", head, rows)
        content_type = XLSX
    name = quote(f"{stem}.{fmt}", safe="")
    return web.Response(body=body, content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename=\"batch-{batch.id}-rejected.{fmt}\"; filename*=UTF-8''{name}",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
