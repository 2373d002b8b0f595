"""升年级 (the yearly promotion) and leaving clearance for a whole grade.

The promotion moves every class up one grade on a chosen date: 三年级2班 becomes 四年级2班 (the class
row is renamed, so its students, class teacher and console account follow it). The top grade graduates:
9 when the school has any class above grade 6 (初中 or 九年一贯制), else 6 (小学). A graduating class is
kept under a new name, e.g. 2027届六年级2班, with grade 0 (never promoted again); its students who have
returned everything and owe nothing leave (status LEFT, audited "graduated"); the others stay active in
that class, so the desk can still take their books back and the clearance list still finds them.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.circulation.lookups import audit
from core.imports.values import GRADE_NAMES
from core.library import Library
from core.models import (
    Charge,
    ChargeStatus,
    InstallFact,
    Item,
    Loan,
    Reader,
    ReaderStatus,
    SchoolClass,
    Title,
)
from core.roster import RosterError

GRADUATED = 0  # the grade of a class that has graduated


def top_grade(grades: set[int]) -> int:
    """The grade that graduates: 9 if any class is above grade 6 (初中, 九年一贯制), else 6 (小学)."""
    return 9 if any(g > 6 for g in grades) else 6


def promoted_name(name: str, grade: int) -> str:
    """三年级2班 (grade 3) → 四年级2班; a name not in that form gets the next grade's prefix."""
    old, new = f"{GRADE_NAMES[grade - 1]}年级", f"{GRADE_NAMES[grade]}年级"
    return name.replace(old, new, 1) if name.startswith(old) else f"{new}{name}"[:40]


def graduated_name(name: str, on: date) -> str:
    """六年级2班 graduating in 2027 → 2027届六年级2班."""
    return f"{on.year}届{name}"[:40]


@dataclass(frozen=True)
class Owing:
    """A reader who still has books or charges: their open loans' titles and barcodes, and fen owed."""

    reader_id: int
    card_no: str
    name: str
    class_name: str
    books: list[tuple[str, str, date]]  # (title, barcode, due date)
    owed_fen: int


@dataclass(frozen=True)
class ClassMove:
    """One class in the plan: its name now and after, and its active readers."""

    class_id: int
    old_name: str
    new_name: str
    students: int


@dataclass(frozen=True)
class PromotionPlan:
    """What the promotion on `on` will do: moves, graduating classes, who cannot leave yet."""

    on: date
    top: int
    moves: list[ClassMove]
    graduating: list[ClassMove]
    owing: list[Owing] = field(default_factory=list)  # graduating students still with books or charges
    already: str = ""  # the date of a promotion already applied for this school year, if any

    @property
    def leaving(self) -> int:
        return sum(c.students for c in self.graduating) - len(self.owing)


def _fact_key(on: date) -> str:
    # One promotion per school year: a school year starting in autumn `on.year` (Jan–Jul → the year before).
    return f"promotion:{on.year if on.month >= 8 else on.year - 1}"


def owing_readers(session: Session, class_ids: list[int]) -> list[Owing]:
    """Active readers of these classes with open loans or open charges, by class then name."""
    if not class_ids:
        return []
    readers = {r.id: r for r in session.scalars(select(Reader).where(
        Reader.class_id.in_(class_ids), Reader.status != ReaderStatus.LEFT))}
    if not readers:
        return []
    books: dict[int, list[tuple[str, str, date]]] = defaultdict(list)
    for reader_id, title, barcode, due in session.execute(
            select(Loan.reader_id, Title.title, Item.barcode, Loan.due_date).join(Item, Item.id == Loan.item_id)
            .join(Title, Title.id == Item.title_id)
            .where(Loan.is_open.is_(True), Loan.reader_id.in_(readers)).order_by(Loan.due_date)):
        books[reader_id].append((title, barcode, due))
    owed = dict(session.execute(select(Charge.reader_id, func.sum(Charge.amount_fen)).where(
        Charge.status == ChargeStatus.OPEN, Charge.reader_id.in_(readers)).group_by(Charge.reader_id)).all())
    names = {c.id: c.name for c in session.scalars(select(SchoolClass).where(SchoolClass.id.in_(class_ids)))}
    found = [Owing(r.id, r.card_no, r.name, names.get(r.class_id or 0, ""), books.get(r.id, []),
                   int(owed.get(r.id, 0) or 0)) for r in readers.values() if r.id in books or owed.get(r.id)]
    return sorted(found, key=lambda o: (o.class_name, o.name, o.card_no))


