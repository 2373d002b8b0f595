"""Bulk-tag titles with suitable grades and subjects: by 中图法 prefix or by a chosen list of titles."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from core.catalogue import bump_catalogue_version
from core.catalogue_admin.errors import CatalogueError
from core.circulation.lookups import audit
from core.clc import is_clc_prefix, normalise_clc
from core.imports.values import parse_subjects
from core.library import Library
from core.models import Title

MAX_SELECTED = 2000
SAMPLE = 10


@dataclass(frozen=True)
class TagTitles:
    """Which titles (`clc_prefix`, or `title_ids` when no prefix) and what to set: grades replace the
    suitable grades when `min_grade` is given; `subjects` (space-separated) are added to each title's own."""

    clc_prefix: str = ""
    title_ids: tuple[int, ...] = ()
    min_grade: int | None = None
    max_grade: int | None = None
    subjects: str = ""
    actor: str = "console"


@dataclass(frozen=True)
class TagPreview:
    """How many titles the tagging touches and the first few of them (by class number, title)."""

    count: int
    sample: list[str]


def _where(cmd: TagTitles) -> ColumnElement[bool]:
    prefix = normalise_clc(cmd.clc_prefix)
    if prefix:
        if not is_clc_prefix(prefix):
            raise CatalogueError(f"「{prefix[:20]}」不是中图法分类号，请以 A–Z 的大类字母开头，如 I287。", "clc")
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return Title.clc.like(escaped + "%", escape="\\")
    if not cmd.title_ids:
        raise CatalogueError("请勾选要标注的书，或填写中图法分类号。", "clc")
    if len(cmd.title_ids) > MAX_SELECTED:
        raise CatalogueError(f"一次最多勾选{MAX_SELECTED}种书；更多请按分类号标注。", "clc")
    return Title.id.in_(cmd.title_ids)


def _check_what(cmd: TagTitles) -> None:
    if cmd.min_grade is None and not parse_subjects(cmd.subjects):
        raise CatalogueError("请填写适读年级或主题词（至少一项）。", "grades")


def preview_tags(library: Library, cmd: TagTitles) -> TagPreview:
    """The count and a sample of the titles `cmd` would change; writes nothing."""
    where = _where(cmd)
    _check_what(cmd)
    with library.read_uow() as uow:
        count = uow.session.scalar(select(func.count()).select_from(Title).where(where)) or 0
        sample = list(uow.session.scalars(select(Title.title).where(where).order_by(Title.clc, Title.title)
                                          .limit(SAMPLE)))
    return TagPreview(count, sample)


def apply_tags(library: Library, cmd: TagTitles) -> int:
    """Tag every matching title in one transaction; returns how many titles changed. Running it twice
    changes nothing the second time (subjects are not added twice)."""
    where = _where(cmd)
    _check_what(cmd)
    words = parse_subjects(cmd.subjects).split()
    changed = 0
    with library.uow() as uow:
        for title in uow.session.scalars(select(Title).where(where)):
            before = (title.min_grade, title.max_grade, title.subjects)
            if cmd.min_grade is not None:
                title.min_grade, title.max_grade = cmd.min_grade, cmd.max_grade
            if words:
                title.subjects = parse_subjects(" ".join([*(title.subjects or "").split(), *words]))
            changed += (title.min_grade, title.max_grade, title.subjects) != before
        if changed:
            audit(uow.session, library.now(), "catalogue_tag", cmd.actor, titles=changed,
                  clc=normalise_clc(cmd.clc_prefix), grades=f"{cmd.min_grade}-{cmd.max_grade}", subjects=" ".join(words))
            bump_catalogue_version(uow.session)
            uow.commit()
    return changed
