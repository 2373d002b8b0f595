"""Attack on round 6's code joining and name trimming: ordinary messages the new rules turn into a
wrong code (a count, a day or a number of days glued onto a barcode or a card) or a wrong name (a
two-character name glued to the word before or after it, cut as though it were three)."""
from __future__ import annotations

import pytest

from bot.nlp import Parser
from bot.nlp.normalise import join_codes
from bot.nlp.slots import extract_bind


# A code followed by a small number that is not part of it: a count, a day, a number of days, money.
# c106684 kept the code; the groups rule (\d{2,5} after a space) now glues the number on.
@pytest.mark.parametrize(("text", "intent", "slot", "code"), [
    ("挂失 B000356 10 号丢的", "mark_lost", "barcode", "B000356"),       # → B00035610: the wrong copy
    ("借出 B000356 S30277 30 天", "checkout", "card_no", "S30277"),      # → S3027730
    ("续借 S30277 12 本", "reader_loans", "card_no", "S30277"),          # → S3027712
])
def test_a_number_after_a_code_is_not_part_of_it(parser: Parser, text: str, intent: str, slot: str,
                                                 code: str) -> None:
    got = parser.parse(text)
    assert (got.intent, got.slots.get(slot)) == (intent, code)


@pytest.mark.parametrize(("text", "joined"), [
    ("还书 B000356 25 元", "还书 B000356 25 元"),
    ("B000356 12 点还", "B000356 12 点还"),
])
def test_join_codes_leaves_a_code_and_a_separate_small_number(text: str, joined: str) -> None:
    assert join_codes(text) == joined


# A two-character name with a two-character word glued on: the four-character rule keeps three.
# c106684 found no name (the bot asked for it) for the first two; now a wrong name goes to bind.
@pytest.mark.parametrize(("text", "name"), [
    ("一年级新生王明的妈妈，想绑定 S30277", "王明"),        # was 生王明
    ("我女儿叫张悦现在三年级，想绑定 S30277", "张悦"),      # was 张悦现
    ("孩子叫王明同学，想绑定 S30277", "王明"),              # was 王明同
    ("他叫刘洋今年九岁，绑定借书证 S30277", "刘洋"),        # was 刘洋今
    ("我是一年级新生马天宇的妈妈 S30277", "马天宇"),        # a three-character name still keeps three
    ("女儿叫安在 S30277", "安在"),                          # two characters are never trimmed
])
def test_a_two_character_name_is_not_cut_to_three(text: str, name: str) -> None:
    assert extract_bind(text).get("name") == name
