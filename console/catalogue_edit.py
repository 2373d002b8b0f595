"""/admin/catalogue: edit a title, edit a copy, and bulk-tag titles with grades or subjects."""
from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import redirect, requires
from console.catalogue import BASE, NAMES, actor, int_param
from console.catalogue_add import COPY_KEYS, TITLE_KEYS, title_form
from console.params import path_id
from console.text import fold
from console.views import page
from core.catalogue_admin.detail import copy_detail, title_detail
from core.catalogue_admin.editing import edit_copy, edit_title
from core.catalogue_admin.errors import CatalogueError
from core.catalogue_admin.forms import SOURCES, read_copy, read_grades, read_title
from core.catalogue_admin.tagging import TagTitles, apply_tags, preview_tags
from core.staff import Area

routes = web.RouteTableDef()


@routes.get(BASE + r"/titles/{title_id:[0-9]+}/edit")
@requires(Area.CATALOGUE)
async def title_edit_form(request: web.Request) -> web.Response:
    """The title's fields in a form."""
    detail = await asyncio.to_thread(title_detail, request.app[LIBRARY], path_id(request, "title_id", "没有这个书目。"))
    if detail is None:
        raise web.HTTPNotFound(text="没有这个书目。")
    return page(request, "catalogue/edit_title.html", {"id": detail.id, "form": title_form(detail.fields),
                                                       "errors": {}, **NAMES})


@routes.post(BASE + r"/titles/{title_id:[0-9]+}/edit")
@requires(Area.CATALOGUE)
async def title_edit_save(request: web.Request) -> web.Response:
    """Save the title (one transaction, audited); errors beside their field."""
    title_id = path_id(request, "title_id", "没有这个书目。")
    posted = await request.post()
    form = {key: str(posted.get(key, "")) for key in TITLE_KEYS}
    try:
        await asyncio.to_thread(edit_title, request.app[LIBRARY], title_id, read_title(form), actor(request))
    except CatalogueError as refused:
        if refused.field == "title_id":
            raise web.HTTPNotFound(text="没有这个书目。") from None
        return page(request, "catalogue/edit_title.html", {"id": title_id, "form": form,
                                                           "errors": {refused.field: str(refused)}, **NAMES},
                    status=400)
    return redirect(f"{BASE}/titles/{title_id}?saved=title")


def _copy_form(line: Any) -> dict[str, str]:
    return {"call_number": line.call_number, "location": line.location, "item_type": line.item_type.value,
            "price": f"{line.price_fen / 100:.2f}", "source": line.source, "donor": line.donor,
            "accession_number": line.accession_number, "condition_note": line.condition_note}


async def _copy_page(request: web.Request, item_id: int, form: dict[str, str] | None, errors: dict[str, str],
                     status: int = 200) -> web.Response:
    found = await asyncio.to_thread(copy_detail, request.app[LIBRARY], item_id)
    if found is None:
        raise web.HTTPNotFound(text="没有这一册书。")
    title_id, title, line = found
    return page(request, "catalogue/edit_copy.html", {"title_id": title_id, "title": title, "c": line,
                                                      "form": form or _copy_form(line), "errors": errors,
                                                      "sources": SOURCES, **NAMES}, status=status)


@routes.get(BASE + r"/copies/{item_id:[0-9]+}/edit")
@requires(Area.CATALOGUE)
async def copy_edit_form(request: web.Request) -> web.Response:
    """A copy's fields (索书号, place, type, price, source, donor, 登录号, condition) in a form."""
    return await _copy_page(request, path_id(request, "item_id", "没有这一册书。"), None, {})


@routes.post(BASE + r"/copies/{item_id:[0-9]+}/edit")
@requires(Area.CATALOGUE)
async def copy_edit_save(request: web.Request) -> web.Response:
    """Save the copy's fields (its status changes on the title page)."""
    item_id = path_id(request, "item_id", "没有这一册书。")
    posted = await request.post()
    form = {key: str(posted.get(key, "")) for key in (*COPY_KEYS, "condition_note")}
    try:
        title_id = await asyncio.to_thread(edit_copy, request.app[LIBRARY], item_id, read_copy(form), actor(request))
    except CatalogueError as refused:
        if refused.field == "item_id":
            raise web.HTTPNotFound(text="没有这一册书。") from None
        return await _copy_page(request, item_id, form, {refused.field: str(refused)}, status=400)
    return redirect(f"{BASE}/titles/{title_id}?saved=copy")


def _tag_command(posted: Any, who: str) -> tuple[TagTitles, dict[str, str]]:
    ids = tuple(dict.fromkeys(int_param(v, 0) for v in posted.getall("title_id", []) if int_param(v, 0)))
    form = {"clc": fold(str(posted.get("clc", ""))), "grades": str(posted.get("grades", "")).strip(),
            "subjects": str(posted.get("subjects", "")).strip()}
    low, high = read_grades(form["grades"])
    return TagTitles(form["clc"], ids, low, high, form["subjects"], who), form


@routes.post(f"{BASE}/tags")
@requires(Area.CATALOGUE)
async def tags(request: web.Request) -> web.Response:
    """Bulk tags: `action=preview` shows how many titles (and which) would change; `action=apply` changes
    them in one transaction and goes back to the list. Titles by `clc` prefix or ticked `title_id`s."""
    posted = await request.post()
    form: dict[str, str] = {"clc": "", "grades": "", "subjects": ""}
    try:
        cmd, form = _tag_command(posted, actor(request))
        if posted.get("action") == "apply":
            changed = await asyncio.to_thread(apply_tags, request.app[LIBRARY], cmd)
            back = f"{BASE}?clc={quote(cmd.clc_prefix)}&tagged={changed}" if cmd.clc_prefix else f"{BASE}?tagged={changed}"
            return redirect(back)
        preview = await asyncio.to_thread(preview_tags, request.app[LIBRARY], cmd)
    except CatalogueError as refused:
        return page(request, "catalogue/tags.html", {"form": form, "ids": [], "preview": None,
                                                     "error": str(refused)}, status=400)
    return page(request, "catalogue/tags.html", {"form": form, "ids": list(cmd.title_ids), "preview": preview,
                                                 "error": ""})
