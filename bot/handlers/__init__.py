"""One module per intent; ROUTES is the priority order the router tries (the fallback is last, in router)."""
from __future__ import annotations

from bot.handlers import account, confirm, info, loans, renew, search
from bot.handlers.base import Routes

ROUTES: tuple[Routes, ...] = (
    confirm.routes,
    account.routes,
    loans.routes,
    renew.routes,
    search.routes,
    info.routes,
)
