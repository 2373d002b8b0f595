"""/admin/catalogue: search and browse the catalogue, a title with its copies, copy status changes.

Librarian only (Area.CATALOGUE). Search uses the bot's own index (the responder's CatalogueSearch, or one
index the console keeps for the app when the responder has none), never one per request. Adding titles
is in console/catalogue_add.py, edits and bulk tags in console/catalogue_edit.py.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bot.keys import LIBRARY, RESPONDER
from console.auth import PREFIX, SESSION_KEY, redirect, requires
from console.params import path_id, whole_number
from console.text import fold
from console.views import page
from core.catalogue_admin.detail import copy_detail, title_detail
from core.catalogue_admin.errors import CatalogueError
from core.catalogue_admin.forms import ITEM_TYPE_NAMES, grades_text
from core.catalogue_admin.listing import browse, search_titles
from core.catalogue_admin.status import (
    CHANGE_NAMES,
    ChangeCopyStatus,
    StatusChange,
    allowed_changes,
    change_copy_status,
)
from core.clc import TOP_CLASSES, is_clc_prefix, normalise_clc
from core.desk_words import ITEM_STATUSES
from core.models import ReservationStatus
from core.money import yuan
from core.search import CatalogueSearch
from core.staff import Area

routes = web.RouteTableDef()
BASE = f"{PREFIX}/catalogue"
SEARCH = web.AppKey("catalogue_search", CatalogueSearch)
NAMES: dict[str, Any] = {"status_names": ITEM_STATUSES, "type_names": ITEM_TYPE_NAMES, "yuan": yuan,
                         "grades_text": grades_text, "change_names": CHANGE_NAMES, "allowed": allowed_changes,
                         "READY": ReservationStatus.READY, "top_classes": TOP_CLASSES}


def add_catalogue(app: web.Application) -> None:
    """Mount the catalogue pages and hold the search index they share with the bot."""
    from console.catalogue_add import routes as add_routes
    from console.catalogue_edit import routes as edit_routes

    app.router.add_routes(routes)
    app.router.add_routes(add_routes)
    app.router.add_routes(edit_routes)
    app.cleanup_ctx.append(_search_index)


async def _search_index(app: web.Application) -> AsyncIterator[None]:
    # The bot's router holds the index the chat searches; reuse it (one index per process, ~100 MB at
    # 100,000 titles). A server without the router (tests' HelpResponder) gets one index, built on first use.
    search = getattr(app[RESPONDER], "search", None)
    app[SEARCH] = search if isinstance(search, CatalogueSearch) else CatalogueSearch(app[LIBRARY].read_session_factory)
    yield


def actor(request: web.Request) -> str:
    """The signed-in account's name, for the audit trail."""
    return str(request[SESSION_KEY].staff.name)


def int_param(value: object, default: int = 1) -> int:
    """A positive page or id from a query string; `default` when absent or unreadable."""
    number = whole_number(value)
    return default if number is None else max(1, number)


@routes.get(BASE)
@requires(Area.CATALOGUE)
async def catalogue_home(request: web.Request) -> web.Response:
    """Search (`q`, `page`) or browse by 中图法 (`clc`, `page`); the top classes when neither is given."""
    library = request.app[LIBRARY]
    query = fold(request.query.get("q", "")).strip()[:100]
    prefix = normalise_clc(request.query.get("clc", ""))[:40]
    number = int_param(request.query.get("page", "1"))
    found = listing = None
    if query:
        found = await asyncio.to_thread(search_titles, library, request.app[SEARCH], query, number)
    elif prefix and is_clc_prefix(prefix):
        listing = await asyncio.to_thread(browse, library, prefix, number)
    else:
        listing = await asyncio.to_thread(browse, library, "", 1)
    bad_prefix = bool(prefix) and not is_clc_prefix(prefix)
    return page(request, "catalogue/index.html", {"q": query, "found": found, "listing": listing,
                                                  "bad_prefix": bad_prefix, "tagged": request.query.get("tagged"),
                                                  **NAMES})


async def title_page(request: web.Request, title_id: int, *, status: int = 200, **extra: Any) -> web.Response:
    """Render one title's page (fields, copies, holds) with `extra` (messages, the labels link)."""
    detail = await asyncio.to_thread(title_detail, request.app[LIBRARY], title_id)
    if detail is None:
        raise web.HTTPNotFound(text="没有这个书目。")
    context = {"d": detail, "added": [], "saved": "", "error": "", "error_item": 0, **NAMES, **extra}
    return page(request, "catalogue/title.html", context, status=status)


@routes.get(BASE + r"/titles/{title_id:[0-9]+}")
@requires(Area.CATALOGUE)
async def title_view(request: web.Request) -> web.Response:
    """A title: its fields, every copy (barcode, 索书号, place, status, borrower and due day), its holds."""
    added = [b for b in request.query.get("added", "").split(",") if b][:200]
    return await title_page(request, path_id(request, "title_id", "没有这个书目。"), added=added,
                            saved=request.query.get("saved", ""))


@routes.post(BASE + r"/copies/{item_id:[0-9]+}/status")
@requires(Area.CATALOGUE)
async def copy_status(request: web.Request) -> web.Response:
    """Lost / to repair / back from repair / withdrawn (with a reason), by the desk's rules; a lent copy is
    refused with what to do at the desk."""
    item_id = path_id(request, "item_id", "没有这一册书。")
    form = await request.post()
    found = await asyncio.to_thread(copy_detail, request.app[LIBRARY], item_id)
    if found is None:
        raise web.HTTPNotFound(text="没有这一册书。")
    title_id = found[0]
    try:
        change = StatusChange(str(form.get("change", "")))
    except ValueError:
        return await title_page(request, title_id, status=400, error="请选择要做的操作。", error_item=item_id)
    cmd = ChangeCopyStatus(item_id, change, str(form.get("reason", ""))[:200], actor(request))
    try:
        done = await asyncio.to_thread(change_copy_status, request.app[LIBRARY], cmd)
    except CatalogueError as refused:
        return await title_page(request, title_id, status=409, error=str(refused), error_item=item_id)
    return redirect(f"{BASE}/titles/{done.title_id}?saved=status-{done.barcode}")
