"""Accuracy on our own labelled set (same scoring rules as ../shared/nlu/score.py)."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from bot.nlp import Parser

LABELLED = Path(__file__).resolve().parents[2] / "bot" / "nlp" / "corpus" / "labelled.jsonl"
_PUNCT = "《》〈〉<>“”\"'‘’「」『』【】[]()（）。.，,！!？?：:；;、 \t"


def _norm(v: Any) -> Any:
    if isinstance(v, bool | int):
        return v
    if isinstance(v, list) and all(isinstance(x, int) for x in v):
        return sorted(v)
    s = unicodedata.normalize("NFKC", str(v)).lower()
    return "".join(ch for ch in s if ch not in _PUNCT)


def _slot_ok(gold: Any, pred: Any) -> bool:
    if pred is None:
        return False
    if isinstance(gold, list) and not all(isinstance(x, int) for x in gold):
        return any(_norm(g) == _norm(pred) for g in gold)
    return _norm(gold) == _norm(pred)


def test_labelled_set_has_at_least_300_sentences() -> None:
    assert sum(1 for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()) >= 300


def test_labelled_set_reaches_97_percent_intent_and_95_percent_slots(parser: Parser) -> None:
    gold = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    ok_intent = ok_slots = with_slots = 0
    misses = []
    for g in gold:
        got = parser.parse(g["text"])
        good_intent = got.intent == g["intent"]
        bad = [k for k, v in g["slots"].items() if not _slot_ok(v, got.slots.get(k))]
        ok_intent += good_intent
        if g["slots"]:
            with_slots += 1
            ok_slots += good_intent and not bad
        if not good_intent or bad:
            misses.append(f"{g['text']!r}: want {g['intent']} {g['slots']} got {got.intent} {got.slots}")
    intent_acc, slot_acc = ok_intent / len(gold), ok_slots / with_slots
    assert intent_acc >= 0.97 and slot_acc >= 0.95, "\n".join(misses)
