"""How much of a message the parser reads: a chat request fits in a few hundred characters.

A WeChat text may hold about 2,000 characters, but no library request ("续借第2本", "帮我查一下
《城南旧事》还有没有") needs more than a few dozen; a longer text is a paste, a story or a test of the
bot. Reading only the head keeps every parse short and bounded whatever arrives, on every path
(the router's needs_run_once, answer_now and respond, `shuxiang parse`, `shuxiang chat`).
"""
from __future__ import annotations

# Characters of the raw message the parser reads. 300 is ten times the longest request in the
# labelled sets (bot/nlp/corpus/labelled.jsonl, ../shared/nlu/dev.jsonl: ≤ 30 characters) and still
# parses in well under a millisecond-per-hundred-characters budget (bench/nlp.py).
MAX_MESSAGE_CHARS = 300

# Added to the reply when a message was cut (docs/nlu.md "Length limit").
CUT_NOTE = f"（消息太长了，我只看了前{MAX_MESSAGE_CHARS}个字。要办的事请分开、简短地发给我。）"


def cut(text: str, limit: int = MAX_MESSAGE_CHARS) -> tuple[str, bool]:
    """The first `limit` characters of text (code points, as WeChat counts them) and whether
    anything was cut. Trailing whitespace does not count as cut."""
    if len(text) <= limit:
        return text, False
    head, tail = text[:limit], text[limit:]
    return head, bool(tail.strip())
