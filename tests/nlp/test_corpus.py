"""The parser on messages it was never tuned or trained on: the held-out fifth and the judging set.

Figures are those of `shuxiang parse` (the demo catalogue), as ../shared/nlu/score.py measures them.
The thresholds are what the parser reaches (docs/nlu.md); a change that loses ground fails here.
Issue 14's targets are ≥ 97% intent, ≥ 95% slots and no wrong action: met on dev.jsonl, not yet on
the held-out fifth (506 since the lead's second batch: 92.1% / 90.1% / 4 wrong actions as score.py counts
them, 9 over every action; the parser before this round: 89.3% / 86.5% / 6, 14).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlp import Parser
from cli.parse import catalogue_parser
from tests.nlp.scoring import read_jsonl, score

HERE = Path(__file__).resolve().parent
HELDOUT = HERE / "corpus" / "heldout.jsonl"
DEV = HERE.parents[1].parent / "shared" / "nlu" / "dev.jsonl"  # ../shared/nlu/dev.jsonl beside the checkout


@pytest.fixture(scope="module")
def demo_parser() -> Parser:
    return catalogue_parser()


def test_held_out_fifth(demo_parser: Parser) -> None:
    got = score(demo_parser, read_jsonl(HELDOUT))
    report = "\n".join(got.misses)
    # What the held-out fifth reached (1,484 messages by 25 writers, docs/nlu.md "Measured"); a regression
    # guard, not the target: issue 14 asks for 97% / 95% / 0 wrong actions, not reached yet.
    assert got.intent >= 0.93, report
    assert got.slots >= 0.886, report  # 761/858 = 0.8869
    assert got.wrong_actions <= 21, report  # 16 of the first 1,306 and 5 of round 6's 178
    assert got.wrong_any_action <= 34, report


@pytest.mark.skipif(not DEV.exists(), reason="../shared/nlu/dev.jsonl is not beside this checkout")
def test_judging_set(demo_parser: Parser) -> None:
    got = score(demo_parser, read_jsonl(DEV))
    report = "\n".join(got.misses)
    assert got.intent >= 0.97 and got.slots >= 0.95, report
    assert got.wrong_actions == 0 and got.wrong_any_action == 0, report


def test_the_thresholds_can_fail(demo_parser: Parser) -> None:
    """The scorer is not vacuous: the same lines with every intent shifted score nothing."""
    gold = read_jsonl(HELDOUT)[:40]
    labels = sorted({g["intent"] for g in gold})
    shifted = [{**g, "intent": labels[(labels.index(g["intent"]) + 1) % len(labels)]} for g in gold]
    assert score(demo_parser, shifted).intent < 0.2
