"""Plans the demo's circulation: a term of returned loans, open loans in every state, holds and fines.

All dates follow the rules: loans start on open days, due dates come from the calendar and the
policy's loan days, renewals count from the later of the old due date and the renewal day, fines
count open days only and stop at the price.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.calendar import SchoolCalendar
from core.circulation.fines import days_late, overdue_fine_fen
from core.demo.plan import ChargePlan, ItemRec, LoanPlan, ReaderRec, ReservationPlan, TheftPlan
from core.models import ChargeKind, ChargeStatus, ItemStatus, ItemType, ReaderType, ReservationStatus
from core.policy import Policy

SEED = 7
NO_END = date.max
HISTORY_PER_STUDENT = (0, 7)  # returned loans in the term so far
HISTORY_PER_TEACHER = (0, 5)
LATE_RETURN_SHARE = 0.12
OPEN_FINE_SHARE = 0.2  # late fines not yet paid
DAMAGE_FEN = 500


class PlanError(RuntimeError):
    """The demo plan could not place a loan (a bug in the demo data, not in the user's input)."""


@dataclass
class Planner:
    calendar: SchoolCalendar
    policy: Policy
    today: date
    term_start: date
    items: list[ItemRec]
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    loans: list[LoanPlan] = field(default_factory=list)
    reservations: list[ReservationPlan] = field(default_factory=list)
    thefts: list[TheftPlan] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.open_days = [d for d in _days(self.term_start, self.today - timedelta(days=1)) if self.calendar.is_open(d)]
        self.by_title: dict[str, list[ItemRec]] = {}
        for item in self.items:
            self.by_title.setdefault(item.book.title, []).append(item)
        # Loans favour the real, well-known books, as a school's borrowing does.
        self.real = [i for i in self.items if i.book.real and i.item_type != ItemType.REFERENCE]
        self.invented = [i for i in self.items if not i.book.real and i.item_type != ItemType.REFERENCE]
        self.open_count: Counter[tuple[str, ItemType]] = Counter()

    # -- rules ------------------------------------------------------------------------------------

    def loan_days(self, reader: ReaderRec, item: ItemRec) -> int:
        rule = self.policy.rule(reader.reader_type, item.item_type)
        if not rule.loanable:
            raise PlanError(f"{item.book.title} is not for loan to {reader.reader_type}")
        return rule.loan_days

    def due(self, reader: ReaderRec, item: ItemRec, loan_day: date) -> date:
        return self.calendar.due_date(loan_day, self.loan_days(reader, item))

    def renewed_due(self, reader: ReaderRec, item: ItemRec, old_due: date, renew_day: date) -> date:
        days = self.policy.rule(reader.reader_type, item.item_type).renew_days
        return self.calendar.due_date(max(old_due, renew_day), days)

    def fine(self, item: ItemRec, due: date, returned: date) -> int:
        return overdue_fine_fen(self.policy, days_late(self.policy, self.calendar, due, returned), item.book.price_fen)

    def may_borrow(self, reader: ReaderRec, item: ItemRec) -> bool:
        """Within the policy's limits of open loans: of this item type, and of all types together."""
        rule = self.policy.rule(reader.reader_type, item.item_type)
        total = self.policy.total_limit(reader.reader_type)
        out = sum(n for (card, _), n in self.open_count.items() if card == reader.card_no)
        return self.open_count[(reader.card_no, item.item_type)] < rule.max_items and (total is None or out < total)

    def previous_open_day(self, before: date) -> date:
        return self.calendar.previous_open_day(before - timedelta(days=1))

    # -- choosing copies --------------------------------------------------------------------------

    def suits(self, reader: ReaderRec, item: ItemRec) -> bool:
        if not self.policy.rule(reader.reader_type, item.item_type).loanable:
            return False
        if reader.grade is None:
            return True
        return item.book.min_grade <= reader.grade <= item.book.max_grade

    def pick(self, reader: ReaderRec, start: date, end: date, item_type: ItemType | None = None) -> ItemRec | None:
        """A random copy suitable for the reader and free from start to end."""
        for _ in range(60):
            pool = self.real if self.rng.random() < 0.7 else self.invented
            item = pool[self.rng.randrange(len(pool))]
            if item_type is not None and item.item_type != item_type:
                continue
            if self.suits(reader, item) and item.free_during(start, end):
                return item
        return None

    def copy_of(self, title: str, start: date = date.min, end: date = NO_END) -> ItemRec:
        """A free copy of a named title (for the scripted demo stories)."""
        for item in self.by_title[title]:
            if item.free_during(start, end):
                return item
        raise PlanError(f"no free copy of {title}")

    # -- placing loans ----------------------------------------------------------------------------

    def lend(self, reader: ReaderRec, item: ItemRec, loan_day: date, due: date | None = None) -> LoanPlan:
        loan = LoanPlan(item, reader, loan_day, due or self.due(reader, item, loan_day))
        self.loans.append(loan)
        self.open_count[(reader.card_no, item.item_type)] += 1
        item.busy.append((loan_day, NO_END))
        item.status = ItemStatus.ON_LOAN
        return loan

    def close(self, loan: LoanPlan, day: date, *, lost: bool = False) -> None:
        loan.item.busy[-1] = (loan.loan_day, day)
        self.open_count[(loan.reader.card_no, loan.item.item_type)] -= 1
        loan.item.status = ItemStatus.LOST if lost else ItemStatus.AVAILABLE
        if lost:
            loan.lost_day = day
        else:
            loan.returned_day = day

    def lend_due_between(self, reader: ReaderRec, item: ItemRec, lo: date, hi: date) -> LoanPlan:
        """Lend on the latest past open day whose due date falls in [lo, hi]."""
        for day in reversed(self.open_days):
            if lo <= self.due(reader, item, day) <= hi:
                return self.lend(reader, item, day)
        raise PlanError(f"no loan day gives {item.book.title} a due date in {lo}..{hi}")

    def renew(self, loan: LoanPlan, renew_day: date) -> None:
        new_due = self.renewed_due(loan.reader, loan.item, loan.due_date, renew_day)
        loan.renewals.append((renew_day, loan.due_date, new_due))
        loan.due_date = new_due

    def overdue(self, reader: ReaderRec, item: ItemRec, days_late: int) -> LoanPlan:
        """An open loan due about `days_late` days ago."""
        target = self.today - timedelta(days=days_late)
        return self.lend_due_between(reader, item, target - timedelta(days=3), min(target, self.today - timedelta(days=1)))

    def due_soon(self, reader: ReaderRec, item: ItemRec) -> LoanPlan:
        """An open loan due today or within the policy's due-soon window."""
        return self.lend_due_between(reader, item, self.today, self.today + timedelta(days=self.policy.due_soon_days))

    def current(self, reader: ReaderRec, item: ItemRec) -> LoanPlan:
        """An open loan that is neither overdue nor due soon."""
        return self.lend_due_between(reader, item, self.today + timedelta(days=self.policy.due_soon_days + 1),
                                     self.today + timedelta(days=60))

    # -- history ----------------------------------------------------------------------------------

    def history(self, readers: Iterable[ReaderRec]) -> None:
        """Returned loans spread over the term so far, some late with fines (most paid)."""
        horizon = [d for d in self.open_days if d <= self.today - timedelta(days=3)]
        for reader in readers:
            lo, hi = HISTORY_PER_TEACHER if reader.reader_type != ReaderType.STUDENT else HISTORY_PER_STUDENT
            for _ in range(self.rng.randint(lo, hi)):
                self.returned_loan(reader, self.rng.choice(horizon))

    def returned_loan(self, reader: ReaderRec, loan_day: date, *, late: bool | None = None,
                      title: str | None = None) -> LoanPlan | None:
        """A loan made on loan_day and already returned (late ones carry their overdue fine)."""
        if late is None:
            late = self.rng.random() < LATE_RETURN_SHARE
        window = loan_day + timedelta(days=45)
        item = self.copy_of(title, loan_day, window) if title else self.pick(reader, loan_day, window)
        if item is None:
            return None
        due = self.due(reader, item, loan_day)
        returned = self.return_day(loan_day, due, late)
        if returned is None or not item.free_during(loan_day, returned):
            return None
        loan = self.lend(reader, item, loan_day, due)
        self.close(loan, returned)
        if returned > due:
            paid = self.rng.random() >= OPEN_FINE_SHARE
            self.charge(loan, ChargeKind.OVERDUE, self.fine(item, due, returned), returned, paid,
                        note="逾期归还")
        return loan

    def return_day(self, loan_day: date, due: date, late: bool) -> date | None:
        """An open day to bring the copy back: by the due date, or a few days after it when late."""
        if late:
            candidates = [d for d in self.open_days if due < d <= due + timedelta(days=12)]
        else:
            candidates = [d for d in self.open_days if loan_day < d <= due]
        candidates = [d for d in candidates if d < self.today]
        return self.rng.choice(candidates) if candidates else None

    def charge(self, loan: LoanPlan, kind: ChargeKind, amount: int, day: date, paid: bool, note: str = "") -> None:
        if amount <= 0:
            return
        status = ChargeStatus.PAID if paid else ChargeStatus.OPEN
        loan.charges.append(ChargePlan(kind, amount, status, day, note))

    def theft(self, reader: ReaderRec, item: ItemRec, day: date, *, suspended_until: date, reason: str) -> TheftPlan:
        """A copy taken without lending: theft_multiple × its price, unpaid, and borrowing suspended for it."""
        multiple = self.policy.theft_multiple
        price = item.book.price_fen
        note = f"书价{price // 100}.{price % 100:02d}元×{multiple}；在门口发现未借书带出"
        plan = TheftPlan(reader, item, ChargePlan(ChargeKind.THEFT, price * multiple, ChargeStatus.OPEN, day, note),
                         suspended_until, reason)
        self.thefts.append(plan)
        return plan

    # -- reservations -----------------------------------------------------------------------------

    def reserve(self, title: str, reader: ReaderRec, created_day: date) -> ReservationPlan:
        plan = ReservationPlan(self.by_title[title][0].title_number, reader, created_day)
        self.reservations.append(plan)
        return plan

    def hold(self, plan: ReservationPlan, item: ItemRec, ready_day: date) -> None:
        """The copy waits on the hold shelf for hold_open_days open days (到书通知)."""
        plan.status = ReservationStatus.READY
        plan.item = item
        plan.ready_day = ready_day
        plan.hold_until = self.calendar.add_open_days(ready_day, self.policy.hold_open_days)
        item.status = ItemStatus.HELD
        item.busy.append((ready_day, NO_END))

    def lend_all_copies(self, title: str, readers: list[ReaderRec]) -> None:
        """Every copy of a popular title out on loan (so its reservations really wait)."""
        for item, reader in zip(self.by_title[title], readers, strict=False):
            if item.free_during(self.today - timedelta(days=20), NO_END):
                self.current(reader, item)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]

