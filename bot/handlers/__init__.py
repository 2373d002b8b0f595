"""One module per intent; ROUTES is the priority order the router tries (the fallback is last, in router)."""
from __future__ import annotations

from bot.handlers import (
    account,
    books,
    cards,
    classes,
    codes,
    confirm,
    desk,
    info,
    loans,
    notices,
    payments,
    readers,
    renew,
    reserve,
    rota,
    search,
)
from bot.handlers.base import Routes

ROUTES: tuple[Routes, ...] = (
    confirm.routes,
    account.routes,
    codes.routes,
    desk.routes,
    payments.routes,
    readers.routes,
    loans.routes,
    renew.routes,
    reserve.routes,
    classes.routes,
    rota.routes,
    cards.routes,
    search.routes,
    books.routes,
    notices.routes,
    info.routes,
)
