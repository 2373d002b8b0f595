"""Reading targets per grade per term ([targets] in the config): 生均每学期不少于4本 and class-collection rotations.

The lookup goes from the most particular table to the most general one:
`[targets.term."<学期名称>".grade.<N>]` → `[targets.term."<学期名称>"]` → `[targets.grade.<N>]` → `[targets]`.
A key left out of a table falls through to the next one; 0 means "no target" (nothing is shown).
Without any [targets] table every grade's target is the plans' 4 books per student per term and
there is no class-collection rotation target.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.settings import SettingsError

KEYS = ("books_per_student", "class_rotations")
# The plans' own figure (生均每学期不少于4本) when the config says nothing; `books_per_student = 0` turns it off.
DEFAULT_BASE: Mapping[str, float] = {"books_per_student": 4.0}


@dataclass(frozen=True)
class Target:
    """One grade's targets for one term: books per student (生均) and class-collection rotations per class."""

    books_per_student: float = 0.0
    class_rotations: int = 0

    @property
    def any(self) -> bool:
        return bool(self.books_per_student or self.class_rotations)


@dataclass(frozen=True)
class Targets:
    """The parsed [targets] table (see module docstring for the lookup order)."""

    base: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BASE))
    grades: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    terms: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    term_grades: Mapping[tuple[str, int], Mapping[str, float]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, table: Mapping[str, Any] | None) -> Targets:
        """Parse and validate; SettingsError names the offending key ("[targets.grade.3] books_per_student")."""
        table = dict(table or {})
        grades_table = table.pop("grade", {})
        terms_table = table.pop("term", {})
        base = {**DEFAULT_BASE, **_values(table, "[targets]")}
        grades = _grades(grades_table, "[targets.grade]")
        terms: dict[str, dict[str, float]] = {}
        term_grades: dict[tuple[str, int], dict[str, float]] = {}
        if not isinstance(terms_table, Mapping):
            raise SettingsError("[targets] term: expected tables like [targets.term.\"2026秋季学期\"]")
        for name, sub in terms_table.items():
            where = f'[targets.term."{name}"]'
            if not isinstance(sub, Mapping):
                raise SettingsError(f"{where}: expected a table")
            sub = dict(sub)
            for grade, values in _grades(sub.pop("grade", {}), f'[targets.term."{name}".grade]').items():
                term_grades[(str(name), grade)] = values
            terms[str(name)] = _values(sub, where)
        return cls(base, grades, terms, term_grades)

    def for_grade(self, grade: int, term: str | None = None) -> Target:
        """The targets in force for `grade` in the term named `term` (None: the general ones)."""
        layers = [self.term_grades.get((term, grade), {}), self.terms.get(term, {})] if term else []
        layers += [self.grades.get(grade, {}), self.base]
        picked = {key: next((layer[key] for layer in layers if key in layer), 0) for key in KEYS}
        return Target(float(picked["books_per_student"]), int(picked["class_rotations"]))

    @property
    def configured(self) -> bool:
        """True when any target is set anywhere."""
        tables = [self.base, *self.grades.values(), *self.terms.values(), *self.term_grades.values()]
        return any(value for t in tables for value in t.values())


def _grades(table: Any, where: str) -> dict[int, dict[str, float]]:
    if not isinstance(table, Mapping):
        raise SettingsError(f"{where}: expected tables like [targets.grade.3]")
    out: dict[int, dict[str, float]] = {}
    for key, values in table.items():
        try:
            grade = int(key)
        except (TypeError, ValueError):
            grade = 0
        if not 1 <= grade <= 12:
            raise SettingsError(f"{where}.{key}: a grade is a number from 1 to 12")
        if not isinstance(values, Mapping):
            raise SettingsError(f"{where}.{key}: expected a table with {' / '.join(KEYS)}")
        out[grade] = _values(dict(values), f"{where[:-1]}.{grade}]")
    return out


def _values(table: Mapping[str, Any], where: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise SettingsError(f"unknown setting {where} {key} (known: {', '.join(KEYS)})")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise SettingsError(f"{where} {key}: expected a number ≥ 0, got {value!r}")
        if key == "class_rotations" and value != int(value):
            raise SettingsError(f"{where} {key}: expected a whole number, got {value!r}")
        if key == "books_per_student" and value > 1000:
            raise SettingsError(f"{where} {key}: {value!r} books per student per term is not a plausible target")
        out[key] = float(value) if key == "books_per_student" else int(value)
    return out


def grade_name(grade: int) -> str:
    """"三年级", "七年级" (初一 is grade 7, as class names are written everywhere); "10年级" past 九年级."""
    from core.imports.values import GRADE_NAMES

    return f"{GRADE_NAMES[grade - 1]}年级" if 1 <= grade <= len(GRADE_NAMES) else f"{grade}年级"


def per_student_text(value: float) -> str:
    """A 生均 as every place shows it: two decimals ("4.95"). One decimal would show 4.95 as "5.0"
    beside a target of 5 that is not reached yet; chat, console, text and Excel all use this."""
    return f"{value:.2f}"


def reached(actual: float, target: float) -> bool:
    """True when `actual` 生均 is at or above `target` (a target of 0 is always reached)."""
    return actual >= target - 1e-9


def shortfall(actual: float, target: float) -> float:
    """Books per student still missing, rounded up to 0.1 (3.96 against 4 is "差0.1本", never "差0.0本")."""
    return 0.0 if reached(actual, target) else math.ceil(round((target - actual) * 10, 6)) / 10


def target_text(actual: float, target: float) -> str:
    """"目标4本，还差1.2本" / "目标4本，已达标👍" for the chat and the class pushes; "" without a target."""
    if not target:
        return ""
    gap = "已达标👍" if reached(actual, target) else f"还差{shortfall(actual, target):.1f}本"
    return f"目标{target:g}本，{gap}"


def gap_text(actual: float, target: float) -> str:
    """"已达标" or "差0.6本" (per student), for reports and notices alike; "" without a target."""
    if not target:
        return ""
    return "已达标" if reached(actual, target) else f"差{shortfall(actual, target):.1f}本"
