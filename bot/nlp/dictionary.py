"""The jieba dictionary: jieba's own words + library vocabulary + catalogue terms, cached on disk."""
from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bot.nlp import lexicon
from bot.nlp.lexicon import LIBRARY_WORDS, TOPICS
from bot.nlp.normalise import normalise

# Bump when the way the dictionary file is written changes, so old caches are not reused.
_FORMAT_VERSION = "3"
# jieba splits text at anything outside this class, so a term with "·" or "，" is kept in a
# joined form too ("哈利·波特" → "哈利波特"), which is also how people type it.
_JIEBA_CHARS = re.compile(r"[^\u4e00-\u9fd5a-zA-Z0-9]")
_TERM_FREQ = 200000  # high enough that a catalogue title wins over jieba's own splits
# jieba's dict.txt words rarer than this are left out: 212,000 of its 349,000 words (mostly freq 3–4:
# rare compounds, names, classical terms) cost ~40 MB in every server process (issue 17's memory
# target). A rare word the parser's own word lists name (a filler like 那本书, freq 3) is kept: the
# parser asks jieba whether it is a word. Measured: the same parse for every sentence of the dev set,
# the held-out corpus and the training corpus (7,210 sentences) as with the whole dict.txt.
MIN_BASE_FREQ = int(os.environ.get("SHUXIANG_JIEBA_MIN_FREQ", "5"))
_TITLE_COLUMNS = ("title", "题名", "书名", "正题名")
_AUTHOR_COLUMNS = ("author", "作者", "责任者")
_SERIES_COLUMNS = ("series", "丛书", "丛书名", "系列")


def cache_dir() -> Path:
    """Where built dictionaries and jieba's model caches live (SHUXIANG_CACHE_DIR overrides)."""
    base = os.environ.get("SHUXIANG_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path(tempfile.gettempdir())
    return root / "shuxiang-jieba"


def clean_terms(terms: Iterable[str]) -> list[str]:
    """Normalise catalogue terms into jieba-safe words (sorted, unique, at least 2 characters)."""
    out: set[str] = set()
    for raw in terms:
        term = normalise(raw or "").lower()
        for part in re.split(r"[/;；|]", term):  # "曹文轩/著" or several authors in one cell
            part = re.sub(r"[(（\[【].*?[)）\]】]", "", part).strip()  # "(英)", "[著]"
            part = re.sub(r"(著|编著|主编|编|译|绘|文|图)$", "", part).strip()
            joined = _JIEBA_CHARS.sub("", part)
            if len(joined) >= 2 and not joined.isdigit():
                out.add(joined)
    return sorted(out)


def read_catalogue_terms(path: Path, *, only_authors: bool = False) -> list[str]:
    """Titles, authors and series (or, only_authors, the authors) from a TSV with a header row; [] if the
    file is missing or odd."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = csv.DictReader(fh, delimiter="\t")
            fields = {(name or "").strip().lower(): name for name in rows.fieldnames or []}
            columns = _AUTHOR_COLUMNS if only_authors else (*_TITLE_COLUMNS, *_AUTHOR_COLUMNS, *_SERIES_COLUMNS)
            wanted = [fields[c] for c in columns if c in fields]
            terms = [row.get(col) or "" for row in rows for col in wanted]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        logging.getLogger(__name__).debug("no catalogue terms from %s: %s", path, exc)
        return []
    return terms


def build_tokenizer(terms: list[str]):  # type: ignore[no-untyped-def]
    """A jieba Tokenizer over a dictionary keyed by the hash of its terms (built once, then cached)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    words = sorted(set(terms) | set(LIBRARY_WORDS) | set(TOPICS))
    # Every input of the file: the words added, which rare dict.txt words are kept (the lexicon's), the
    # threshold and the format; a change to any of them writes a new file.
    kept = _lexicon_words()
    digest = hashlib.sha1(("\n".join(words) + "\0" + "\n".join(sorted(kept)) + _FORMAT_VERSION + str(MIN_BASE_FREQ)
                           + jieba.__version__).encode()).hexdigest()[:16]
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    dict_path = folder / f"dict-{digest}.txt"
    if not dict_path.exists():
        base = _base_words(Path(jieba.__file__).with_name("dict.txt"), kept)
        extra = "".join(f"{w} {_TERM_FREQ}\n" for w in words)
        tmp = dict_path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(base + extra, encoding="utf-8")
        os.replace(tmp, dict_path)  # atomic, so two processes starting together never see half a file
    tokenizer = jieba.Tokenizer(dictionary=str(dict_path))
    tokenizer.tmp_dir = str(folder)
    tokenizer.cache_file = f"dict-{digest}.cache"
    tokenizer.initialize()
    return tokenizer


def _base_words(path: Path, keep: frozenset[str]) -> str:
    """jieba's dict.txt lines ("word freq [tag]") with a frequency of at least MIN_BASE_FREQ, or naming
    a word in `keep` (the parser's word lists, bot/nlp/lexicon.py)."""
    with path.open(encoding="utf-8") as lines:
        return "".join(line for line in lines
                       if int(line.split(" ", 2)[1]) >= MIN_BASE_FREQ or line.split(" ", 1)[0] in keep)


def _lexicon_words() -> frozenset[str]:
    """Every word named in bot/nlp/lexicon.py's tuples, sets and dicts (keys and values)."""
    words: set[str] = set()
    for value in vars(lexicon).values():
        if isinstance(value, dict):
            words.update(v for pair in value.items() for v in pair if isinstance(v, str))
        elif isinstance(value, tuple | frozenset | set):
            words.update(v for v in value if isinstance(v, str))
    return frozenset(words)
