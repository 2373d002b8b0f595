"""The parser: normalise, protect titles, pick an intent by priority, fill its slots, score it."""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.nlp import slots as sl
from bot.nlp.dictionary import build_tokenizer, clean_terms
from bot.nlp.intents import ACTION_INTENTS, IntentMatch, detect, is_question
from bot.nlp.lexicon import (
    CONFIRM_NO,
    CONFIRM_YES,
    GREETINGS,
    LIBRARY_WORDS,
    PINYIN_COMMANDS,
    TYPO_FIXES,
)
from bot.nlp.limits import MAX_MESSAGE_CHARS, cut
from bot.nlp.normalise import is_only_question_mark, normalise
from bot.nlp.numerals import bare_indexes, find_indexes

log = logging.getLogger(__name__)

# Below this the bot asks a short clarifying question instead of acting (docs/nlu.md).
CONFIRM_THRESHOLD = 0.6

_GREETINGS = sorted(GREETINGS, key=len, reverse=True)
_TYPO_RE = re.compile("|".join(re.escape(k) for k in sorted(TYPO_FIXES, key=len, reverse=True)))
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_ISBN = re.compile(r"^(?:97[89])?\d{9}[\dXx]$")
_PINYIN_ONLY = re.compile(r"^[a-z][a-z ']{1,40}$")
_SELECT_NOISE = re.compile(r"[\s,，、吧的这那是要选就呢啊好]")
_BARE_ALL = re.compile(r"^(?:全部|全都|都|都要|全要|所有|所有的|全部都要|两本都要|都续|全选)了?吧?$")
_ABOUT_BOOKS = re.compile(r"^(?:.{1,10})(?:的|类|方面的|相关的)(?:书|书籍|绘本|小说|读物)$")
_SEP_AFTER_GREETING = re.compile(r"[\s,，!！.。~～]*")  # used with match(text, pos): no "^"
# Titles people mark; the content excludes the opening mark so unclosed marks cost O(n), not O(n²).
_MARKED = re.compile(r"《[^《》]*》|“[^“”]*”|\"[^\"]*\"|「[^「」]*」|『[^『』]*』|【[^【】]*】")
_NOT_TITLES = frozenset(LIBRARY_WORDS) | frozenset(GREETINGS)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What the user wants (`intent`), its details (`slots`) and how sure we are (0..1)."""

    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0

    @property
    def needs_confirmation(self) -> bool:
        """True when an action was only weakly indicated and the bot should ask first."""
        return self.intent in ACTION_INTENTS and self.confidence < CONFIRM_THRESHOLD

    def to_dict(self) -> dict[str, Any]:
        """The `shuxiang parse` JSON shape: {"intent", "slots"}."""
        return {"intent": self.intent, "slots": self.slots}

    def to_json(self) -> str:
        """One JSON line, Chinese kept readable."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


