"""Accuracy on our own labelled set (same scoring rules as ../shared/nlu/score.py)."""
from __future__ import annotations

from pathlib import Path

from bot.nlp import Parser
from tests.nlp.scoring import read_jsonl, score

LABELLED = Path(__file__).resolve().parents[2] / "bot" / "nlp" / "corpus" / "labelled.jsonl"


def test_labelled_set_has_at_least_300_sentences() -> None:
    assert sum(1 for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()) >= 300


def test_labelled_set_reaches_97_percent_intent_and_95_percent_slots(parser: Parser) -> None:
    got = score(parser, read_jsonl(LABELLED))
    assert got.intent >= 0.97 and got.slots >= 0.95, "\n".join(got.misses)
