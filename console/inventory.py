"""期末清点 at /admin/inventory: start a stock-take, scan shelves into it, close it, weed the missing.

The scan page works like the desk (console/desk.py): one scan box, Enter posts, htmx swaps the
`#stocktake` part in place and console/static/desk.js refocuses the box and beeps on a refusal.
Starting, closing and weeding need Area.INVENTORY (librarians); the scan page of an OPEN stock-take
needs Area.INVENTORY_SCAN (helpers too). A helper gets 403 on a closed stock-take and on every form
that changes more than a scan. The weeding candidates list is console/inventory_weeding.py.
"""
from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import PREFIX, SESSION_KEY, forbidden, redirect, requires
from console.params import path_id
from console.text import fold_code
from console.views import page
from core import desk_words as words
from core.clock import school_today
from core.inventory import (
    InventoryClosed,
    ScanVerdict,
    StockTake,
    close_inventory,
    inventory_state,
    inventory_summary,
    list_inventories,
    scan_one,
    shelf_locations,
    start_stock_take,
    weed,
)
from core.library import Library
from core.staff import Area, may

routes = web.RouteTableDef()
INVENTORY = f"{PREFIX}/inventory"
MAX_CODE = 64
SHOWN = 200  # rows of the missing list on the page: the counts are always complete
STATUS = {"available": "在架", "held": "预约架", "on_loan": "借出", "in_repair": "修补中", "lost": "丢失",
          "withdrawn": "已注销"}


def _text(form: Any, name: str, limit: int = 100) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _actor(request: web.Request) -> str:
    return f"staff:{request[SESSION_KEY].staff.name}"[:60]


def _is_librarian(request: web.Request) -> bool:
    return may(request[SESSION_KEY].staff.role, Area.INVENTORY)


def said_for(verdict: ScanVerdict) -> tuple[str, bool]:
    """The answer beside the scan box: (text, refused?) — misplaced and unexpected copies are loud."""
    book = f"《{verdict.title}》" if verdict.title else ""
    if verdict.kind == "repeated":
        return f"{verdict.barcode} 已经扫过了，不用再扫。", False
    if verdict.kind == "unexpected":
        return f"✗ {verdict.barcode}{book}：{verdict.why}。请把书拿出来交给图书管理员。", True
    if verdict.kind == "misplaced":
        return f"✗ {verdict.barcode}{book}放错架了：应在{verdict.where or '未登记位置'}。请放回原处。", True
    return f"✓ {verdict.barcode}{book}在架。请扫下一本。", False


# ------------------------------------------------------------------------------ the list and starting


async def _index(request: web.Request, *, error: str = "", name: str = "", location: str = "",
                 status: int = 200) -> web.Response:
    library = request.app[LIBRARY]
    found, locations = await asyncio.to_thread(lambda: (list_inventories(library), shelf_locations(library)))
    return page(request, "inventory/index.html", {
        "sessions": found, "locations": locations, "error": error, "name": name, "location": location,
        "today": library.today(), "inventory": INVENTORY, "day": school_today}, status=status)


@routes.get(INVENTORY)
@requires(Area.INVENTORY)
async def index(request: web.Request) -> web.Response:
    """The stock-takes, newest first, and the form to start one."""
    return await _index(request)


@routes.post(INVENTORY)
@requires(Area.INVENTORY)
async def start(request: web.Request) -> web.Response:
    """Start a stock-take (`name`, `location` prefix or blank for the whole library), then go scan."""
    form = await request.post()
    name, location = _text(form, "name"), _text(form, "location")
    if not name:
        return await _index(request, error="请给这次清点起个名字，例如“2026秋期末清点”。", location=location, status=400)
    number, _ = await asyncio.to_thread(start_stock_take, request.app[LIBRARY], name, location)
    return redirect(f"{INVENTORY}/{number}")


@routes.get(f"{INVENTORY}/open")
@requires(Area.INVENTORY_SCAN)
async def open_list(request: web.Request) -> web.Response:
    """The open stock-takes a helper may scan into."""
    library = request.app[LIBRARY]
    found = await asyncio.to_thread(list_inventories, library, open_only=True)
    return page(request, "inventory/open.html", {"sessions": found, "inventory": INVENTORY})


# ------------------------------------------------------------------------------ one stock-take


def _number(request: web.Request) -> int:
    return path_id(request, "number", "没有这次清点。")


async def _state(request: web.Request, number: int) -> tuple[Any, StockTake]:
    try:
        return await asyncio.to_thread(inventory_state, request.app[LIBRARY], number, missing_limit=SHOWN)
    except LookupError:
        raise web.HTTPNotFound(text="没有这次清点。") from None


def _render(request: web.Request, summary: Any, result: StockTake, *, said: tuple[str, bool] | None = None,
            shelf: str = "", lines: tuple[str, ...] = (), locations: list[str] | None = None,
            status: int = 200) -> web.Response:
    context = {"s": summary, "r": result, "said": said, "shelf": shelf, "lines": lines,
               "librarian": _is_librarian(request), "inventory": INVENTORY, "shown": SHOWN,
               "status_names": STATUS, "day": school_today, "locations": locations or [], "yuan": words.yuan}
    partial = request.headers.get("HX-Request") == "true"
    return page(request, "inventory/panel.html" if partial else "inventory/page.html", context, status=status)


