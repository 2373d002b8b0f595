"""The scoring rules of ../shared/nlu/score.py, for tests: intent, slots and wrong actions."""
from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.nlp import Parser
from bot.nlp.intents import ACTION_INTENTS
from bot.nlp.parser import ParseResult

# The actions ../shared/nlu/score.py counts; ACTION_INTENTS adds the librarian's and the push settings.
SCORE_ACTIONS = frozenset({"renew", "reserve", "cancel_reservation", "bind", "unbind", "report_lost_card"})
_PUNCT = "《》〈〉<>“”\"'‘’「」『』【】[]()（）。.，,！!？?：:；;、 \t"


def norm(v: Any) -> Any:
    """A slot value as the scorer compares it: NFKC, lower case, no punctuation or spaces."""
    if isinstance(v, bool | int):
        return v
    if isinstance(v, list) and all(isinstance(x, int) for x in v):
        return sorted(v)
    s = unicodedata.normalize("NFKC", str(v)).lower()
    return "".join(ch for ch in s if ch not in _PUNCT)


def slot_ok(gold: Any, pred: Any) -> bool:
    """True when pred matches gold (a list of strings in gold means any of them)."""
    if pred is None:
        return False
    if isinstance(gold, list) and not all(isinstance(x, int) for x in gold):
        return any(norm(g) == norm(pred) for g in gold)
    return norm(gold) == norm(pred)


@dataclass
class Score:
    """Accuracy figures over a labelled set; wrong actions as score.py counts them and over every action."""

    intent: float
    slots: float
    wrong_actions: int        # score.py's six reader actions
    wrong_any_action: int     # every intent in ACTION_INTENTS
    misses: list[str] = field(default_factory=list)
    per_intent: dict[str, tuple[int, int]] = field(default_factory=dict)  # intent → (right, total)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (gold, parsed) intent pairs
    missed: list[tuple[dict, ParseResult, bool]] = field(default_factory=list)  # (gold, parsed, acted)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(parser: Parser, gold: list[dict]) -> Score:
    """Parse every gold line and score it as score.py does (its six reader actions and ours)."""
    return tally((g, parser.parse(g["text"])) for g in gold)


def tally(results: Iterable[tuple[dict, ParseResult]]) -> Score:
    """Score (gold line, parse) pairs as score.py does: intent, slots, wrong actions (its six and every
    action intent), per intent, intent confusions and the missed lines."""
    ok_i = ok_s = n_s = wrong = wrong_any = n = 0
    misses: list[str] = []
    missed: list[tuple[dict, ParseResult, bool]] = []
    per: dict[str, list[int]] = {}
    confusions: Counter[tuple[str, str]] = Counter()
    for g, got in results:
        n += 1
        good = got.intent == g["intent"]
        bad = [k for k, v in g["slots"].items() if not slot_ok(v, got.slots.get(k))]
        ok_i += good
        per.setdefault(g["intent"], [0, 0])
        per[g["intent"]][0] += good
        per[g["intent"]][1] += 1
        if g["slots"]:
            n_s += 1
            ok_s += good and not bad
        acted = got.intent in ACTION_INTENTS and (not good or bool(bad))
        wrong += acted and got.intent in SCORE_ACTIONS
        wrong_any += acted
        if not good:
            confusions[(g["intent"], got.intent)] += 1
        if not good or bad:
            flag = "WRONG ACTION" if acted else "MISS"
            misses.append(f"{flag} {g['text']!r}: want {g['intent']} {g['slots']} got {got.intent} {got.slots}")
            missed.append((g, got, acted))
    return Score(ok_i / n, ok_s / n_s if n_s else 1.0, wrong, wrong_any, misses,
                 {k: (v[0], v[1]) for k, v in per.items()}, confusions, missed)
