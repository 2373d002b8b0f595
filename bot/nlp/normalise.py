"""Text clean-up before parsing: width, script, emoji, whitespace and trailing punctuation."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.nlp.lexicon import WECHAT_EMOTICONS

# WeChat sends its built-in faces as "[微笑]" text; only the known names are stripped so a
# title in square brackets survives.
_EMOTICON_RE = re.compile(r"\[(?:" + "|".join(re.escape(e) for e in WECHAT_EMOTICONS) + r")\]")
_OLD_SMILEY_RE = re.compile(r"/::[^\s]{1,2}")
_SPACE_RE = re.compile(r"\s+")
# Voice input ends sentences with 。, people add ！！ or ~~; none of it carries meaning. Stripped with
# str.rstrip: a regex "[…]+$" rescans every run of them that is not at the end (O(n²)).
_TRAILING_CHARS = "。.!！?？~～…,，、;；:： "  # whitespace is a single space by then
_LEADING_RE = re.compile(r"^[。.!！~～…,，、;；:：\s]+")


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    """Load OpenCC's traditional→simplified tables once, on first use."""
    from opencc import OpenCC

    return OpenCC("t2s")


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    if 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0xFE00 <= cp <= 0xFE0F or cp == 0x200D:
        return True
    return unicodedata.category(ch) in ("So", "Cs", "Co") and cp != 0xE000


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified ones (no-op for plain simplified text)."""
    if text.isascii():
        return text
    return _converter().convert(text)


def normalise(text: str) -> str:
    """Return the message in one canonical form: NFKC, simplified, no emoji, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _EMOTICON_RE.sub(" ", text)
    text = _OLD_SMILEY_RE.sub(" ", text)
    text = "".join(" " if _is_emoji(ch) else ch for ch in text)
    text = to_simplified(text)
    text = _SPACE_RE.sub(" ", text).strip()
    text = _LEADING_RE.sub("", text)
    return text.rstrip(_TRAILING_CHARS)


def is_only_question_mark(text: str) -> bool:
    """True for a message that is just "?" or "？？" (people asking what the bot does)."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    return bool(stripped) and set(stripped) <= {"?"}
