"""Add a batch of labelled messages to the corpus: four-fifths to training, one fifth held out.

    .venv/bin/python tests/nlp/corpus/add_batch.py BATCH.jsonl [BATCH2.jsonl ...] [--dry-run]

Each line {"text", "intent", "slots"} (the writers' brief: docs/nlu.md "Corpus"). A message equal, once
normalised (bot.nlp.normalise.prepare), to one already in train.jsonl, labelled.jsonl, heldout.jsonl or
../shared/nlu/dev.jsonl, or to an earlier line of the batch, is dropped. The rest is split by the SHA-1
of its normalised text: first byte % 5 == 0 → tests/nlp/corpus/heldout.jsonl (never trained on, never
tuned on), else bot/nlp/corpus/train.jsonl. The split depends on the text only, so it is the same
whoever runs it and in whatever order batches arrive; duplicates are dropped before the split, so no
training line equals a held-out one.
Unknown intents or slot names are errors naming the file and line.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from bot.nlp.intents import RULES  # noqa: E402
from bot.nlp.normalise import prepare  # noqa: E402

TRAIN = ROOT / "bot/nlp/corpus/train.jsonl"
LABELLED = ROOT / "bot/nlp/corpus/labelled.jsonl"
HELDOUT = ROOT / "tests/nlp/corpus/heldout.jsonl"
DEV = ROOT.parent / "shared/nlu/dev.jsonl"
SLOTS = {"query", "indexes", "all", "confirm", "card_no", "name", "grade", "class_no", "topic", "kind",
         "barcode", "barcodes", "text", "for_parent"}


def held_out(text: str) -> bool:
    """True for the fifth kept out of training: SHA-1 of the normalised text, first byte % 5 == 0."""
    return hashlib.sha1(prepare(text).encode("utf-8")).digest()[0] % 5 == 0


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if path.exists() else []


def main(argv: list[str]) -> int:
    """Check, deduplicate and split the batches; print what went where."""
    dry = "--dry-run" in argv
    known = {rule.intent for rule in RULES} | {r["intent"] for p in (TRAIN, LABELLED) for r in _rows(p)}
    seen = {prepare(r["text"]) for p in (TRAIN, LABELLED, HELDOUT, DEV) for r in _rows(p)}
    train, held, dropped = [], [], 0
    for name in (a for a in argv if a != "--dry-run"):
        for number, line in enumerate(Path(name).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("intent") not in known:
                raise SystemExit(f"{name}:{number}: unknown intent {row.get('intent')!r}")
            if set(row.get("slots", {})) - SLOTS:
                raise SystemExit(f"{name}:{number}: unknown slots {sorted(set(row['slots']) - SLOTS)}")
            key = prepare(row["text"])
            if not key or key in seen:
                dropped += 1
                continue
            seen.add(key)
            clean = {"text": row["text"], "intent": row["intent"], "slots": row.get("slots", {})}
            (held if held_out(row["text"]) else train).append(clean)
    print(f"training {len(train)}, held out {len(held)}, dropped as duplicates {dropped}")
    if not dry:
        for path, rows in ((TRAIN, train), (HELDOUT, held)):
            with path.open("a", encoding="utf-8") as out:
                out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
