"""Fill an empty database with the demo school, in one transaction, relative to the library's clock."""
from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from core import versions
from core.catalogue import bump_catalogue_version
from core.circulation.collections import NAME_SUFFIX, class_card_no
from core.clock import school_datetime
from core.demo.bindings import bind_demo_users
from core.demo.books import BookSpec, load_real_books
from core.demo.circulation import Planner
from core.demo.people import School, demo_school
from core.demo.plan import ItemRec, LoanPlan, ReaderRec
from core.demo.rota import insert_demo_rota
from core.demo.shelving import barcode, call_number, demo_isbn, location
from core.demo.staff import add_demo_staff
from core.demo.stories import (
    demo_class_collection,
    demo_class_overdue,
    demo_family,
    random_loans,
    special_states,
    waiting_and_ready,
)
from core.demo.synthetic import synthetic_books
from core.demo.terms import DemoTerms, demo_terms
from core.demo.users import DEMO_CLASS, DEMO_USERS, DemoUser
from core.library import Library
from core.models import (
    AuditEntry,
    Charge,
    ChargeStatus,
    Guardian,
    GuardianStudent,
    InstallFact,
    Item,
    Loan,
    Reader,
    ReaderType,
    Renewal,
    Reservation,
    SchoolClass,
    Title,
)

__all__ = ["DEMO_USERS", "DemoUser", "DemoBuildError", "build_demo", "TARGET_TITLES"]

TARGET_TITLES = 2080
NEW_TITLES = (15, 25)  # real and invented titles catalogued in the last ten days, for 新书推荐
MARKER_ACTION = "demo_build"
DEMO_FACT = "demo_school"  # install_facts key: this database holds the demo school (serve --demo checks it)
SEED = 2024
NEIGHBOUR_CLASS = "三年级1班"  # its class collection moved on to the demo class (图书漂流)


class DemoBuildError(RuntimeError):
    """The database already holds a school that is not the demo; nothing was written."""


def build_demo(library: Library) -> str:
    """Fill an empty database with the demo school; a one-line Chinese summary of what is there."""
    with library.uow() as uow:
        session = uow.session
        if session.scalar(select(AuditEntry.id).where(AuditEntry.action == MARKER_ACTION).limit(1)):
            return "演示数据已存在，未做改动。"
        if holds_school_data(session):
            raise DemoBuildError("数据库里已有书目或读者，演示数据只写入空数据库。请换一个数据库文件。")
        summary = _build(session, library)
        uow.commit()
    bind_demo_users(library)
    add_demo_staff(library)
    return summary


def _build(session: Session, library: Library) -> str:
    today, now = library.today(), library.now()
    terms = demo_terms(today)
    calendar = terms.calendar(library.policy.weekend_closed)
    rng = random.Random(SEED)
    books = catalogue_books()
    items = _plan_items(books)
    school = demo_school()
    readers = {r.card_no: ReaderRec(r.card_no, r.name, r.reader_type, _grade(school, r.class_name), r.class_name)
               for r in school.readers}
    _mark_new_titles(rng, items, today)
    planner = Planner(calendar, library.policy, today, terms.current.start, items)
    _plan_circulation(planner, readers)
    corners = _class_corners(school)
    demo_class_collection(planner, corners[DEMO_CLASS], corners[NEIGHBOUR_CLASS])

    _insert_calendar(session, terms)
    title_ids = _insert_catalogue(session, books, items, today, now, rng)
    class_ids = _insert_people(session, school, readers, now)
    _insert_class_borrowers(session, corners, class_ids, now)
    insert_demo_rota(session, terms.current.start, today)  # 借阅轮流表 for every class (core/demo/rota.py)
    _insert_circulation(session, planner, title_ids, now)
    _audit_condition_notes(session, items)
    bump_catalogue_version(session)
    session.add(InstallFact(key=DEMO_FACT, value="1"))
    session.add(AuditEntry(at=now, action=MARKER_ACTION, actor="demo",
                           detail={"term": terms.current.name, "built_for": today.isoformat()}))
    session.flush()
    return _summary(session, planner, terms, today, sum(b.real for b in books))


def is_demo_school(session: Session) -> bool:
    """True when the demo builder filled this database (its install fact, or the audit marker of older builds)."""
    if session.scalar(select(InstallFact.value).where(InstallFact.key == DEMO_FACT)) == "1":
        return True
    return session.scalar(select(AuditEntry.id).where(AuditEntry.action == MARKER_ACTION).limit(1)) is not None


def holds_school_data(session: Session) -> bool:
    """True when the database has any title or reader (a real school, or a demo)."""
    return bool(session.scalar(select(Title.id).limit(1)) or session.scalar(select(Reader.id).limit(1)))


def catalogue_books() -> list[BookSpec]:
    """The real books from the TSV, then enough invented ones to reach TARGET_TITLES."""
    real = load_real_books()
    return real + synthetic_books(TARGET_TITLES - len(real), {b.title for b in real})


def _plan_items(books: Sequence[BookSpec]) -> list[ItemRec]:
    items: list[ItemRec] = []
    for number, book in enumerate(books):
        for _ in range(book.copies):
            items.append(ItemRec(len(items), book, number))
    return items


