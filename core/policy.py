"""Circulation rules (借阅规则), per reader type × item type, configurable from [policy] in TOML."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from core.models import ItemType, ReaderType


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class LoanRule:
    loanable: bool = True
    loan_days: int = 14
    max_items: int = 2  # open loans of this item type at once
    renewals: int = 1
    renew_days: int = 7


NOT_FOR_LOAN = LoanRule(loanable=False, loan_days=0, max_items=0, renewals=0, renew_days=0)

DEFAULT_RULES: dict[tuple[ReaderType, ItemType], LoanRule] = {
    (ReaderType.TEACHER, ItemType.GENERAL): LoanRule(loan_days=7, max_items=2),
    (ReaderType.TEACHER, ItemType.TEACHING_REFERENCE): LoanRule(loan_days=30, max_items=5),
    (ReaderType.TEACHER, ItemType.PERIODICAL): LoanRule(loan_days=7, max_items=2),
    (ReaderType.STAFF, ItemType.GENERAL): LoanRule(loan_days=7, max_items=2),
    (ReaderType.STAFF, ItemType.TEACHING_REFERENCE): LoanRule(loan_days=30, max_items=5),
    (ReaderType.STAFF, ItemType.PERIODICAL): LoanRule(loan_days=7, max_items=2),
    (ReaderType.STUDENT, ItemType.GENERAL): LoanRule(loan_days=14, max_items=2),
    (ReaderType.STUDENT, ItemType.TEACHING_REFERENCE): NOT_FOR_LOAN,
    (ReaderType.STUDENT, ItemType.PERIODICAL): LoanRule(loan_days=7, max_items=1),
}

# Open loans of every item type together, per reader type (the per-type limits above still apply).
# 教师每人可借图书2本: the plan's figure for teachers; staff and students follow it (the plans give no
# other total). A reader type not listed here has no total (class borrowers: their own per-type rules).
DEFAULT_MAX_ITEMS_TOTAL: dict[ReaderType, int] = {
    ReaderType.TEACHER: 2,
    ReaderType.STAFF: 2,
    ReaderType.STUDENT: 2,
}

MAX_THEFT_MULTIPLE = 20  # 以书价的10倍; more would be a typo, and price × multiple must fit the charge column
FINE_DAYS = ("open", "all")  # which days late count (fines, 逾期N天): open days only, or every calendar day


@dataclass(frozen=True)
class Policy:
    """Everything the circulation services decide by. Money in fen, durations in days."""

    rules: dict[tuple[ReaderType, ItemType], LoanRule] = field(default_factory=lambda: dict(DEFAULT_RULES))
    fine_per_day_fen: int = 50
    fine_cap_at_price: bool = True
    renew_grace_days: int = 0  # open days overdue after which renewal is refused
    hold_open_days: int = 3  # a returned copy waits this many open days for the reserver
    max_reservations: int = 3
    suspension_days: int = 30  # overdue again after a renewal
    block_checkout_when_overdue: bool = True
    max_unpaid_fen: int = 2000  # open charges above this block borrowing (20元)
    weekend_closed: bool = True
    due_soon_days: int = 2
    # A student's due date moves to their class's next rota turn on or after the loan period (core/rota).
    due_on_class_turn: bool = False
    # 集体借阅/班级图书角 (core/circulation/collections.py): a class borrower's general books.
    class_collection_max_items: int = 100  # copies one class holds at once
    class_collection_loan_days: int = 0  # 0: due on the term's last open day (期末全部归还)
    class_collection_fines: bool = False  # overdue fines on a class's copies (default: none, the class teacher is reminded)
    max_items_total: dict[ReaderType, int] = field(default_factory=lambda: dict(DEFAULT_MAX_ITEMS_TOTAL))
    fine_days: str = "open"  # "open": closed days (weekends, holidays, vacations) are not counted; "all": every day
    theft_multiple: int = 10  # 偷窃: the reader pays this many times the item's price (以书价的10倍)

    def rule(self, reader_type: ReaderType, item_type: ItemType) -> LoanRule:
        if item_type == ItemType.REFERENCE:
            return NOT_FOR_LOAN
        if reader_type == ReaderType.CLASS and (reader_type, item_type) not in self.rules:
            return self.class_collection_rule() if item_type == ItemType.GENERAL else NOT_FOR_LOAN
        return self.rules.get((reader_type, item_type), NOT_FOR_LOAN)

    def class_collection_rule(self) -> LoanRule:
        """A class borrower's general books: its own limit, to the term's end (due_date caps there), no renewals."""
        return LoanRule(loan_days=self.class_collection_loan_days or 366, max_items=self.class_collection_max_items,
                        renewals=0, renew_days=0)
    def total_limit(self, reader_type: ReaderType) -> int | None:
        """Open loans of all item types together this reader type may hold (None: no total)."""
        return self.max_items_total.get(reader_type)

    @classmethod
    def from_config(cls, table: dict[str, Any] | None) -> Policy:
        """Build from the [policy] TOML table; unknown keys are errors, not silently ignored."""
        table = dict(table or {})
        rule_tables = table.pop("rules", {})
        totals = _totals(table.pop("max_items_total", {}))
        scalar_names = {f.name for f in fields(cls)} - {"rules", "max_items_total"}
        for key in table:
            if key not in scalar_names:
                raise PolicyError(f"unknown setting [policy] {key}")
        if table.get("fine_days", "open") not in FINE_DAYS:
            raise PolicyError(f"[policy] fine_days must be one of {', '.join(FINE_DAYS)}")
        multiple = table.get("theft_multiple", 10)
        if not isinstance(multiple, int) or isinstance(multiple, bool) or not 1 <= multiple <= MAX_THEFT_MULTIPLE:
            raise PolicyError(f"[policy] theft_multiple must be a whole number from 1 to {MAX_THEFT_MULTIPLE}"
                              f" (got {multiple!r})")
        policy = replace(cls(), **table)
        policy = replace(policy, max_items_total={**policy.max_items_total, **totals})
        rules = dict(policy.rules)
        rule_keys = {f.name for f in fields(LoanRule)}
        for reader_name, per_item in rule_tables.items():
            try:
                reader_type = ReaderType(reader_name)
            except ValueError:
                raise PolicyError(f"unknown reader type [policy.rules.{reader_name}]") from None
            for item_name, values in per_item.items():
                try:
                    item_type = ItemType(item_name)
                except ValueError:
                    raise PolicyError(f"unknown item type [policy.rules.{reader_name}.{item_name}]") from None
                bad = set(values) - rule_keys
                if bad:
                    raise PolicyError(f"unknown keys {sorted(bad)} in [policy.rules.{reader_name}.{item_name}]")
                base = rules.get((reader_type, item_type), LoanRule())
                rules[(reader_type, item_type)] = replace(base, **values)
        return replace(policy, rules=rules)


def _totals(table: dict[str, Any]) -> dict[ReaderType, int]:
    """[policy.max_items_total]: reader type → a whole number ≥ 0 (unknown types are errors)."""
    totals = {}
    for reader_name, value in dict(table or {}).items():
        try:
            reader_type = ReaderType(reader_name)
        except ValueError:
            raise PolicyError(f"unknown reader type {reader_name} in [policy.max_items_total]") from None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise PolicyError(f"[policy.max_items_total] {reader_name} must be a whole number ≥ 0")
        totals[reader_type] = value
    return totals