def _closed_for_helper(request: web.Request, summary: Any) -> None:
    if not summary.is_open and not _is_librarian(request):
        raise forbidden(f"<p>这次清点已经结束，不能再扫描。<a href=\"{INVENTORY}/open\">看看正在进行的清点</a></p>")


@routes.get(INVENTORY + r"/{number:[0-9]+}")
@requires(Area.INVENTORY_SCAN)
async def stock_take_page(request: web.Request) -> web.Response:
    """The scan page (open) or the result (closed; librarians only), with the counts and the lists."""
    summary, result = await _state(request, _number(request))
    _closed_for_helper(request, summary)
    locations = await asyncio.to_thread(shelf_locations, request.app[LIBRARY])
    return _render(request, summary, result, shelf=fold_code(request.query.get("shelf", ""))[:100],
                   locations=locations)


@routes.post(INVENTORY + r"/{number:[0-9]+}/scan")
@requires(Area.INVENTORY_SCAN)
async def scan(request: web.Request) -> web.Response:
    """One scanned barcode (`scan`) found on the current shelf (`shelf`, optional)."""
    number, form = _number(request), await request.post()
    library = request.app[LIBRARY]
    code, shelf = fold_code(_text(form, "scan", 4 * MAX_CODE)), _text(form, "shelf")
    if not code or len(code) > MAX_CODE or any(c.isspace() for c in code):
        summary, result = await _state(request, number)
        _closed_for_helper(request, summary)
        message = "请扫书的条码。" if not code else "条码看不懂（太长或含空格），请重新扫描。"
        return _render(request, summary, result, said=(message, True), shelf=shelf, status=400)
    try:
        verdict, result = await asyncio.to_thread(scan_one, library, number, code, shelf, missing_limit=SHOWN)
    except InventoryClosed:
        summary, result = await _state(request, number)
        _closed_for_helper(request, summary)
        return _render(request, summary, result, said=("这次清点已经结束，不能再扫描。", True), shelf=shelf,
                       status=409)
    except LookupError:
        raise web.HTTPNotFound(text="没有这次清点。") from None
    summary = await asyncio.to_thread(inventory_summary, library, number)
    return _render(request, summary, result, said=said_for(verdict), shelf=shelf)


@routes.post(INVENTORY + r"/{number:[0-9]+}/close")
@requires(Area.INVENTORY)
async def close(request: web.Request) -> web.Response:
    """End the stock-take once `confirm` is ticked (no more scans after it); the result stays readable here."""
    number, form = _number(request), await request.post()
    if form.get("confirm") != "yes":  # the checkbox is `required`, but a form may come without the browser's check
        summary, result = await _state(request, number)
        if summary.is_open:
            return _render(request, summary, result, said=(CLOSE_UNCONFIRMED, True), status=400)
    try:
        await asyncio.to_thread(close_inventory, request.app[LIBRARY], number)
    except LookupError:
        raise web.HTTPNotFound(text="没有这次清点。") from None
    return redirect(f"{INVENTORY}/{number}")


def barcodes_of(form: Any) -> list[str]:
    """The ticked copies (`barcode`, repeated) and any typed or pasted ones (`more`, one a line)."""
    ticked = [fold_code(v) for v in form.getall("barcode", []) if isinstance(v, str)]
    more = form.get("more", "")
    typed = [fold_code(v) for v in more.split()] if isinstance(more, str) else []
    return list(dict.fromkeys(code for code in ticked + typed if code and len(code) <= MAX_CODE))


def weed_lines(library: Library, codes: list[str], reason: str, batch: str, actor: str) -> tuple[str, ...]:
    """Weed the copies in one transaction and say what happened, one line per copy and a total."""
    done = weed(library, codes, reason, batch=batch, actor=actor)
    lines = [f"✓ 注销 {c.barcode}《{c.title}》" for c in done.withdrawn]
    lines += [f"✗ {code}：{words.refusal('withdraw', exc)}" for code, exc in done.refused]
    lines.append(f"共注销{len(done.withdrawn)}本" + (f"，{len(done.refused)}本未处理" if done.refused else "") + "。")
    return tuple(lines)


CLOSE_UNCONFIRMED = "还没结束：请先勾选“扫描已经完成”，再按“结束清点”（结束后不能再扫描）。"
WEED_NO_REASON = "请写剔除原因，例如：清点缺失，确认丢失。"
WEED_NONE = "请先勾选要注销的书。"


@routes.post(INVENTORY + r"/{number:[0-9]+}/weed")
@requires(Area.INVENTORY)
async def weed_missing(request: web.Request) -> web.Response:
    """Weed the ticked copies of the missing list with a reason (each gets a 注销帐 record)."""
    number, form = _number(request), await request.post()
    codes, reason, batch = barcodes_of(form), _text(form, "reason"), _text(form, "batch")
    summary, result = await _state(request, number)
    if not codes or not reason:
        return _render(request, summary, result, said=(WEED_NONE if not codes else WEED_NO_REASON, True),
                       status=400)
    library = request.app[LIBRARY]
    lines = await asyncio.to_thread(weed_lines, library, codes, reason, batch or summary.name, _actor(request))
    summary, result = await _state(request, number)
    return _render(request, summary, result, said=(lines[-1], False), lines=lines[:-1])
