"""Small lookups for scenario set-up."""
from __future__ import annotations

from sqlalchemy import select

from core.library import Library
from core.models import Reader, SchoolClass, Title


def title_id(library: Library, name: str) -> int:
    with library.uow() as uow:
        return uow.session.scalar(select(Title.id).where(Title.title == name))  # type: ignore[return-value]


def describe(library: Library, name: str, *, summary: str = "", grades: tuple[int, int] | None = None,
             subjects: str = "") -> None:
    """Give a title its one-line introduction, grades and topics (the factory leaves them empty)."""
    with library.uow() as uow:
        title = uow.session.scalar(select(Title).where(Title.title == name))
        assert title is not None
        title.summary, title.subjects = summary, subjects
        if grades is not None:
            title.min_grade, title.max_grade = grades
        uow.commit()


def make_librarian(library: Library, card_no: str) -> None:
    with library.uow() as uow:
        reader = uow.session.scalar(select(Reader).where(Reader.card_no == card_no))
        assert reader is not None
        reader.is_librarian = True
        uow.commit()


def make_class_teacher(library: Library, card_no: str, class_name: str) -> None:
    with library.uow() as uow:
        session = uow.session
        cls = session.scalar(select(SchoolClass).where(SchoolClass.name == class_name))
        assert cls is not None
        cls.class_teacher_id = session.scalar(select(Reader.id).where(Reader.card_no == card_no))
        uow.commit()
