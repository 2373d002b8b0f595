"""/admin/catalogue/new: add a title by ISBN with N copies (or copies of a title already there).

Step one asks for the ISBN; step two shows the existing title (add copies) or an empty title form, with
barcodes proposed from [catalogue] barcode_pattern. After saving, the title page links the labels of
exactly the new copies (/admin/labels?barcodes=...).
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from aiohttp import web
from markupsafe import Markup, escape

from bot.keys import LIBRARY, SETTINGS
from console.auth import redirect, requires
from console.catalogue import BASE, NAMES, actor, int_param
from console.text import fold
from console.views import page
from core.catalogue_admin.barcodes import MAX_BATCH, BarcodePattern, read_barcodes, suggest_barcodes
from core.catalogue_admin.detail import TitleFields
from core.catalogue_admin.editing import AddCopies, add_copies, copy_defaults, title_by_id, title_by_isbn
from core.catalogue_admin.errors import CatalogueError
from core.catalogue_admin.forms import SOURCES, grades_text, read_copy, read_isbn, read_title
from core.library import Library
from core.staff import Area

routes = web.RouteTableDef()
TITLE_KEYS = ("isbn", "title", "author", "publisher", "year", "clc", "series", "summary", "grades", "subjects")
COPY_KEYS = ("call_number", "location", "item_type", "price", "source", "donor", "accession_number")


def _pattern(request: web.Request) -> BarcodePattern:
    return BarcodePattern.parse(request.app[SETTINGS].catalogue.barcode_pattern)


def title_form(fields: TitleFields) -> dict[str, str]:
    """A title's fields as the form shows them (grades as '3-5')."""
    return {"isbn": fields.isbn or "", "title": fields.title, "author": fields.author,
            "publisher": fields.publisher, "year": str(fields.year or ""), "clc": fields.clc,
            "series": fields.series, "summary": fields.summary,
            "grades": grades_text(fields.min_grade, fields.max_grade), "subjects": fields.subjects}


def _prepare(library: Library, pattern: BarcodePattern, isbn: str | None, count: int,
             title_id: int | None = None) -> dict[str, Any]:
    """What step two shows: the existing title (`title_id`, or the ISBN's), copy defaults, proposed barcodes."""
    existing = (title_by_id(library, title_id) if title_id is not None
                else title_by_isbn(library, isbn) if isbn else None)
    form: dict[str, str] = {"isbn": isbn or "", "item_type": "general", "source": "采购"}
    title_id = None
    if existing is not None:
        title_id, fields = existing
        form.update(title_form(fields))
        defaults = copy_defaults(library, title_id)
        if defaults is not None:
            form.update(call_number=defaults.call_number, location=defaults.location,
                        item_type=defaults.item_type.value, price=f"{defaults.price_fen / 100:.2f}"
                        if defaults.price_fen else "", source=defaults.source or "采购")
    barcodes = suggest_barcodes(library, pattern, count)
    form.update(count=str(count), barcodes=" ".join(barcodes))
    return {"form": form, "title_id": title_id}


def _context(form: Mapping[str, str], title_id: int | None, errors: dict[str, str], step: int) -> dict[str, Any]:
    return {"form": dict(form), "title_id": title_id, "errors": errors, "step": step, "sources": SOURCES,
            "max_batch": MAX_BATCH, **NAMES}


@routes.get(f"{BASE}/new")
@requires(Area.CATALOGUE)
async def new_form(request: web.Request) -> web.Response:
    """Step one (no `isbn`): the ISBN box. Step two: the title (found or to fill in) and its copies;
    `title_id` goes straight to step two for more copies of that title (one without an ISBN too)."""
    raw = fold(request.query.get("isbn", ""))
    count = min(int_param(request.query.get("count", "1")), MAX_BATCH)
    if "title_id" in request.query:
        prepared = await asyncio.to_thread(_prepare, request.app[LIBRARY], _pattern(request), None, count,
                                           int_param(request.query["title_id"], 0))
        if prepared["title_id"] is None:
            raise web.HTTPNotFound(text="没有这个书目。")
        return page(request, "catalogue/new.html", _context(prepared["form"], prepared["title_id"], {}, 2))
    if "isbn" not in request.query:
        return page(request, "catalogue/new.html", _context({"isbn": "", "count": "1"}, None, {}, 1))
    try:
        isbn = read_isbn(raw)
    except CatalogueError as bad:
        return page(request, "catalogue/new.html", _context({"isbn": raw, "count": str(count)}, None,
                                                            {"isbn": str(bad)}, 1), status=400)
    prepared = await asyncio.to_thread(_prepare, request.app[LIBRARY], _pattern(request), isbn, count)
    return page(request, "catalogue/new.html", _context(prepared["form"], prepared["title_id"], {}, 2))


@routes.get(f"{BASE}/barcodes")
@requires(Area.CATALOGUE)
async def barcodes_field(request: web.Request) -> web.Response:
    """The barcodes input filled with the next `count` barcodes (htmx swaps it in when 册数 changes)."""
    count = min(int_param(request.query.get("count", "1")), MAX_BATCH)
    barcodes = await asyncio.to_thread(suggest_barcodes, request.app[LIBRARY], _pattern(request), count)
    html = Markup('<input id="barcodes" name="barcodes" value="{}" autocomplete="off">').format(
        escape(" ".join(barcodes)))
    return web.Response(text=str(html), content_type="text/html", headers={"Cache-Control": "no-store"})


@routes.post(f"{BASE}/new")
@requires(Area.CATALOGUE)
async def new_save(request: web.Request) -> web.Response:
    """Save the title (if new) and its copies in one transaction; back to the form with the message beside
    the field when refused (a barcode used twice is named); then the title page with the labels link."""
    posted = await request.post()
    form = {key: str(posted.get(key, "")) for key in (*TITLE_KEYS, *COPY_KEYS, "count", "barcodes", "title_id")}
    title_id = int_param(form["title_id"], 0) or None
    try:
        fields = read_title(form)
        copy = read_copy({**form, "accession_number": ""})
        barcodes = tuple(read_barcodes(fold(form["barcodes"])))
        count = int_param(form["count"], 0)
        if barcodes and count and count != len(barcodes):
            raise CatalogueError(f"册数是{count}，条码却有{len(barcodes)}个：请让两者一致"
                                 "（改了册数可点「重新建议条码」）。", "barcodes")
        accessions = tuple(fold(form["accession_number"]).upper().split())
        cmd = AddCopies(fields, copy, barcodes, title_id, accessions, actor(request))
        done = await asyncio.to_thread(add_copies, request.app[LIBRARY], cmd)
    except CatalogueError as refused:
        return page(request, "catalogue/new.html",
                    _context(form, title_id, {refused.field or "title": str(refused)}, 2), status=400)
    added = quote(",".join(done.barcodes), safe=",")
    return redirect(f"{BASE}/titles/{done.title_id}?added={added}")
