"""Long messages: the parse is linear in the text, and only the head of a message is read at all.

Issue 11 #2: "查" + "书" × 3000 held every other user's reply for about 5 s, because each peeled
filler re-segmented the whole text. The algorithm is checked with limit=None (everything read);
the cut itself with the default limit.
"""
from __future__ import annotations

import time

import pytest

from bot.nlp import Parser
from bot.nlp.limits import CUT_NOTE, MAX_MESSAGE_CHARS, cut
from tests.nlp.conftest import CATALOGUE


class CountingParser(Parser):
    """The real parser, counting how many characters it hands to jieba."""

    tokenized = 0

    def tokenize(self, text: str) -> list[str]:
        self.tokenized += len(text)
        return super().tokenize(text)


@pytest.fixture(scope="module")
def counting() -> CountingParser:
    return CountingParser(catalogue_terms=CATALOGUE)


# Texts that made a step quadratic: fillers peeled one by one (书, 吗, 帮我), greetings repeated.
PEELED = {
    "trailing 书": "查" + "书" * 3000,
    "trailing 吗": "查草房" + "吗" * 3000,
    "leading 帮我": "查" + "帮我" * 1500 + "草房",
    "both ends": "查" + "帮" * 1500 + "房" + "呢" * 1500,
}


@pytest.mark.parametrize("name", PEELED)
def test_jieba_reads_each_character_a_bounded_number_of_times(counting: CountingParser, name: str) -> None:
    text = PEELED[name]
    counting.tokenized = 0
    counting.parse(text, limit=None)
    # Before the fix: ~n²/2 characters (4.5 million for 3,000); now a small multiple of n.
    assert counting.tokenized <= 40 * len(text), counting.tokenized


# Texts that made a regular expression rescan the rest of the message from every position.
RESCANNED = {
    "digits": "1" * 16000,
    "letter and digits": "B" + "1" * 16000,
    "dashed codes": "验证码" + "1111-" * 3200,
    "unclosed 《": "查" + "《" * 16000,
    "unclosed “": "查" + "“" * 16000,
    "positions": "续借第1本" * 3200,
    "greetings": "你好，" * 5300,
    "spaces left by command words": "续借1" + " 续借" * 5000 + "x",
    "trailing question words": "查" + "吗" * 16000 + "x",
}


@pytest.mark.parametrize("name", RESCANNED)
def test_sixteen_thousand_characters_parse_in_a_fraction_of_a_second(parser: Parser, name: str) -> None:
    text = RESCANNED[name]
    start = time.perf_counter()
    parser.parse(text, limit=None)
    elapsed = time.perf_counter() - start
    # Linear: ~0.05-0.1 s here on a loaded 2-core machine; before the fix 1-4 s (quadratic).
    assert elapsed < 0.6, f"{name}: {elapsed:.2f} s"


def test_only_the_head_of_a_message_is_read(parser: Parser) -> None:
    head = "续借第2本"
    long = head + "，" + "书" * 5000
    assert parser.parse(long) == parser.parse(long[:MAX_MESSAGE_CHARS])
    assert parser.parse(long).to_dict() == {"intent": "renew", "slots": {"indexes": [2]}}
    # what comes after the limit is not read at all, not even a later keyword
    assert parser.parse("哈" * MAX_MESSAGE_CHARS + "续借第2本").intent != "renew"


def test_cut_keeps_the_head_and_says_whether_anything_was_lost() -> None:
    assert cut("续借第2本") == ("续借第2本", False)
    assert cut("书" * (MAX_MESSAGE_CHARS + 1)) == ("书" * MAX_MESSAGE_CHARS, True)
    assert cut("书" * MAX_MESSAGE_CHARS + "   ") == ("书" * MAX_MESSAGE_CHARS, False)
    assert str(MAX_MESSAGE_CHARS) in CUT_NOTE


@pytest.mark.parametrize("n", [50, 500, 5000])
def test_a_capped_parse_of_any_length_stays_within_a_few_milliseconds(parser: Parser, n: int) -> None:
    worst = 0.0
    for text in ("查" + "书" * n, "1" * n, "《" * n, "你好，" * n):
        parser.parse(text)  # warm
        start = time.perf_counter()
        parser.parse(text)
        worst = max(worst, time.perf_counter() - start)
    assert worst < 0.05, f"{worst * 1000:.1f} ms"  # typically 1-3 ms; the budget allows a loaded machine
