"""集体借阅 at /admin/desk-class: lend a class's set by scanning, return it, move it whole (漂流).

One form per job; the class is chosen from the school's classes, barcodes are scanned into a box
(one per line, as a scanner types them). Each barcode's answer is listed (lent/returned, or the
desk's refusal naming the rule). Lending and returning scanned copies need Area.DESK (student
helpers too); a move (漂流) and returning a whole class without scanning need Area.CIRCULATION, and
the whole-class return asks first, naming how many books (the second post carries that count; a
count that changed meanwhile asks again). Views call core/circulation/collections.py in a worker thread.
"""
from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import PREFIX, SESSION_KEY, forbidden, requires
from console.text import fold_code
from console.views import page
from core import collection_words
from core import desk_words as words
from core.circulation.collections import (
    CollectionBusy,
    SameClass,
    UnknownClass,
    class_collection_by_name,
    lend_to_class,
    move_collection,
    return_from_class,
)
from core.errors import Refused
from core.library import Library
from core.lists import class_names
from core.staff import Area, may

routes = web.RouteTableDef()
CLASS_DESK = f"{PREFIX}/desk-class"
MAX_CODES = 300  # a scanned pile; more is a paste gone wrong
_SPLIT = re.compile(r"[\s,，、;；]+")


def _codes(form: Any) -> list[str]:
    raw = form.get("barcodes", "")
    codes = [fold_code(c) for c in _SPLIT.split(raw if isinstance(raw, str) else "") if c.strip()]
    return [c for c in codes if len(c) <= 64][:MAX_CODES]


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip()[:40] if isinstance(value, str) else ""


def _shown(library: Library, class_name: str) -> list[str]:
    if not class_name:
        return []
    try:
        return collection_words.holdings(class_collection_by_name(library, class_name),
                                         library.policy.class_collection_rule().max_items)
    except UnknownClass:
        return []


def _tone(line: str, refused: bool) -> str:
    """A line's colour class: ✗ refused, · noted (a repeat scan), ✓ done; else the head line (or a lone refusal)."""
    if line.startswith("✗"):
        return "bad"
    if line.startswith("·"):
        return "note"
    if "✓" in line[:80]:
        return "good"
    return "bad" if refused and "：" not in line else "head"


async def _render(request: web.Request, *, class_name: str = "", lines: list[str] | None = None,
                  refused: bool = False, status: int = 200, confirm: tuple[str, int] | None = None) -> web.Response:
    library = request.app[LIBRARY]
    names = await asyncio.to_thread(class_names, library)
    shown = await asyncio.to_thread(_shown, library, class_name)
    role = request[SESSION_KEY].staff.role
    toned = [(_tone(line, refused), line) for line in lines or []]
    context = {"desk_class": CLASS_DESK, "names": names, "class_name": class_name, "lines": toned,
               "refused": refused, "shown": shown, "may_move": may(role, Area.CIRCULATION),
               "limit": library.policy.class_collection_rule().max_items, "confirm": confirm}
    return page(request, "desk/classes.html", context, status=status)


@routes.get(CLASS_DESK)
@requires(Area.DESK)
async def class_desk_page(request: web.Request) -> web.Response:
    """The page, with `?class=` showing what that class holds."""
    return await _render(request, class_name=request.query.get("class", "").strip()[:40])


def _actor(request: web.Request) -> str:
    return f"staff:{request[SESSION_KEY].staff.name}"[:60]


def _run(library: Library, action: str, form: Any, actor: str) -> tuple[list[str], bool, str]:
    """(lines, any refusal, class to show) for one posted job."""
    class_name = _text(form, "class")
    money = False  # the batch list never names amounts (helpers use this page too)
    try:
        if action == "lend":
            if not class_name:
                return ["请选择班级。"], True, ""
            batch = lend_to_class(library, class_name, _codes(form), actor=actor)
            return collection_words.lent(batch, money=money), batch.refused > 0, class_name
        if action == "return":
            batch = return_from_class(library, _codes(form), class_name=class_name or None, actor=actor)
            return collection_words.returned(batch, money=money), batch.refused > 0, class_name
        target = _text(form, "to_class")
        if not class_name or not target:
            return ["请选择要转出和转入的班级。"], True, class_name
        return [collection_words.moved(move_collection(library, class_name, target, actor=actor))], False, target
    except UnknownClass as exc:
        return [f"没有找到班级“{exc.asked}”。"], True, ""
    except SameClass:
        return ["转出和转入是同一个班，不用转。"], True, class_name
    except CollectionBusy:
        return [collection_words.BUSY_MOVE], True, class_name
    except Refused as exc:
        return ["✗ " + words.refusal("checkout", exc, money=money)], True, class_name


WHOLE_CLASS_HELPER = "整班归还请找图书管理员；也可以把书一本本扫进“归还的条码”框里归还。"


def _holding(library: Library, class_name: str) -> tuple[str, int] | None:
    """(the class's own name, how many copies it holds), None for a class the school lacks."""
    try:
        held = class_collection_by_name(library, class_name)
    except UnknownClass:
        return None
    return held.class_name, len(held.loans)


async def _ask_whole_return(request: web.Request, form: Any) -> web.Response | None:
    """The confirmation step of a whole-class return; None when confirmed with the count that holds now."""
    class_name = _text(form, "class")
    holding = await asyncio.to_thread(_holding, request.app[LIBRARY], class_name)
    if holding is None or holding[1] == 0 or _text(form, "confirm") == str(holding[1]):
        return None  # unknown class / nothing out: _run says so; confirmed: go ahead
    return await _render(request, class_name=holding[0], confirm=holding,
                         lines=[], refused=False)


@routes.post(CLASS_DESK + "/{action:lend|return|move}")
@requires(Area.DESK)
async def class_desk_post(request: web.Request) -> web.Response:
    """Lend the scanned copies to a class, take copies back, or move a class's set to another class."""
    action = request.match_info["action"]
    if action == "move" and not may(request[SESSION_KEY].staff.role, Area.CIRCULATION):
        raise forbidden(f"<p>转给别的班（漂流）请找图书管理员。<a href=\"{CLASS_DESK}\">回到集体借阅</a></p>")
    form = await request.post()
    if action == "return" and not _codes(form) and _text(form, "class"):
        if not may(request[SESSION_KEY].staff.role, Area.CIRCULATION):
            return await _render(request, lines=[WHOLE_CLASS_HELPER], refused=True, status=403)
        asked = await _ask_whole_return(request, form)
        if asked is not None:
            return asked
    if action != "move" and not _codes(form) and not (action == "return" and _text(form, "class")):
        return await _render(request, class_name=_text(form, "class"), lines=["请扫要处理的书的条码（一行一本）。"],
                             refused=True, status=400)
    lines, refused, shown = await asyncio.to_thread(_run, request.app[LIBRARY], action, form, _actor(request))
    return await _render(request, class_name=shown, lines=lines, refused=refused)
