"""/admin/labels: spine labels, barcode labels and reader cards on A4 sticker sheets (librarian only).

GET /admin/labels?barcodes=B1,B2 (the catalogue links here after adding copies), ?day=YYYY-MM-DD,
?batch=ID: the selection and its preview; POST the same fields (a pasted list can be longer than a URL).
GET or POST /admin/labels/print: one printable page per A4 sheet (kind=spine|barcode, start=N, title=1).
GET /admin/labels/cards?class_id=ID: the class's reader cards. Read-only: nothing here writes.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web
from markupsafe import Markup
from multidict import MultiDictProxy

from bot.keys import LIBRARY, SETTINGS
from console.auth import PREFIX, requires
from console.params import DAY_RANGE, record_id, school_day, whole_number
from console.text import fold
from console.views import page
from core.clock import SCHOOL_TZ
from core.labels.code128 import BarcodeError, code128_svg
from core.labels.layout import CARD_LAYOUT, LayoutError, SheetLayout, place, sheet_layout
from core.labels.selection import (
    CopySelection,
    class_cards,
    copies_added_on,
    copies_by_barcodes,
    copies_of_batch,
    label_choices,
    parse_barcodes,
)
from core.staff import Area

routes = web.RouteTableDef()
T = TypeVar("T")
BASE = f"{PREFIX}/labels"
KINDS = {"spine": "书脊标签", "barcode": "条码标签"}
NOTHING = "没有可打印的复本。请先在上面输入条码，或选择入藏日期、导入批次。"


def labels_link(barcodes: list[str]) -> str:
    """The labels page for these copies (for the catalogue's "print their labels" after adding copies)."""
    return f"{BASE}?{urlencode({'barcodes': ','.join(barcodes)})}"


async def _params(request: web.Request) -> MultiDictProxy[Any]:
    """The form: the query string of a GET, the body of a POST (the guard has checked its CSRF token)."""
    return await request.post() if request.method == "POST" else request.query


async def _select(request: web.Request, params: MultiDictProxy[Any]) -> tuple[CopySelection | None, str, dict[str, str]]:
    """(the copies chosen, a Chinese error for the selection form, the fields that carry the choice on)."""
    library = request.app[LIBRARY]
    raw_barcodes = fold(str(params.get("barcodes", "")))
    raw_day, raw_batch = str(params.get("day", "")).strip(), str(params.get("batch", "")).strip()
    if raw_barcodes.strip():
        try:
            barcodes = parse_barcodes(raw_barcodes)
        except ValueError as exc:
            return None, str(exc), {}
        chosen = await asyncio.to_thread(copies_by_barcodes, library, barcodes)
        return chosen, "", {"barcodes": ",".join(c.barcode for c in chosen.copies)}  # the unknown ones are shown
    if raw_day:
        day = school_day(raw_day)
        if day is None:
            return None, f"入藏日期“{raw_day[:20]}”看不懂，请按 2026-09-01 这样填写（{DAY_RANGE}之间）。", {}
        return await asyncio.to_thread(copies_added_on, library, day), "", {"day": day.isoformat()}
    if raw_batch:
        batch = record_id(raw_batch)
        found = await asyncio.to_thread(copies_of_batch, library, batch) if batch is not None else None
        if found is None:
            return None, "没有这个导入批次。请在列表里重新选择。", {}
        return found, "", {"batch": raw_batch}
    return None, "", {}


def _start(params: MultiDictProxy[Any], layout: SheetLayout) -> tuple[int, str]:
    raw = str(params.get("start", "")).strip() or "1"
    start = whole_number(raw, 1, layout.per_sheet)
    if start is None:
        return 1, f"从第几张开始：请填 1 到 {layout.per_sheet} 之间的数。"
    return start, ""


async def _home(request: web.Request, params: MultiDictProxy[Any], chosen: CopySelection | None, error: str,
                carry: dict[str, str]) -> web.Response:
    library = request.app[LIBRARY]
    choices = await asyncio.to_thread(label_choices, library)
    return page(request, "labels/index.html", {
        "chosen": chosen, "error": error, "carry": carry, "layout": sheet_layout(request.app[SETTINGS].labels),
        "batches": choices.batches, "classes": choices.classes, "examples": choices.examples, "today": library.today(), "kinds": KINDS, "tz": SCHOOL_TZ,
        "typed": str(params.get("barcodes", "")) if request.method == "POST" else "",
        "start": str(params.get("start", "1"))}, status=400 if error else 200)


@routes.get(BASE)
@routes.post(BASE)
@requires(Area.CATALOGUE)
async def labels_home(request: web.Request) -> web.Response:
    """Choose copies (barcodes, a day, an import batch) or a class; see what will print and print it."""
    params = await _params(request)
    chosen, error, carry = await _select(request, params)
    return await _home(request, params, chosen, error, carry)


@routes.get(f"{BASE}/print")
@routes.post(f"{BASE}/print")
@requires(Area.CATALOGUE)
async def labels_print(request: web.Request) -> web.Response:
    """The sheets of spine or barcode labels for the chosen copies, ready for the browser's print dialog."""
    params = await _params(request)
    settings = request.app[SETTINGS]
    layout = sheet_layout(settings.labels)
    kind = str(params.get("kind", "barcode"))
    if kind not in KINDS:
        kind = "barcode"
    chosen, error, carry = await _select(request, params)
    start, start_error = _start(params, layout)
    if error or start_error or chosen is None:
        return await _home(request, params, chosen, error or start_error or NOTHING, carry)
    copies = [c for c in chosen.copies if c.spine] if kind == "spine" else chosen.copies
    if not copies:
        return await _home(request, params, chosen, NOTHING, carry)
    if kind == "barcode":
        labels, unprintable = _with_bars(copies, lambda c: c.barcode)
    else:
        labels, unprintable = [(c, None) for c in copies], []
    if not labels:
        return await _home(request, params, chosen, _unprintable(unprintable), carry)
    try:
        sheets = place(layout, labels, start=start)
    except LayoutError as exc:
        return await _home(request, params, chosen, str(exc), carry)
    return page(request, "labels/sheet.html", {
        "kind": kind, "kind_name": KINDS[kind], "sheets": sheets, "layout": layout, "count": len(labels),
        "school": settings.school.name, "with_title": params.get("title") == "1", "carry": carry,
        "skipped": chosen.without_call_number if kind == "spine" else [], "unknown": chosen.unknown,
        "unprintable": _unprintable(unprintable) if unprintable else ""})


def _with_bars(things: list[T], code: Callable[[T], str]) -> tuple[list[tuple[T, Markup]], list[str]]:
    """(each thing with its Code 128 SVG, the codes that cannot be drawn: spaces, Chinese): one bad barcode
    in the catalogue leaves its own label off, not the whole print."""
    drawn, refused = [], []
    for thing in things:
        try:
            drawn.append((thing, Markup(code128_svg(code(thing)))))  # our own SVG; its one text is escaped
        except BarcodeError:
            refused.append(code(thing))
    return drawn, refused


def _unprintable(codes: list[str], fix: str = "请先在编目里改正这些复本的条码。") -> str:
    return f"这些条码里有空格、汉字或其他符号，印不成条码，没有打印：{'、'.join(codes)}。{fix}" if codes else NOTHING


@routes.get(f"{BASE}/cards")
@requires(Area.CATALOGUE)
async def reader_cards(request: web.Request) -> web.Response:
    """A class's reader cards (name, class, card number as Code 128, the school), 10 to an A4 page."""
    raw = request.query.get("class_id", "")
    class_id = record_id(raw)
    found = await asyncio.to_thread(class_cards, request.app[LIBRARY], class_id) if class_id is not None else None
    if found is None:
        raise web.HTTPNotFound(text="没有这个班级。请回到标签页重新选择班级。")
    class_name, cards = found
    start, start_error = _start(request.query, CARD_LAYOUT)
    if start_error:
        raise web.HTTPBadRequest(text=start_error)
    drawn, unprintable = _with_bars(cards, lambda card: card.card_no)
    sheets = place(CARD_LAYOUT, drawn, start=start)
    return page(request, "labels/cards.html", {
        "sheets": sheets, "layout": CARD_LAYOUT, "class_name": class_name, "count": len(drawn),
        "school": request.app[SETTINGS].school.name,
        "unprintable": _unprintable(unprintable, "请先在读者和班级里改正借阅证号。") if unprintable else ""})
