"""Unit tests: normalisation, numerals, intent priority, slots and confidence."""
from __future__ import annotations

import pytest

from bot.nlp import CONFIRM_THRESHOLD, Parser
from bot.nlp.normalise import normalise
from bot.nlp.numerals import bare_indexes, cn_to_int, find_indexes


@pytest.mark.parametrize(("raw", "want"), [
    ("ｃｆｚ", "cfz"),
    ("續借《城南舊事》。", "续借《城南旧事》"),
    ("  查书   草房子  ", "查书 草房子"),
    ("你好😊[微笑]续借！！", "你好 续借"),
    ("图书馆几点开门？", "图书馆几点开门"),
    ("查书\u3000昆虫记~~", "查书 昆虫记"),
])
def test_normalise_makes_one_canonical_form(raw: str, want: str) -> None:
    assert normalise(raw) == want


@pytest.mark.parametrize(("token", "want"), [("3", 3), ("三", 3), ("两", 2), ("十", 10), ("十二", 12),
                                             ("二十", 20), ("二十三", 23), ("三体", None)])
def test_chinese_numerals_become_ints(token: str, want: int | None) -> None:
    assert cn_to_int(token) == want


@pytest.mark.parametrize(("text", "want"), [
    ("续借第1本和第3本", [1, 3]), ("第一、三本续借", [1, 3]), ("前两本续借", [1, 2]),
    ("第一本和三体", [1]), ("续借第十二本", [12]), ("最后一本续借", [-1]),
])
def test_positions_are_found_in_arabic_and_chinese_numerals(text: str, want: list[int]) -> None:
    assert find_indexes(text)[0] == want


def test_bare_positions_only_when_the_text_is_nothing_else() -> None:
    assert bare_indexes("1 3") == [1, 3]
    assert bare_indexes("一和三") == [1, 3]
    assert bare_indexes("三体") is None
    assert bare_indexes("9787020002207") is None


@pytest.mark.parametrize(("text", "intent"), [
    ("取消预约三体", "cancel_reservation"),
    ("预约三体", "reserve"),
    ("借阅规则", "rules"),
    ("我的借阅", "my_loans"),
    ("续借规则", "rules"),
    ("能续借几次", "rules"),
    ("续借", "renew"),
    ("本班逾期名单", "class_overdue"),
    ("逾期怎么罚", "rules"),
    ("我有罚款吗", "fines"),
    ("取消到期提醒", "unsubscribe"),
    ("解除绑定", "unbind"),
    ("绑定 T0001 张丽", "bind"),
    ("查理九世", "search"),
    ("新书推荐", "new_books"),
    ("借出 B000123 T0001", "checkout"),
    ("归还 B000123", "checkin"),
])
def test_intent_priority_resolves_conflicting_keywords(parser: Parser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


def test_a_keyword_inside_a_catalogue_title_does_not_trigger_an_intent(parser: Parser) -> None:
    result = parser.parse("查理九世")
    assert result.slots == {"query": "查理九世"}


def test_refusing_an_action_is_not_that_action(parser: Parser) -> None:
    for text in ("不用续借了", "不要续借", "别续借"):
        assert parser.parse(text).intent == "unknown"


def test_weak_hints_of_an_action_stay_below_the_threshold(parser: Parser) -> None:
    hint = parser.parse("T0012 张丽")  # a card and a name, but nobody said 绑定
    assert hint.intent == "bind"
    assert hint.needs_confirmation and hint.confidence < CONFIRM_THRESHOLD
    assert parser.parse("绑错了").confidence < CONFIRM_THRESHOLD


def test_explicit_actions_are_confident(parser: Parser) -> None:
    for text in ("续借第2本", "预约《三体》", "绑定 T0012 张丽", "挂失借书证"):
        result = parser.parse(text)
        assert result.confidence >= CONFIRM_THRESHOLD and not result.needs_confirmation


def test_bind_upper_cases_the_card_number(parser: Parser) -> None:
    assert parser.parse("绑定 s2023ab01 王小明").slots == {"card_no": "S2023AB01", "name": "王小明"}


@pytest.mark.parametrize(("text", "grade"), [("推荐三年级的书", 3), ("初一推荐读什么", 7), ("初三必读", 9),
                                             ("推荐适合9年级的书", 9)])
def test_grades_include_junior_middle_school(parser: Parser, text: str, grade: int) -> None:
    assert parser.parse(text).slots.get("grade") == grade


def test_senior_high_grades_are_not_supported(parser: Parser) -> None:
    assert "grade" not in parser.parse("推荐高一的书").slots


def test_short_replies_continue_a_pending_question(parser: Parser) -> None:
    assert parser.parse("2").to_dict() == {"intent": "unknown", "slots": {"indexes": [2]}}
    assert parser.parse("第二本").slots == {"indexes": [2]}
    assert parser.parse("全部").slots == {"all": True}
    assert parser.parse("好的").slots == {"confirm": True}


def test_catalogue_can_be_rebuilt(parser: Parser) -> None:
    fresh = Parser(catalogue_terms=["草房子"], model=None)  # the rules alone read only catalogue titles
    assert fresh.parse("呼兰河传").intent == "unknown"
    fresh.update_catalogue(["草房子", "呼兰河传", "萧红"])
    assert fresh.parse("呼兰河传").to_dict() == {"intent": "search", "slots": {"query": "呼兰河传"}}


@pytest.mark.parametrize("junk", ["", " ", "\x00", "《", "》》》", "a" * 5000, "第", "😀" * 10, "\ufffd"])
def test_parse_never_raises(parser: Parser, junk: str) -> None:
    result = parser.parse(junk)
    assert 0.0 <= result.confidence <= 1.0 and isinstance(result.to_json(), str)