def _grade(school: School, class_name: str | None) -> int | None:
    return next((c.grade for c in school.classes if c.name == class_name), None)


def _mark_new_titles(rng: random.Random, items: list[ItemRec], today: date) -> None:
    """Some titles arrive in the last ten days; their copies cannot have been lent before that."""
    real = sorted({i.title_number for i in items if i.book.real})
    invented = sorted({i.title_number for i in items if not i.book.real})
    fresh = set(rng.sample(real, NEW_TITLES[0]) + rng.sample(invented, NEW_TITLES[1]))
    for item in items:
        if item.title_number in fresh:
            arrived = today - timedelta(days=1 + item.title_number % 10)
            item.busy.append((date.min, arrived))


def _plan_circulation(p: Planner, readers: dict[str, ReaderRec]) -> None:
    pupils = [r for r in readers.values() if r.grade is not None]
    teachers = [r for r in readers.values() if r.card_no.startswith("T")]
    seniors = [r for r in pupils if r.grade is not None and r.grade >= 6]
    demo_family(p, readers)
    demo_class_overdue(p, [r for r in pupils if r.class_name == DEMO_CLASS])
    waiting_and_ready(p, readers, seniors, teachers)
    special_states(p, pupils, teachers)
    random_loans(p, pupils, teachers)
    p.history(pupils + teachers)


def _at(day: date, rng: random.Random, now: datetime) -> datetime:
    """A plausible desk time on a school day, never later than now."""
    moment = school_datetime(day, rng.randint(8, 15), rng.choice((5, 20, 35, 50)))
    return min(moment, now - timedelta(minutes=1))


def _insert_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk INSERT … RETURNING id, in the order of rows (SQLite and PostgreSQL alike)."""
    if not rows:
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def _insert_calendar(session: Session, terms: DemoTerms) -> None:
    term_rows, day_rows = terms.rows()
    session.add_all(term_rows + day_rows)
    versions.bump(session, versions.CALENDAR)  # a Library that cached the empty calendar reloads it
    session.flush()


def _insert_catalogue(session: Session, books: list[BookSpec], items: list[ItemRec], today: date,
                      now: datetime, rng: random.Random) -> list[int]:
    """Titles and copies; returns the title ids by title number."""
    arrived = {i.title_number: i.busy[0][1] for i in items if i.busy and i.busy[0][0] == date.min}
    created = [school_datetime(arrived[n], 10) if n in arrived else _long_ago(rng, book, today)
               for n, book in enumerate(books)]
    title_ids = _insert_ids(session, Title, [
        {"isbn": demo_isbn(n), "title": b.title, "author": b.author, "publisher": b.publisher, "year": b.year,
         "clc": b.clc, "series": b.series, "summary": b.summary, "min_grade": b.min_grade,
         "max_grade": b.max_grade, "subjects": b.subjects, "created_at": min(created[n], now)}
        for n, b in enumerate(books)])
    item_ids = _insert_ids(session, Item, [
        {"barcode": barcode(i.number), "title_id": title_ids[i.title_number], "call_number": call_number(i.book),
         "location": location(i.book), "item_type": i.item_type, "price_fen": i.book.price_fen,
         "status": i.status, "created_at": min(created[i.title_number], now), "condition_note": i.condition_note}
        for i in items])
    for item, item_id in zip(items, item_ids, strict=True):
        item.id = item_id
    return title_ids


def _audit_condition_notes(session: Session, items: list[ItemRec]) -> None:
    """A copy's existing damage is noted as it is lent, audited as the desk audits it, so the return can
    say who noted it and when (desk_words.condition_line)."""
    for item in items:
        if not item.condition_note:
            continue
        lent = session.scalar(select(Loan.loaned_at).where(Loan.item_id == item.id, Loan.is_open.is_(True)))
        if lent is not None:
            session.add(AuditEntry(at=lent, action="condition_noted", actor="desk", item_id=item.id,
                                   detail={"note": item.condition_note}))


def _long_ago(rng: random.Random, book: BookSpec, today: date) -> datetime:
    """Catalogued some time between the edition's year and two weeks before the term began."""
    first = date(max(book.year, 2010), 3, 1)
    last = today - timedelta(days=120)
    span = max((last - first).days, 1)
    return school_datetime(first + timedelta(days=rng.randrange(span)), 10)


def _class_corners(school: School) -> dict[str, ReaderRec]:
    """The class borrowers (集体借阅) of the demo class and its neighbour; card numbers come once classes have ids."""
    return {name: ReaderRec(f"class:{name}", f"{name}{NAME_SUFFIX}", ReaderType.CLASS, _grade(school, name), name)
            for name in (DEMO_CLASS, NEIGHBOUR_CLASS)}


def _insert_class_borrowers(session: Session, corners: dict[str, ReaderRec], class_ids: dict[str, int],
                            now: datetime) -> None:
    """Insert each class borrower as core.circulation.collections.class_borrower would create it."""
    for name, rec in corners.items():
        rec.card_no = class_card_no(class_ids[name])
        rec.id = _insert_ids(session, Reader, [{"card_no": rec.card_no, "name": rec.name,
                                                "reader_type": ReaderType.CLASS, "class_id": class_ids[name],
                                                "created_at": now}])[0]


