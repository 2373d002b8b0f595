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

    @classmethod
    def from_config(cls, table: dict[str, Any] | None) -> Policy:
        """Build from the [policy] TOML table; unknown keys are errors, not silently ignored."""
        table = dict(table or {})
        rule_tables = table.pop("rules", {})
        scalar_names = {f.name for f in fields(cls)} - {"rules"}
        for key in table:
            if key not in scalar_names:
                raise PolicyError(f"unknown setting [policy] {key}")
        policy = replace(cls(), **table)
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
