"""5-fold cross-validation of the fused parser (rules + intent model) on bot/nlp/corpus/train.jsonl.

    .venv/bin/python bench/nlp_cv.py            # totals, wrong actions, confusion pairs
    .venv/bin/python bench/nlp_cv.py --misses   # and every miss, with the rules' reading and the model's top 3

Each fold's messages are parsed by a parser whose model was trained without them (labelled.jsonl always
trains, as in the shipped model; a training line equal to a test line once normalised is left out too),
with the demo catalogue, as `shuxiang parse` reads it. Wrong actions are counted as ../shared/nlu/score.py
counts them (its six reader actions) and over every action intent (bot.nlp.intents.ACTION_INTENTS: the
librarian's commands and push settings too). This is where the fusion thresholds in bot/nlp/parser.py
were chosen; the held-out fifth (tests/nlp/corpus/heldout.jsonl) is never read here.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/http.py would shadow the stdlib's http (aiohttp imports it): drop this folder from the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bot.nlp.model import TRAINING_FILES, IntentModel, read_jsonl, training_data  # noqa: E402
from bot.nlp.normalise import prepare  # noqa: E402
from bot.nlp.parser import ParseResult  # noqa: E402
from cli.parse import catalogue_parser  # noqa: E402
from tests.nlp.scoring import tally  # noqa: E402

FOLDS = 5


def main(show_misses: bool) -> None:
    """Print intent/slot accuracy, wrong actions (score.py's and all), per-intent and confusion pairs."""
    from sklearn.model_selection import StratifiedKFold

    rows = read_jsonl(TRAINING_FILES[0])
    train_t, train_l = training_data(TRAINING_FILES[:1])
    other_t, other_l = training_data(TRAINING_FILES[1:])
    labels = [r["intent"] for r in rows]
    counts = Counter(labels)
    keep = [i for i in range(len(rows)) if counts[labels[i]] >= FOLDS]  # rarer intents cannot be stratified
    parser, rules = catalogue_parser(model=None), catalogue_parser(model=None)
    results: list[tuple[dict, ParseResult]] = []
    fold_model: dict[str, IntentModel] = {}  # the model each line was parsed with, for its misses
    split = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    for _, test_idx in split.split([rows[i]["text"] for i in keep], [labels[i] for i in keep]):
        test = [rows[keep[j]] for j in test_idx]
        unseen = {prepare(r["text"]) for r in test}
        pairs_tl = [(t, y) for t, y in zip(train_t + other_t, train_l + other_l, strict=True) if t not in unseen]
        model = IntentModel.train([t for t, _ in pairs_tl], [y for _, y in pairs_tl])
        parser._model = model
        for g in test:
            results.append((g, parser.parse(g["text"])))
            fold_model[g["text"]] = model
    got = tally(results)
    print(f"{FOLDS}-fold CV of the fused parser on train.jsonl ({len(results)}): intent {got.intent:.1%}, "
          f"slots {got.slots:.1%}, wrong actions {got.wrong_actions} (score.py's six), {got.wrong_any_action} "
          "(every action intent)")
    print("per intent:", ", ".join(f"{k} {r}/{t}" for k, (r, t) in sorted(got.per_intent.items(), key=lambda kv: kv[1][0] / kv[1][1])))
    print("confusions (gold → parsed):", ", ".join(f"{a} → {b} {c}" for (a, b), c in got.confusions.most_common()))
    if show_misses:
        lines = []
        for g, parsed, acted in got.missed:
            probs = fold_model[g["text"]].probabilities(prepare(g["text"]))
            top = sorted(probs.items(), key=lambda kv: -kv[1])[:3]
            lines.append(f"{'WRONG ACTION' if acted else 'miss'} {g['text']!r}: want {g['intent']} {g['slots']}"
                         f" got {parsed.intent} {parsed.slots} | rules {rules.parse(g['text']).to_dict()}"
                         f" | model {[(k, round(v, 2)) for k, v in top]}")
        print("\n".join(sorted(lines)))


if __name__ == "__main__":
    main("--misses" in sys.argv[1:])
