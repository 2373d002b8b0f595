"""Parser speed: utterances/s after start-up and cold start of `shuxiang parse`, against targets.

    .venv/bin/python bench/nlp.py
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlp.cli import DEMO_CATALOGUE  # noqa: E402
from bot.nlp.dictionary import read_catalogue_terms  # noqa: E402
from bot.nlp.parser import Parser  # noqa: E402

TARGET_RATE = 2000.0  # utterances/s, single thread
TARGET_COLD = 2.0  # seconds for `shuxiang parse TEXT`, catalogue dictionary included


def _utterances() -> list[str]:
    texts = [json.loads(line)["text"] for line in
             (ROOT / "tests" / "nlp" / "labelled.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return texts * max(1, 6000 // len(texts))


def throughput(parser: Parser, texts: list[str]) -> float:
    """Utterances per second over the whole list, after one warm-up pass."""
    for t in texts[:300]:
        parser.parse(t)
    start = time.perf_counter()
    for t in texts:
        parser.parse(t)
    return len(texts) / (time.perf_counter() - start)


def cold_start(runs: int = 3) -> float:
    """Best wall time of a fresh `shuxiang parse` process (the dictionary cache already built)."""
    exe = shutil.which("shuxiang", path=str(ROOT / ".venv" / "bin")) or "shuxiang"
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([exe, "parse", "续借第2本"], cwd=ROOT, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    terms = read_catalogue_terms(DEMO_CATALOGUE)
    start = time.perf_counter()
    parser = Parser(catalogue_terms=terms)
    load = time.perf_counter() - start
    rate = throughput(parser, _utterances())
    cold = cold_start()
    print(f"catalogue terms: {len(terms)} (from {DEMO_CATALOGUE.relative_to(ROOT)}"
          f"{'' if terms else ', missing: dictionary has library words only'})")
    print(f"parser load in-process: {load:.2f} s")
    print(f"throughput: {rate:,.0f} utterances/s  target {TARGET_RATE:,.0f}  ratio {rate / TARGET_RATE:.2f}x")
    print(f"cold start: {cold:.2f} s  target {TARGET_COLD:.1f} s  ratio {TARGET_COLD / cold:.2f}x (>1 is good)")


if __name__ == "__main__":
    main()
