"""剔旧候选 at /admin/inventory/candidates (librarians): the weeding candidates and weeding a selection.

Three lists from core.weeding.weeding_candidates with its thresholds as form fields (defaults in
core.weeding.CandidateRules); ticked copies are weeded with a reason by core.inventory.weed, one
transaction, each with its 注销帐 record. Sending the form twice changes nothing more: a copy
already written off is refused and reported.
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.keys import LIBRARY
from console.auth import SESSION_KEY, requires
from console.inventory import INVENTORY, STATUS, barcodes_of, weed_lines
from console.params import whole_number
from console.views import page
from core import desk_words as words
from core.staff import Area
from core.weeding import CandidateRules, weeding_candidates

routes = web.RouteTableDef()
CANDIDATES = f"{INVENTORY}/candidates"

# field → (label, lowest, highest)
FIELDS = {"copies": ("复本数多于", 1, 100), "loans": ("借出次数不超过", 0, 1000),
          "loan_years": ("统计借出的年数", 1, 20), "idle_years": ("多少年没借出", 1, 30)}


def read_rules(values: Mapping[str, Any]) -> tuple[CandidateRules, dict[str, str]]:
    """The thresholds from the form (blank = default), with a Chinese message per field it cannot read."""
    defaults, errors, chosen = CandidateRules(), {}, {}
    for name, (label, low, high) in FIELDS.items():
        raw = values.get(name, "")
        raw = raw.strip() if isinstance(raw, str) else ""
        if not raw:
            chosen[name] = getattr(defaults, name)
        elif (number := whole_number(raw, low, high)) is not None:
            chosen[name] = number
        else:
            errors[name] = f"“{label}”请填{low}到{high}之间的整数。"
            chosen[name] = getattr(defaults, name)
    return CandidateRules(**chosen), errors


async def _render(request: web.Request, values: Mapping[str, Any], *, said: tuple[str, bool] | None = None,
                  lines: tuple[str, ...] = (), status: int = 200) -> web.Response:
    rules, errors = read_rules(values)
    found = await asyncio.to_thread(weeding_candidates, request.app[LIBRARY], rules)
    return page(request, "inventory/candidates.html", {
        "c": found, "rules": rules, "errors": errors, "said": said, "lines": lines, "candidates": CANDIDATES,
        "inventory": INVENTORY, "status_names": STATUS, "yuan": words.yuan, "fields": FIELDS},
        status=400 if errors else status)


@routes.get(CANDIDATES)
@requires(Area.INVENTORY)
async def candidates(request: web.Request) -> web.Response:
    """The three candidate lists under the thresholds in the query string."""
    return await _render(request, request.query)


@routes.post(CANDIDATES)
@requires(Area.INVENTORY)
async def weed_selected(request: web.Request) -> web.Response:
    """Weed the ticked copies (`barcode`) with `reason` (and `batch`), then show the lists again."""
    form = await request.post()
    codes = barcodes_of(form)
    reason = str(form.get("reason", "")).strip()[:100]
    batch = str(form.get("batch", "")).strip()[:100]
    if not codes or not reason:
        message = "请先勾选要注销的书。" if not codes else "请写剔除原因，例如：内容过时、破损无法修补。"
        return await _render(request, form, said=(message, True), status=400)
    actor = f"staff:{request[SESSION_KEY].staff.name}"[:60]
    lines = await asyncio.to_thread(weed_lines, request.app[LIBRARY], codes, reason, batch or "剔旧", actor)
    return await _render(request, form, said=(lines[-1], False), lines=lines[:-1])
