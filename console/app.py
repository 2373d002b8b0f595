"""Mount the console on the server's aiohttp app: templates, static files, the guard and the routes."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.keys import LIBRARY, SETTINGS
from console.auth import PREFIX, console_guard
from console.calendar import routes as calendar_routes
from console.catalogue import add_catalogue
from console.class_desk import routes as class_desk_routes
from console.desk import routes as desk_routes
from console.imports import routes as imports_routes
from console.inventory import routes as inventory_routes
from console.inventory_weeding import routes as weeding_routes
from console.labels import routes as labels_routes
from console.lists import routes as list_routes
from console.notices import ROUTES as notices_routes
from console.readers import routes as readers_routes
from console.registers import routes as registers_routes
from console.reports import routes as reports_routes
from console.rota import routes as rota_routes
from console.targets import routes as targets_routes
from console.views import routes
from core.reports.charts import warm_up
from core.staff import purge_old

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("shuxiang.console")


def add_console(app: web.Application) -> None:
    """Serve /admin on `app` (same process, database and core services as the WeChat side).

    Needs app[LIBRARY] and app[SETTINGS] (set by bot.app.create_app); call before the app starts,
    after the database context is registered (its purge of old sessions runs after it).
    Templates come from console/templates, static files from console/static (/admin/static/...).
    """
    aiohttp_jinja2.setup(app, loader=jinja2.PackageLoader("console", "templates"), autoescape=True,
                         undefined=jinja2.StrictUndefined)
    app.middlewares.append(console_guard)
    app.router.add_routes(routes)
    app.router.add_routes(list_routes)
    app.router.add_routes(calendar_routes)
    app.router.add_routes(readers_routes)  # /admin/readers (issue 12: readers, classes, binding slips)
    app.router.add_routes(desk_routes)
    app.router.add_routes(rota_routes)  # /admin/rota (issue 15: the class borrowing rota)
    app.router.add_routes(class_desk_routes)  # /admin/desk-class: 集体借阅 (issue 15)
    app.router.add_routes(targets_routes)  # /admin/lists/targets and /honours (issue 15)
    app.router.add_routes(labels_routes)  # /admin/labels: spine and barcode labels, reader cards (issue 16)
    app.router.add_routes(imports_routes)  # /admin/imports (issue 16: imports in the browser)
    app.router.add_routes(notices_routes)  # /admin/notices: activities, outbox, push preferences (issue 16)
    app.router.add_routes([*weeding_routes, *inventory_routes, *registers_routes])  # issue 16: 清点, 剔旧, 登记帐
    add_catalogue(app)  # /admin/catalogue (issue 16: search, titles, copies, new books, bulk tags)
    app.router.add_routes(reports_routes)  # /admin/reports (issue 16: statistics with charts)
    app.router.add_static(f"{PREFIX}/static", STATIC, append_version=False)
    app.cleanup_ctx.append(_purge_on_start)
    app.cleanup_ctx.append(_warm_charts)


async def _warm_charts(app: web.Application) -> AsyncIterator[None]:
    # In a worker thread, not awaited: the server answers at once; the first 统计 page, usually asked
    # for minutes later, then finds matplotlib and the Chinese font loaded (issue 16, first view ≤ 3 s).
    task = asyncio.create_task(asyncio.to_thread(_warm_up))
    yield
    if not task.done():
        task.cancel()


def _warm_up() -> None:
    try:
        if not warm_up():
            log.warning("no Chinese font installed: the 统计 pages will show no charts (apt-get install fonts-noto-cjk)")
    except Exception:  # a warm-up must never take the server down; the page reports the real fault
        log.warning("warming the chart library failed", exc_info=True)


async def _purge_on_start(app: web.Application) -> AsyncIterator[None]:
    # Old sessions and throttle rows are dead weight; they are also ignored by the checks themselves.
    idle = timedelta(minutes=app[SETTINGS].console.idle_minutes)
    removed = await asyncio.to_thread(purge_old, app[LIBRARY], idle)
    log.info("console ready at %s (old sessions and failed sign-ins removed: %d)", PREFIX, removed)
    yield