def _insert_people(session: Session, school: School, readers: dict[str, ReaderRec], now: datetime) -> dict[str, int]:
    class_ids = dict(zip([c.name for c in school.classes], _insert_ids(session, SchoolClass, [
        {"name": c.name, "grade": c.grade} for c in school.classes]), strict=True))
    specs = school.readers
    reader_ids = _insert_ids(session, Reader, [
        {"card_no": r.card_no, "name": r.name, "reader_type": r.reader_type,
         "class_id": class_ids.get(r.class_name or ""), "is_librarian": r.is_librarian, "phone": r.phone,
         "created_at": now} for r in specs])
    for spec, reader_id in zip(specs, reader_ids, strict=True):
        readers[spec.card_no].id = reader_id
    session.execute(update(SchoolClass), [
        {"id": class_ids[c.name], "class_teacher_id": readers[c.teacher_card].id} for c in school.classes])
    guardian_ids = _insert_ids(session, Guardian, [
        {"name": g.name, "phone": g.phone, "created_at": now} for g in school.guardians])
    session.execute(insert(GuardianStudent), [
        {"guardian_id": gid, "student_id": readers[card].id, "relation": relation}
        for g, gid in zip(school.guardians, guardian_ids, strict=True) for card, relation in g.children])
    return class_ids


def _insert_circulation(session: Session, p: Planner, title_ids: list[int], now: datetime) -> None:
    rng = random.Random(SEED + 1)
    loans = sorted(p.loans, key=lambda loan: (loan.loan_day, loan.item.number))
    loan_ids = _insert_ids(session, Loan, [_loan_row(loan, rng, now) for loan in loans])
    renewals, charges = [], []
    for loan, loan_id in zip(loans, loan_ids, strict=True):
        for renewed_on, old_due, new_due in loan.renewals:
            renewals.append({"loan_id": loan_id, "renewed_at": _at(renewed_on, rng, now), "old_due": old_due,
                             "new_due": new_due})
        for c in loan.charges:
            at = _at(c.created_day, rng, now)
            charges.append({"reader_id": loan.reader.id, "loan_id": loan_id, "item_id": loan.item.id,
                            "kind": c.kind, "amount_fen": c.amount_fen, "status": c.status, "note": c.note,
                            "created_at": at, "settled_at": at if c.status == ChargeStatus.PAID else None})
    if renewals:
        session.execute(insert(Renewal), renewals)
    for theft in p.thefts:  # charges with no loan, and the suspension that came with them
        c = theft.charge
        charges.append({"reader_id": theft.reader.id, "loan_id": None, "item_id": theft.item.id, "kind": c.kind,
                        "amount_fen": c.amount_fen, "status": c.status, "note": c.note,
                        "created_at": _at(c.created_day, rng, now), "settled_at": None})
        session.execute(update(Reader), [{"id": theft.reader.id, "suspended_until": theft.suspended_until,
                                          "suspension_reason": theft.suspension_reason}])
    if charges:
        session.execute(insert(Charge), charges)
    reservations = sorted(p.reservations, key=lambda r: r.created_day)
    if reservations:
        session.execute(insert(Reservation), [
            {"title_id": title_ids[r.title_number], "reader_id": r.reader.id,
             "created_at": _at(r.created_day, rng, now), "status": r.status,
             "item_id": r.item.id if r.item else None,
             "ready_at": _at(r.ready_day, rng, now) if r.ready_day else None, "hold_until": r.hold_until}
            for r in reservations])


def _loan_row(loan: LoanPlan, rng: random.Random, now: datetime) -> dict[str, Any]:
    loaned_at = _at(loan.loan_day, rng, now)

    def after_loan(day: date | None) -> datetime | None:
        return None if day is None else max(_at(day, rng, now), loaned_at + timedelta(minutes=5))
    return {"item_id": loan.item.id, "reader_id": loan.reader.id, "loaned_at": loaned_at,
            "due_date": loan.due_date, "returned_at": after_loan(loan.returned_day),
            "lost_at": after_loan(loan.lost_day), "renewal_count": len(loan.renewals),
            "recalled_at": after_loan(loan.recalled_day), "is_open": loan.is_open}


def _summary(session: Session, p: Planner, terms: DemoTerms, today: date, real: int) -> str:
    titles = session.scalar(select(func.count()).select_from(Title)) or 0
    items = session.scalar(select(func.count()).select_from(Item)) or 0
    readers = session.scalar(select(func.count()).select_from(Reader)) or 0
    open_loans = [loan for loan in p.loans if loan.is_open]
    overdue = sum(1 for loan in open_loans if loan.due_date < today)
    return (f"{terms.current.name}（{terms.current.start:%m月%d日}—{terms.current.end:%m月%d日}），"
            f"书目{titles}种（其中真实图书{real}种）、馆藏{items}册，读者{readers}人；"
            f"借阅记录{len(p.loans)}条，在借{len(open_loans)}册（逾期{overdue}册），预约{len(p.reservations)}条。")

