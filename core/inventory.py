"""期末清点 and 剔除: scan the shelves, find missing, misplaced and unexpected copies; withdraw with a record."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, and_, exists, func, insert, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from core.catalogue import bump_catalogue_version
from core.circulation.lookups import normalise_barcode
from core.errors import Reason, Refused
from core.library import Library
from core.locks import transaction_lock
from core.models import AuditEntry, Base, Item, ItemStatus, Loan, Title, UTCDateTime

ON_SHELF = (ItemStatus.AVAILABLE, ItemStatus.HELD)  # copies the shelves (or the hold shelf) should have


class InventorySession(Base):
    """One stock-take, of the whole library or of the locations starting with `location`."""

    __tablename__ = "inventory_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    location: Mapped[str] = mapped_column(String(100), default="")  # "" = every location
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InventoryScan(Base):
    """A barcode seen on a shelf during a stock-take (scanning it twice keeps the first)."""

    __tablename__ = "inventory_scans"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("inventory_sessions.id"))
    barcode: Mapped[str] = mapped_column(String(40))
    shelf: Mapped[str] = mapped_column(String(100), default="")  # where it was found ("" = not said)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("session_id", "barcode", name="uq_inventory_scans_session_barcode"),)


class WeedingRecord(Base):
    """剔除/注销: a copy withdrawn from the collection, with what it was and why (for the asset register)."""

    __tablename__ = "weeding_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    barcode: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    call_number: Mapped[str] = mapped_column(String(60), default="")
    price_fen: Mapped[int] = mapped_column(Integer, default=0)
    previous_status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(100))
    batch: Mapped[str] = mapped_column(String(100), default="")
    actor: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class CopyLine:
    barcode: str
    title: str
    call_number: str
    location: str
    status: str


@dataclass
class StockTake:
    """The result of comparing what was scanned with what the catalogue says should be there."""

    session_id: int
    name: str
    expected: int = 0
    scanned: int = 0
    found: int = 0
    missing: list[CopyLine] = field(default_factory=list)
    misplaced: list[tuple[CopyLine, str]] = field(default_factory=list)  # (copy, shelf it was found on)
    unexpected: list[tuple[str, str, str]] = field(default_factory=list)  # (barcode, title, why)
    missing_total: int = 0  # every missing copy, also when `missing` was cut short


def start_inventory(library: Library, name: str, location: str = "", *, session: Session | None = None) -> int:
    """Open a stock-take; returns its id.

    With `session`, the stock-take is added in that (caller's) transaction and not committed here.
    """
    if session is not None:
        inv = InventorySession(name=name, location=location.strip(), started_at=library.now())
        session.add(inv)
        session.flush()
        return inv.id
    with library.uow() as uow:
        number = start_inventory(library, name, location, session=uow.session)
        uow.commit()
        return number


def start_stock_take(library: Library, name: str, location: str = "") -> tuple[int, bool]:
    """Open a stock-take unless one with this name and scope is open already (a form sent twice).

    Returns (id, True if it was started now). `location` is a prefix of the copies' locations
    ("二楼" covers 二楼A架 and 二楼B架); "" is the whole library.
    """
    name, location = name.strip()[:100], location.strip()[:100]
    with library.uow() as uow:
        # Look and open in one locked transaction: two submits arriving together would otherwise both
        # find none and both open one (SQLite: BEGIN IMMEDIATE already serialises writers).
        transaction_lock(uow.session, "inventory:start")
        found = uow.session.scalar(select(InventorySession.id).where(
            InventorySession.name == name, InventorySession.location == location,
            InventorySession.closed_at.is_(None)))
        if found is not None:
            return found, False
        number = start_inventory(library, name, location, session=uow.session)
        uow.commit()
        return number, True


class InventoryClosed(LookupError):
    """The stock-take is closed: it takes no more scans (its result stays readable)."""


def record_scans(library: Library, session_id: int, barcodes: Iterable[str], shelf: str = "") -> tuple[int, int]:
    """Store scanned barcodes (blank lines ignored); returns (new, already scanned).

    Raises LookupError for an unknown stock-take and InventoryClosed for a closed one.
    """
    with library.uow() as uow:
        s = uow.session
        inv = s.get(InventorySession, session_id, with_for_update=True)
        if inv is None:
            raise LookupError(f"没有第{session_id}次清点")
        if inv.closed_at is not None:
            raise InventoryClosed(f"第{session_id}次清点“{inv.name}”已结束，不能再扫描")
        codes = [code[:40] for code in (normalise_barcode(raw) for raw in barcodes) if code]
        seen: set[str] = set()
        for i in range(0, len(codes), 500):  # only these codes: a scan need not load the 30,000 before it
            seen.update(s.scalars(select(InventoryScan.barcode).where(InventoryScan.session_id == session_id,
                                                                      InventoryScan.barcode.in_(codes[i:i + 500]))))
        rows, repeated, now = [], 0, library.now()
        for barcode in codes:
            if barcode in seen:
                repeated += 1
                continue
            seen.add(barcode)
            rows.append({"session_id": session_id, "barcode": barcode, "shelf": shelf.strip(),
                         "scanned_at": now})
        if rows:
            s.execute(insert(InventoryScan), rows)
        uow.commit()
        return len(rows), repeated


def close_inventory(library: Library, session_id: int) -> bool:
    """End a stock-take: it takes no more scans; its result stays readable.

    Returns True if this call closed it, False if it was already closed (a second click changes
    nothing). Raises LookupError for an unknown stock-take.
    """
    with library.uow() as uow:
        inv = uow.session.get(InventorySession, session_id, with_for_update=True)
        if inv is None:
            raise LookupError(f"没有第{session_id}次清点")
        if inv.closed_at is not None:
            return False
        inv.closed_at = library.now()
        uow.commit()
        return True


@dataclass(frozen=True)
class InventorySummary:
    """One stock-take in the list: times are UTC instants; `scanned` counts distinct barcodes."""

    id: int
    name: str
    location: str
    started_at: datetime
    closed_at: datetime | None
    scanned: int

    @property
    def is_open(self) -> bool:
        """Whether it still takes scans."""
        return self.closed_at is None


def list_inventories(library: Library, *, open_only: bool = False) -> list[InventorySummary]:
    """The stock-takes, newest first (only the open ones with `open_only`)."""
    with library.read_uow() as uow:
        counts = (select(InventoryScan.session_id, func.count().label("n"))
                  .group_by(InventoryScan.session_id).subquery())
        query = (select(InventorySession, func.coalesce(counts.c.n, 0))
                 .outerjoin(counts, counts.c.session_id == InventorySession.id)
                 .order_by(InventorySession.id.desc()))
        if open_only:
            query = query.where(InventorySession.closed_at.is_(None))
        return [InventorySummary(inv.id, inv.name, inv.location, inv.started_at, inv.closed_at, int(n))
                for inv, n in uow.session.execute(query)]


def inventory_summary(library: Library, session_id: int) -> InventorySummary:
    """One stock-take's header; raises LookupError when there is none with this id."""
    for found in list_inventories(library):
        if found.id == session_id:
            return found
    raise LookupError(f"没有第{session_id}次清点")


@dataclass(frozen=True)
class ScanVerdict:
    """What one scan found: kind is found | misplaced | unexpected | repeated.

    `where` is the copy's own location (misplaced) and `why` the reason it should not be on a shelf.
    """

    barcode: str
    kind: str
    title: str = ""
    where: str = ""
    why: str = ""


def scan_one(library: Library, session_id: int, barcode: str, shelf: str = "", *,
             missing_limit: int | None = None) -> tuple[ScanVerdict, StockTake]:
    """Record one scanned barcode and return what it was, with the stock-take as it now stands.

    Raises LookupError (unknown stock-take) and InventoryClosed (closed) before writing anything.
    """
    code = normalise_barcode(barcode)
    new, _ = record_scans(library, session_id, [code], shelf)
    result = stock_take(library, session_id, missing_limit=missing_limit)
    if not new:
        return ScanVerdict(code, "repeated"), result
    for found, title, why in result.unexpected:
        if found == code:
            return ScanVerdict(code, "unexpected", title, why=why), result
    for copy, _where in result.misplaced:
        if copy.barcode == code:
            return ScanVerdict(code, "misplaced", copy.title, where=copy.location), result
    with library.read_uow() as uow:
        title = uow.session.scalar(select(Title.title).join(Item, Item.title_id == Title.id)
                                   .where(Item.barcode == code)) or ""
    return ScanVerdict(code, "found", title), result


def _in_scope(location: str, scope: str) -> bool:
    return not scope or location == scope or location.startswith(scope)


def _was_on_shelf(inv: InventorySession) -> ColumnElement[bool]:
    """Whether a copy belongs on the shelf for this stock-take, judged as at its start (or its close).

    A copy on the shelf now; or one weeded since the stock-take began that was on the shelf then (its
    result must not change when the missing copies are written off); or, once closed, one lent since
    the close. So a closed stock-take's figures stay those it closed with.
    """
    on_shelf = tuple(status.value for status in ON_SHELF)
    weeded_since = and_(Item.status == ItemStatus.WITHDRAWN, exists().where(
        WeedingRecord.item_id == Item.id, WeedingRecord.at >= inv.started_at,
        WeedingRecord.previous_status.in_(on_shelf)))
    shelved = or_(Item.status.in_(ON_SHELF), weeded_since)
    if inv.closed_at is None:
        return shelved
    lent_since = and_(Item.status == ItemStatus.ON_LOAN, exists().where(
        Loan.item_id == Item.id, Loan.is_open.is_(True), Loan.loaned_at >= inv.closed_at))
    return or_(shelved, lent_since)


def stock_take(library: Library, session_id: int, *, missing_limit: int | None = None) -> StockTake:
    """Missing (should be on the shelf, not scanned), misplaced (found on another shelf), unexpected.

    Expected are the in-scope copies that belong on the shelf (see _was_on_shelf: copies weeded since
    the start, or lent since the close, still count, so the result does not drift after the fact; a
    weeded one stays in `missing` with status "withdrawn"). Misplaced: a copy that belongs on a shelf,
    scanned on another shelf than its own, also when its own shelf is outside the scope (a blank shelf
    then means "somewhere in the scope"). Unexpected: unknown barcodes and copies that should not be
    on any shelf (on loan, lost, withdrawn, in repair), and out-of-scope copies scanned on their own shelf.

    Counted in the database, so a scan into a whole-library stock-take stays quick on a large
    collection: `missing` holds at most `missing_limit` copies (by location, 索书号, barcode; None =
    all) while `missing_total` counts them all. Raises LookupError for an unknown stock-take.
    """
    with library.read_uow() as uow:
        s = uow.session
        inv = s.get(InventorySession, session_id)
        if inv is None:
            raise LookupError(f"没有第{session_id}次清点")
        name, scope = inv.name, inv.location
        in_scope = Item.location.startswith(scope, autoescape=True)
        belongs = _was_on_shelf(inv)
        expected_q = and_(in_scope, belongs)
        scan = InventoryScan
        scanned_here = exists().where(scan.session_id == session_id, scan.barcode == Item.barcode)
        result = StockTake(session_id, name)
        result.scanned = s.scalar(select(func.count()).select_from(scan).where(scan.session_id == session_id)) or 0
        result.expected = s.scalar(select(func.count()).select_from(Item).where(expected_q)) or 0
        result.missing_total = s.scalar(select(func.count()).select_from(Item)
                                        .where(expected_q, ~scanned_here)) or 0
        missing = (select(Item.barcode, Title.title, Item.call_number, Item.location, Item.status)
                   .join(Title, Title.id == Item.title_id).where(expected_q, ~scanned_here)
                   .order_by(Item.location, Item.call_number, Item.barcode))
        if missing_limit is not None:
            missing = missing.limit(missing_limit)
        result.missing = [CopyLine(b, t, cn, loc, st.value) for b, t, cn, loc, st in s.execute(missing)]
        # A copy that belongs on a shelf, found on one not its own: on a named shelf other than its
        # location, or (its shelf outside the scope) anywhere in this stock-take's scope.
        misplaced_q = and_(belongs, or_(and_(in_scope, scan.shelf != "", scan.shelf != Item.location),
                                        and_(~in_scope, scan.shelf != Item.location)))
        # Scans of copies that should not be on a shelf: unknown, not on the books, or out of scope
        # and found on their own shelf (scanned outside this stock-take's range).
        odd = (select(scan.barcode, Title.title, Item.call_number, Item.location, Item.status)
               .outerjoin(Item, Item.barcode == scan.barcode).outerjoin(Title, Title.id == Item.title_id)
               .where(scan.session_id == session_id,
                      or_(Item.id.is_(None), ~belongs, and_(~in_scope, scan.shelf == Item.location)))
               .order_by(scan.id))
        for barcode, title, call_number, location, status in s.execute(odd):
            copy = None if status is None else CopyLine(barcode, title, call_number, location, status.value)
            result.unexpected.append((barcode, title or "", _unexpected(copy, scope)))
        placed = (select(Item.barcode, Title.title, Item.call_number, Item.location, Item.status, scan.shelf)
                  .join(Item, Item.barcode == scan.barcode).join(Title, Title.id == Item.title_id)
                  .where(scan.session_id == session_id, misplaced_q)
                  .order_by(scan.id))
        result.misplaced = [(CopyLine(b, t, cn, loc, st.value), shelf or scope)
                            for b, t, cn, loc, st, shelf in s.execute(placed)]
    result.found = result.expected - result.missing_total  # expected copies scanned (not the misplaced strays)
    return result


_WHY = {ItemStatus.ON_LOAN.value: "系统显示已借出：请办理归还",
        ItemStatus.LOST.value: "已登记丢失：书找到了，请核对赔偿",
        ItemStatus.WITHDRAWN.value: "已注销剔除，却还在架上",
        ItemStatus.IN_REPAIR.value: "登记在修补中"}


def _unexpected(copy: CopyLine | None, scope: str) -> str:
    if copy is None:
        return "不在馆藏目录中"
    if copy.status in _WHY:
        return _WHY[copy.status]
    if not _in_scope(copy.location, scope):
        return f"属于{copy.location or '未登记位置'}，不在本次清点范围"
    return ""


@dataclass
class Weeding:
    withdrawn: list[CopyLine] = field(default_factory=list)
    refused: list[tuple[str, Refused]] = field(default_factory=list)


def weed(library: Library, barcodes: Iterable[str], reason: str, *, batch: str = "",
         actor: str = "desk") -> Weeding:
    """Withdraw copies (剔除/注销) in one transaction: each gets a WeedingRecord and an audit entry.

    Copies on loan or already withdrawn are refused (reported, not fatal); lost copies may be written off.
    """
    result, now = Weeding(), library.now()
    with library.uow() as uow:
        s = uow.session
        for raw in barcodes:
            barcode = normalise_barcode(raw)
            if not barcode:
                continue
            item = s.scalar(select(Item).where(Item.barcode == barcode).with_for_update())
            if item is None:
                result.refused.append((barcode, Refused(Reason.ITEM_NOT_FOUND, barcode=barcode)))
                continue
            if item.status in (ItemStatus.ON_LOAN, ItemStatus.WITHDRAWN, ItemStatus.HELD):
                result.refused.append((barcode, Refused(Reason.ITEM_UNAVAILABLE, barcode=barcode,
                                                        item_status=item.status.value)))
                continue
            previous = item.status.value
            item.status = ItemStatus.WITHDRAWN
            s.add(WeedingRecord(item_id=item.id, barcode=item.barcode, title=item.title.title,
                                call_number=item.call_number, price_fen=item.price_fen, previous_status=previous,
                                reason=reason[:100], batch=batch[:100], actor=actor[:60], at=now))
            s.add(AuditEntry(at=now, action="weed", actor=actor[:60], item_id=item.id,
                             detail={"reason": reason, "batch": batch, "previous_status": previous}))
            result.withdrawn.append(CopyLine(item.barcode, item.title.title, item.call_number, item.location, previous))
        if result.withdrawn:
            bump_catalogue_version(s)
            uow.commit()
    return result


def shelf_locations(library: Library) -> list[str]:
    """The copies' distinct locations (馆藏地/书架), sorted: the choices for a scope or a current shelf."""
    with library.read_uow() as uow:
        return sorted(loc for loc in uow.session.scalars(select(Item.location).distinct()) if loc)


def inventory_state(library: Library, session_id: int, *,
                    missing_limit: int | None = None) -> tuple[InventorySummary, StockTake]:
    """A stock-take's header and its result as it stands (see stock_take); LookupError for an unknown id."""
    return inventory_summary(library, session_id), stock_take(library, session_id, missing_limit=missing_limit)
