"""The parser's jieba dictionary leaves out jieba's rarest words but keeps the parser's own (issue 17: memory)."""
from __future__ import annotations

from pathlib import Path

import jieba

from bot.nlp import dictionary
from bot.nlp.lexicon import TRAIL_FILLERS

DICT_TXT = Path(jieba.__file__).with_name("dict.txt")


def _freqs() -> dict[str, int]:
    with DICT_TXT.open(encoding="utf-8") as lines:
        return {w: int(f) for w, f, *_ in (line.split() for line in lines)}


def test_rare_words_are_left_out_but_the_parsers_own_words_stay(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHUXIANG_CACHE_DIR", str(tmp_path))
    freqs = _freqs()
    rare_filler = next(w for w in TRAIL_FILLERS if 0 < freqs.get(w, 0) < dictionary.MIN_BASE_FREQ)  # 那本书: 3
    rare_other = next(w for w, f in freqs.items() if f < dictionary.MIN_BASE_FREQ and len(w) > 2
                      and w not in dictionary._lexicon_words())
    tokenizer = dictionary.build_tokenizer(["草房子"])
    assert tokenizer.FREQ.get(rare_filler) == freqs[rare_filler]
    assert tokenizer.FREQ.get(rare_other, 0) == 0  # a prefix of a kept word may remain, with freq 0
    assert tokenizer.FREQ["草房子"] == dictionary._TERM_FREQ
    assert tokenizer.lcut("那本书回来了告诉我一声", HMM=False)[0] == "那本书"
    kept = sum(1 for f in freqs.values() if f >= dictionary.MIN_BASE_FREQ)
    assert kept < len(freqs) / 2  # most of dict.txt is rarer than the threshold
