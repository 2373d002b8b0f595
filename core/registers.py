"""The registers a school keeps and inspectors ask for (pure reads; money in fen; dates are school dates).

- 分类帐 (classified_ledger): holdings by 中图法 top class on a day: titles, copies, value.
- 总括帐 (general_ledger): per year, copies added (本年增加), withdrawn (本年注销) and the balance (结存).
- 入藏 (acquisitions): copies accessioned per term, by source (采购/捐赠/…) and donor.
- 注销帐 (weeding_register): the WeedingRecords of core.inventory.weed, with their values.
- 修补登记 (repair_register): copies sent to repair (audit action "damaged", core.circulation.mark_damaged)
  and back (action "repaired", finish_repair).
- 罚赔款 (charges_register): charges raised in a period, paid, waived and open.

"On the books" (在册) means accessioned and not written off: lost copies stay on the books until they
are weeded (注销), as an asset register keeps them; a copy withdrawn without a WeedingRecord (no date
known) counts as written off in its year of accession.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clc import TOP_CLASSES
from core.clock import school_datetime, school_today
from core.inventory import WeedingRecord
from core.library import Library
from core.models import AuditEntry, Charge, ChargeKind, ChargeStatus, Item, ItemStatus, Term, Title

UNCLASSED = "?"  # no 中图法 class on the title nor a class letter in the 索书号


def clc_class(clc: str, call_number: str = "") -> str:
    """The top class letter of a 中图法 number ("I287.45" → "I"), else of the 索书号, else UNCLASSED."""
    for text in (clc, call_number):
        letter = text.strip()[:1].upper()
        if letter in TOP_CLASSES:
            return letter
    return UNCLASSED


def _end(day: date) -> datetime:
    """The UTC instant a school day ends (the next day's 00:00 school time)."""
    return school_datetime(day + timedelta(days=1))


# ------------------------------------------------------------------------------------ holdings


@dataclass(frozen=True)
class ClassLine:
    """One 中图法 class in the 分类帐: letter ("?" = unclassed), name, titles, copies, value in fen."""

    code: str
    name: str
    titles: int
    copies: int
    value_fen: int


def _weeded_at(s: Session) -> dict[int, datetime]:
    rows = s.execute(select(WeedingRecord.item_id, func.min(WeedingRecord.at)).group_by(WeedingRecord.item_id))
    return {item_id: at for item_id, at in rows}


def _on_books(s: Session, as_of: date) -> list[tuple[int, str, str, int, ItemStatus]]:
    """(title id, clc, call number, price fen, today's status) of every copy on the books at the end of `as_of`."""
    end = _end(as_of)
    weeded = _weeded_at(s)
    rows = s.execute(select(Item.id, Item.title_id, Title.clc, Item.call_number, Item.price_fen, Item.status)
                     .join(Title, Title.id == Item.title_id).where(Item.created_at < end))
    held = []
    for item_id, title_id, clc, call_number, price, status in rows:
        gone = weeded.get(item_id)
        if gone is not None and gone < end:
            continue
        if gone is None and status == ItemStatus.WITHDRAWN:
            continue
        held.append((title_id, clc, call_number, price, status))
    return held


def classified_ledger(library: Library, as_of: date) -> list[ClassLine]:
    """分类帐: copies on the books at the end of `as_of` by 中图法 top class (A–Z, then unclassed).

    Every class appears, with zeros when the library holds none of it.
    """
    with library.read_uow() as uow:
        held = _on_books(uow.session, as_of)
    titles: dict[str, set[int]] = defaultdict(set)
    copies: dict[str, int] = defaultdict(int)
    value: dict[str, int] = defaultdict(int)
    for title_id, clc, call_number, price, _status in held:
        code = clc_class(clc, call_number)
        titles[code].add(title_id)
        copies[code] += 1
        value[code] += price
    lines = [ClassLine(code, name, len(titles[code]), copies[code], value[code]) for code, name in TOP_CLASSES.items()]
    if copies[UNCLASSED]:
        lines.append(ClassLine(UNCLASSED, "未分类", len(titles[UNCLASSED]), copies[UNCLASSED], value[UNCLASSED]))
    return lines


def lost_on_books(library: Library, as_of: date) -> tuple[int, int]:
    """(copies, fen) of the lost copies still on the books at the end of `as_of` (丢失未注销).

    They are in the 分类帐 and 总括帐 totals but not in the term report's 馆藏册数 (which counts
    neither lost nor withdrawn copies): the difference between the two figures. "Lost" is the
    copy's status today.
    """
    with library.read_uow() as uow:
        held = _on_books(uow.session, as_of)
    lost = [price for *_, price, status in held if status == ItemStatus.LOST]
    return len(lost), sum(lost)


@dataclass(frozen=True)
class YearLine:
    """One year of the 总括帐: added and withdrawn in the year, the balance at its end (counts and fen)."""

    year: int
    added: int
    added_fen: int
    withdrawn: int
    withdrawn_fen: int
    balance: int
    balance_fen: int

    @property
    def opening(self) -> int:
        """上年结存: copies on the books when the year began."""
        return self.balance - self.added + self.withdrawn

    @property
    def opening_fen(self) -> int:
        """上年结存 in fen."""
        return self.balance_fen - self.added_fen + self.withdrawn_fen


def general_ledger(library: Library, as_of: date) -> list[YearLine]:
    """总括帐 up to the end of `as_of`: one line per calendar year (school time) from the first accession.

    The last line's balance equals the 分类帐 total of the same day.
    """
    end = _end(as_of)
    added: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    with library.read_uow() as uow:
        s = uow.session
        weeded = set(s.scalars(select(WeedingRecord.item_id)))
        for item_id, created, price, status in s.execute(
                select(Item.id, Item.created_at, Item.price_fen, Item.status).where(Item.created_at < end)):
            year = school_today(created).year
            added[year][0] += 1
            added[year][1] += price
            if status == ItemStatus.WITHDRAWN and item_id not in weeded:
                out[year][0] += 1
                out[year][1] += price
        for at, price in s.execute(select(WeedingRecord.at, WeedingRecord.price_fen).where(WeedingRecord.at < end)):
            year = school_today(at).year
            out[year][0] += 1
            out[year][1] += price
    years = sorted(set(added) | set(out))
    lines, balance, balance_fen = [], 0, 0
    for year in range(years[0], as_of.year + 1) if years else ():
        balance += added[year][0] - out[year][0]
        balance_fen += added[year][1] - out[year][1]
        lines.append(YearLine(year, added[year][0], added[year][1], out[year][0], out[year][1], balance, balance_fen))
    return lines


# ------------------------------------------------------------------------------------ acquisitions


@dataclass(frozen=True)
class AcquisitionLine:
    """Copies accessioned in a term from one source and donor: titles, copies, value in fen."""

    term: str
    source: str
    donor: str
    titles: int
    copies: int
    value_fen: int


BETWEEN_TERMS = "学期外"


def _term_of(day: date, terms: list[tuple[str, date, date]]) -> str:
    """The term containing `day`; a day between terms belongs to the next one (summer books are for autumn)."""
    for name, _start, end in terms:  # oldest first: the first term not over by `day`
        if day <= end:
            return name
    return BETWEEN_TERMS


def acquisitions(library: Library, start: date, end: date) -> list[AcquisitionLine]:
    """入藏: copies accessioned from `start` to `end` (inclusive school dates), per term, source and donor.

    A copy accessioned between two terms counts in the next term; after the last term, in "学期外".
    A blank source reads "未登记".
    """
    with library.read_uow() as uow:
        s = uow.session
        terms = [(t.name, t.start_date, t.end_date)
                 for t in s.scalars(select(Term).order_by(Term.start_date))]
        rows = s.execute(select(Item.created_at, Item.source, Item.donor, Item.title_id, Item.price_fen)
                         .where(Item.created_at >= school_datetime(start), Item.created_at < _end(end)))
        titles: dict[tuple[str, str, str], set[int]] = defaultdict(set)
        totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        for created, source, donor, title_id, price in rows:
            key = (_term_of(school_today(created), terms), source or "未登记", donor or "")
            titles[key].add(title_id)
            totals[key][0] += 1
            totals[key][1] += price
    order = {name: i for i, (name, _, _) in enumerate(terms)}
    keys = sorted(totals, key=lambda k: (order.get(k[0], len(order)), k[1], k[2]))
    return [AcquisitionLine(*k, len(titles[k]), *totals[k]) for k in keys]


# ------------------------------------------------------------------------------------ weeding, repair


@dataclass(frozen=True)
class WeedingLine:
    """One copy written off: school date, batch, barcode, title, 索书号, value (fen), status before, reason."""

    day: date
    batch: str
    barcode: str
    title: str
    call_number: str
    price_fen: int
    previous_status: str
    reason: str


def weeding_register(library: Library, start: date, end: date) -> list[WeedingLine]:
    """注销帐: the copies weeded from `start` to `end` (inclusive school dates), oldest first."""
    with library.read_uow() as uow:
        rows = uow.session.scalars(select(WeedingRecord).where(WeedingRecord.at >= school_datetime(start),
                                                               WeedingRecord.at < _end(end))
                                   .order_by(WeedingRecord.at, WeedingRecord.id))
        return [WeedingLine(school_today(r.at), r.batch, r.barcode, r.title, r.call_number, r.price_fen,
                            r.previous_status, r.reason) for r in rows]


@dataclass(frozen=True)
class RepairLine:
    """A copy sent to repair on `sent` (school date) with its note and fee (fen); `back` None = still out."""

    sent: date
    barcode: str
    title: str
    note: str
    fee_fen: int
    back: date | None


def repair_register(library: Library, start: date, end: date) -> list[RepairLine]:
    """修补登记: copies sent to repair from `start` to `end` (inclusive), each with the day it came back.

    Built from the audit log ("damaged" → "repaired" of the same copy), oldest first.
    """
    first, last = school_datetime(start), _end(end)
    with library.read_uow() as uow:
        # Every "damaged" and "repaired" (a return after `end` still closes a repair sent within it).
        rows = uow.session.execute(select(AuditEntry.at, AuditEntry.action, AuditEntry.item_id, AuditEntry.detail,
                                          Item.barcode, Title.title)
                                   .join(Item, Item.id == AuditEntry.item_id).join(Title, Title.id == Item.title_id)
                                   .where(AuditEntry.action.in_(("damaged", "repaired")))
                                   .order_by(AuditEntry.at, AuditEntry.id)).all()
    open_repairs: dict[int, int] = {}  # item id → its line while in repair
    lines: list[list[object]] = []
    for at, action, item_id, detail, barcode, title in rows:
        if action == "damaged":
            fee = str((detail or {}).get("repair_fee_fen", "0"))
            open_repairs[item_id] = len(lines)
            lines.append([school_today(at), barcode, title, str((detail or {}).get("note", "")),
                          int(fee) if fee.isdigit() else 0, None, first <= at < last])
        elif item_id in open_repairs:
            lines[open_repairs.pop(item_id)][5] = school_today(at)
    return [RepairLine(*line[:6]) for line in lines if line[6]]  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ charges

CHARGE_KINDS = {ChargeKind.OVERDUE: "逾期", ChargeKind.LOST: "丢失赔偿", ChargeKind.DAMAGE: "损坏修补",
                ChargeKind.THEFT: "偷窃赔偿"}
CHARGE_STATUSES = {ChargeStatus.PAID: "已缴", ChargeStatus.WAIVED: "已免除", ChargeStatus.OPEN: "未缴"}


@dataclass(frozen=True)
class ChargeLine:
    """One charge: raised (school date), kind and status labels, amount in fen, settled (school date), note."""

    raised: date
    kind: str
    amount_fen: int
    status: str
    settled: date | None
    note: str


@dataclass
class ChargesRegister:
    """Charges raised in a period: per status (label → [count, fen]), per kind, and each charge."""

    by_status: dict[str, list[int]] = field(default_factory=dict)
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    lines: list[ChargeLine] = field(default_factory=list)


def charges_register(library: Library, start: date, end: date) -> ChargesRegister:
    """罚赔款: charges raised from `start` to `end` (inclusive school dates), with their state today.

    No reader names: the register is about money; the desk and the lists name the readers.
    """
    found = ChargesRegister(by_status={label: [0, 0] for label in CHARGE_STATUSES.values()},
                            by_kind={label: [0, 0] for label in CHARGE_KINDS.values()})
    with library.read_uow() as uow:
        for c in uow.session.scalars(select(Charge).where(Charge.created_at >= school_datetime(start),
                                                          Charge.created_at < _end(end))
                                     .order_by(Charge.created_at, Charge.id)):
            status, kind = CHARGE_STATUSES[c.status], CHARGE_KINDS[c.kind]
            found.by_status[status][0] += 1
            found.by_status[status][1] += c.amount_fen
            found.by_kind[kind][0] += 1
            found.by_kind[kind][1] += c.amount_fen
            found.lines.append(ChargeLine(school_today(c.created_at), kind, c.amount_fen, status,
                                          school_today(c.settled_at) if c.settled_at else None, c.note))
    return found


def term_names(library: Library) -> list[tuple[str, date, date]]:
    """(name, first day, last day) of every term, oldest first: the registers' period choices."""
    with library.read_uow() as uow:
        return [(t.name, t.start_date, t.end_date) for t in uow.session.scalars(select(Term).order_by(Term.start_date))]


@dataclass(frozen=True)
class RegisterPeriod:
    """The period a register page shows: inclusive school dates and the day the ledgers are taken on."""

    label: str
    start: date
    end: date

    def as_of(self, today: date) -> date:
        """The ledgers' day: the period's last day, or today while the period is still running."""
        return min(self.end, today)


def register_period(library: Library, *, term: str = "", start: date | None = None,
                    end: date | None = None) -> RegisterPeriod:
    """A from–to range (either end may be left out), else the named term, else the current term up to
    its end, else (no term set up) this calendar year. Raises LookupError for an unknown term name."""
    today = library.today()
    terms = term_names(library)
    if start is not None or end is not None:
        first = start or date(today.year, 1, 1)
        last = end or today
        return RegisterPeriod(f"{first.isoformat()} 至 {last.isoformat()}", first, last)
    if term:
        for name, first, last in terms:
            if name == term:
                return RegisterPeriod(name, first, last)
        raise LookupError(f"没有学期“{term}”")
    started = [t for t in terms if t[1] <= today]
    if started:
        name, first, last = started[-1]
        return RegisterPeriod(name, first, last)
    return RegisterPeriod(f"{today.year}年", date(today.year, 1, 1), date(today.year, 12, 31))