def _plan(session: Session, on: date) -> PromotionPlan:
    classes = [c for c in session.scalars(select(SchoolClass)) if c.grade != GRADUATED]
    counts = dict(session.execute(select(Reader.class_id, func.count()).where(Reader.status != ReaderStatus.LEFT)
                                  .group_by(Reader.class_id)).all())
    top = top_grade({c.grade for c in classes})
    ordered = sorted(classes, key=lambda c: (-c.grade, c.name))
    moves = [ClassMove(c.id, c.name, promoted_name(c.name, c.grade), counts.get(c.id, 0))
             for c in ordered if 0 < c.grade < top]
    graduating = [ClassMove(c.id, c.name, graduated_name(c.name, on), counts.get(c.id, 0))
                  for c in ordered if c.grade >= top]
    fact = session.get(InstallFact, _fact_key(on))
    return PromotionPlan(on, top, moves, graduating, owing_readers(session, [c.class_id for c in graduating]),
                         fact.value if fact is not None else "")


def promotion_plan(library: Library, on: date) -> PromotionPlan:
    """The preview: every class's new name, the graduating classes and who among them still owes."""
    with library.read_uow() as uow:
        return _plan(uow.session, on)


@dataclass(frozen=True)
class PromotionDone:
    """The promotion that was applied: classes moved, classes graduated, students left, students kept."""

    on: date
    moved: int
    graduated: int
    left: int
    kept: int


def apply_promotion(library: Library, on: date, actor: str) -> PromotionDone:
    """Apply the plan in one transaction (all classes or none); RosterError when it cannot run.

    Refused when `on` is after today (preview it now, apply it on that day), when a promotion was already
    applied this school year, or when a new name is taken by a class that is not moving.
    """
    if on > library.today():
        raise RosterError(f"升年级日期 {on:%Y-%m-%d} 还没到。现在可以先预览，到那天（或之后）再来应用。", "on")
    now, by = library.now(), f"staff:{actor}"[:60]
    with library.uow() as uow:
        session = uow.session
        session.execute(select(SchoolClass.id).with_for_update())  # one promotion at a time (PostgreSQL)
        key = _fact_key(on)
        done = session.get(InstallFact, key)
        if done is not None:
            raise RosterError(f"本学年已经在 {done.value} 升过年级了，不能再升一次。", "on")
        plan = _plan(session, on)
        rows = {c.id: c for c in session.scalars(select(SchoolClass))}
        moving = {m.class_id for m in plan.moves} | {g.class_id for g in plan.graduating}
        staying = {c.name for c in rows.values() if c.id not in moving}
        for change in plan.moves + plan.graduating:
            if change.new_name in staying:
                raise RosterError(f"新班名“{change.new_name}”已经有一个班在用了。请先改掉那个班的名字。", "on")
        # Rename top grade first, so each class's new name is free when its turn comes (unique names).
        for change in plan.graduating:
            cls = rows[change.class_id]
            cls.name, cls.grade = change.new_name, GRADUATED
            session.flush()
        for change in plan.moves:  # highest grade first
            cls = rows[change.class_id]
            cls.name, cls.grade = change.new_name, cls.grade + 1
            session.flush()
        owing = {o.reader_id for o in plan.owing}
        left = 0
        for reader in session.scalars(select(Reader).where(
                Reader.class_id.in_([g.class_id for g in plan.graduating]), Reader.status != ReaderStatus.LEFT)):
            if reader.id in owing:
                continue
            reader.status = ReaderStatus.LEFT
            audit(session, now, "graduated", by, reader_id=reader.id, on=on.isoformat())
            left += 1
        session.add(InstallFact(key=key, value=on.isoformat()))
        audit(session, now, "promotion", by, on=on.isoformat(), moved=len(plan.moves),
              graduated=len(plan.graduating), left=left, kept=len(owing))
        uow.commit()
    return PromotionDone(on, len(plan.moves), len(plan.graduating), left, len(owing))


@dataclass(frozen=True)
class Clearance:
    """Leaving clearance for some classes: who still owes, and how many readers are clear."""

    classes: list[str]
    owing: list[Owing]
    readers: int

    @property
    def clear(self) -> int:
        return self.readers - len(self.owing)


def grade_clearance(library: Library, grade: int) -> Clearance:
    """毕业/转学 clearance for a whole grade (0 = graduated classes): everyone still with books or charges."""
    with library.read_uow() as uow:
        session = uow.session
        classes = sorted(session.scalars(select(SchoolClass).where(SchoolClass.grade == grade)),
                         key=lambda c: (len(c.name), c.name))
        ids = [c.id for c in classes]
        readers = session.scalar(select(func.count()).select_from(Reader).where(
            Reader.class_id.in_(ids), Reader.status != ReaderStatus.LEFT)) or 0 if ids else 0
        return Clearance([c.name for c in classes], owing_readers(session, ids), readers)
