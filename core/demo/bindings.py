"""Bind the demo WeChat users to their readers, so the simulator works without binding codes."""
from __future__ import annotations

from sqlalchemy import select

from core import accounts
from core.demo.users import DEMO_USERS
from core.library import Library
from core.models import Guardian, Reader


def bind_demo_users(library: Library) -> int:
    """Bind every demo user that has a card or guardian (idempotent); returns how many are bound."""
    bound = 0
    for user in DEMO_USERS:
        if not user.ref:
            continue  # demo-stranger stays unbound on purpose
        with library.read_uow() as uow:
            if user.ref.startswith("guardian:"):
                phone = user.ref.removeprefix("guardian:")
                guardian_id = uow.session.scalar(select(Guardian.id).where(Guardian.phone == phone))
                reader_id = None
            else:
                reader_id = uow.session.scalar(select(Reader.id).where(Reader.card_no == user.ref))
                guardian_id = None
        if reader_id is None and guardian_id is None:
            continue
        accounts.bind_directly(library, user.openid, reader_id=reader_id, guardian_id=guardian_id)
        bound += 1
    return bound