class Parser:
    """Chinese intent + slot parser; rebuild its dictionary with update_catalogue()."""

    def __init__(self, catalogue_terms: Iterable[str] = ()) -> None:
        self._terms: frozenset[str] = frozenset()
        self._tokenizer = None
        self.update_catalogue(catalogue_terms)

    def update_catalogue(self, terms: Iterable[str]) -> None:
        """Load a new set of titles/authors/series into the jieba dictionary (cached by hash)."""
        cleaned = clean_terms(terms)
        self._tokenizer = build_tokenizer(cleaned)
        self._terms = frozenset(t for t in cleaned if t not in _NOT_TITLES)
        self.generation = getattr(self, "generation", 0) + 1  # results of older dictionaries are stale

    def tokenize(self, text: str) -> list[str]:
        """jieba words of text using the library and catalogue dictionary."""
        return self._tokenizer.lcut(text, HMM=False) if text else []  # type: ignore[union-attr]

    def parse(self, text: str, *, limit: int | None = MAX_MESSAGE_CHARS) -> ParseResult:
        """Parse one message; never raises (a bad message is `unknown`).

        Only the first `limit` characters are read (bot.nlp.limits: a request is short, and the
        parse must stay bounded); `limit=None` reads everything, for benchmarks of the algorithm,
        which is linear in the text.
        """
        try:
            text = text if isinstance(text, str) else str(text)
            return self._parse(text if limit is None else cut(text, limit)[0])
        except Exception:  # the bot must answer something, whatever came in
            log.exception("parser failed on a %d-character message", len(text))  # the text may be personal
            return ParseResult("unknown", {}, 0.0)

    def _parse(self, raw: str) -> ParseResult:
        if is_only_question_mark(raw):
            return ParseResult("help", {}, 0.9)
        text = _fix_typos(normalise(raw))
        text = _strip_greeting(text)
        if text is None:
            return ParseResult("help", {}, 0.9)
        if not text:
            return ParseResult("unknown", {}, 0.0)
        if (reply := _short_reply(text)) is not None:
            return reply
        brackets = sl.bracketed(text)
        masked, tokens, hits = self._mask(text)
        match = detect(masked, tokens)
        if match is None:
            return self._fallback(text, masked, brackets, hits)
        if match.negated:  # "不用续借了": never act on a refusal
            return ParseResult("unknown", {}, 0.3)
        slots = self._slots(match.intent, text, masked, brackets, hits)
        return ParseResult(match.intent, slots, _confidence(match, text, slots))

    def _mask(self, text: str) -> tuple[str, list[str], list[str]]:
        """Replace bracketed titles and catalogue terms by one MASK char so keywords inside them
        ("查理九世", "《新书》") cannot trigger an intent; returns masked text, its tokens, hits."""
        masked = _MARKED.sub(sl.MASK, text)
        tokens = self.tokenize(masked)
        hits: list[str] = []
        out: list[str] = []
        for tok in tokens:
            if len(tok) >= 2 and tok.lower() in self._terms:
                hits.append(tok)
                out.append(sl.MASK)
            else:
                out.append(tok)
        return "".join(out), out, hits

    def _slots(self, intent: str, text: str, masked: str, brackets: list[str],
               hits: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if intent in ("renew", "cancel_reservation"):
            indexes, rest = sl.extract_indexes(masked)
            if not indexes:
                leftover = sl._COMMAND_RE.sub(" ", rest).strip()
                indexes = bare_indexes(leftover) or []
            if indexes:
                out["indexes"] = indexes
            elif sl.wants_all(masked):
                out["all"] = True
            if not out or brackets or hits:
                query = sl.extract_query(rest, brackets, hits, self.tokenize)
                if query:
                    out["query"] = query
        elif intent in ("search", "reserve"):
            query = sl.extract_query(masked, brackets, hits, self.tokenize)
            if query:
                out["query"] = query
        elif intent == "bind":
            out.update(sl.extract_bind(text))
        elif intent in ("recommend", "new_books", "ranking", "publish_activity", "class_overdue"):
            if (grade := sl.extract_grade(text)) is not None:
                out["grade"] = grade
            if intent in ("recommend", "new_books") and (topic := sl.extract_topic(text)):
                out["topic"] = topic
            if intent == "class_overdue" and (class_no := sl.extract_class_no(text)) is not None:
                out["class_no"] = class_no
            if intent == "publish_activity" and (body := sl.extract_activity_text(text)):
                out["text"] = body
        elif intent in ("unsubscribe", "resubscribe"):
            if kind := sl.extract_kind(text):
                out["kind"] = kind
        elif intent == "issue_code":
            codes = sl.extract_codes(text)
            if codes:
                out["card_no"] = codes[0]
            out["for_parent"] = "家长" in text
        elif intent in ("checkout", "checkin", "recall", "mark_lost"):
            codes = sl.extract_codes(text)
            if codes:
                out["barcode"] = codes[0]
            if intent == "checkout" and len(codes) > 1:
                out["card_no"] = codes[1]
            elif len(codes) > 1:
                out["barcodes"] = codes
        return out

    def _fallback(self, text: str, masked: str, brackets: list[str], hits: list[str]) -> ParseResult:
        """No keyword: a bare title, ISBN, pinyin or "X的书" is a search; a card + name a weak bind."""
        if brackets or hits:
            query = sl.extract_query(masked, brackets, hits, self.tokenize)
            only_title = masked.strip() == sl.MASK
            return ParseResult("search", {"query": query} if query else {}, 0.85 if only_title else 0.7)
        compact = text.replace(" ", "").replace("-", "")
        if _ISBN.match(compact):
            return ParseResult("search", {"query": compact.upper()}, 0.9)
        bind = sl.extract_bind(text)
        if "card_no" in bind and "name" in bind:
            return ParseResult("bind", bind, 0.45)
        lowered = text.lower()
        if _PINYIN_ONLY.match(lowered):
            words = lowered.split()
            return ParseResult("search", {"query": words[-1] if len(words) > 1 else lowered}, 0.6)
        if _ABOUT_BOOKS.match(text) or sl.extract_topic(text) == text:
            query = sl.extract_query(masked, [], [], self.tokenize)
            return ParseResult("search", {"query": query} if query else {}, 0.6)
        return ParseResult("unknown", {}, 0.2)


def _fix_typos(text: str) -> str:
    """Voice/IME slips and pinyin commands ("xujie", "chashu caofangzi") → Chinese keywords."""
    text = _TYPO_RE.sub(lambda m: TYPO_FIXES[m.group()], text)
    if not text.isascii() or " " in text or text.lower() in PINYIN_COMMANDS:
        text = _LATIN_WORD.sub(lambda m: PINYIN_COMMANDS.get(m.group().lower(), m.group()), text)
    return text


def _strip_greeting(text: str) -> str | None:
    """Remove a leading greeting; None when the message was nothing but greetings.

    Moves an index instead of slicing, so "你好，你好，…" costs O(n), not O(n²).
    """
    pos = 0
    while True:
        for word in _GREETINGS:
            end = pos + len(word)
            if text[pos:end].lower() == word:
                single = len(word) == 1 or word.isascii()
                after = _SEP_AFTER_GREETING.match(text, end)
                if single and end < len(text) and not after.group():  # type: ignore[union-attr]
                    continue  # "早点还" is not a greeting; "hiking" is not "hi"
                pos = after.end()  # type: ignore[union-attr]
                break
        else:
            return text[pos:]
        if pos >= len(text):
            return None


def _short_reply(text: str) -> ParseResult | None:
    """Answers to a pending question: yes/no, positions ("2", "第1本和第3本"), or all."""
    lowered = text.lower()
    if lowered in CONFIRM_YES:
        return ParseResult("unknown", {"confirm": True}, 0.9)
    if lowered in CONFIRM_NO:
        return ParseResult("unknown", {"confirm": False}, 0.9)
    if _BARE_ALL.match(text):
        return ParseResult("unknown", {"all": True}, 0.8)
    if (indexes := bare_indexes(text)) is not None:
        return ParseResult("unknown", {"indexes": indexes}, 0.8)
    found, spans = find_indexes(text)
    if found:
        if not _SELECT_NOISE.sub("", sl.blank_spans(text, spans, "")):
            return ParseResult("unknown", {"indexes": found}, 0.8)
    return None


def _confidence(match: IntentMatch, text: str, slots: dict[str, Any]) -> float:
    """Strong keyword → high; a question about an action → a little lower; a hint → below threshold."""
    action = match.intent in ACTION_INTENTS
    if match.weak:
        return 0.45 if action else 0.55
    if not action:
        return 0.85
    if is_question(text) and not slots:
        return 0.7
    return 0.95 if slots else 0.85
