"""Attack on the trimmed jieba dictionary's cache: its file name is a digest of the catalogue terms,
LIBRARY_WORDS and TOPICS, but which rare dict.txt words it keeps depends on every word list in
bot/nlp/lexicon.py (_lexicon_words: ~900 words outside LIBRARY_WORDS and TOPICS). A lexicon change
that adds a rare word (a filler, a typo fix, a confirm word) reuses the old cached file without it:
a server with a kept SHUXIANG_CACHE_DIR parses differently from the tests, which start empty."""
from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from bot.nlp import dictionary, lexicon

DICT_TXT = Path(jieba.__file__).with_name("dict.txt")


def test_a_rare_word_added_to_the_lexicon_is_in_the_next_tokenizer(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUXIANG_CACHE_DIR", str(tmp_path))
    kept = dictionary._lexicon_words()
    with DICT_TXT.open(encoding="utf-8") as lines:
        rare = next(w for w, f, *_ in (line.split() for line in lines)
                    if int(f) < dictionary.MIN_BASE_FREQ and len(w) == 3 and w not in kept
                    and all("\u4e00" <= c <= "\u9fff" for c in w))
    before = dictionary.build_tokenizer(["草房子"])
    assert before.FREQ.get(rare, 0) == 0
    # The next release adds it to a filler list (as round 6 added 那本书-like fillers).
    monkeypatch.setattr(lexicon, "TRAIL_FILLERS", (*lexicon.TRAIL_FILLERS, rare))
    after = dictionary.build_tokenizer(["草房子"])
    assert after.FREQ.get(rare, 0) > 0, f"{rare}: the cached dictionary of the old lexicon was reused"
