"""Small lookups for scenario set-up."""
from __future__ import annotations

from sqlalchemy import select

from core.library import Library
from core.models import Title


def title_id(library: Library, name: str) -> int:
    with library.uow() as uow:
        return uow.session.scalar(select(Title.id).where(Title.title == name))  # type: ignore[return-value]
