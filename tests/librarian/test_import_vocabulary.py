"""The words other systems put in type, grade, source and subject cells, and ISBNs with suffixes."""
from __future__ import annotations

import pytest

from core.imports.values import GradesProblem, parse_grades, parse_subjects
from core.imports.vocabulary import ITEM_TYPE_WORDS, item_type, source
from core.isbn import normalise_isbn
from core.models import ItemType

# Every word of the table, as a cell holding only it and as a longer cell around it.
EXPECTED_TYPES = {
    "普通图书": ItemType.GENERAL, "普通": ItemType.GENERAL, "中文图书": ItemType.GENERAL, "图书": ItemType.GENERAL,
    "外借": ItemType.GENERAL, "可外借": ItemType.GENERAL, "流通": ItemType.GENERAL, "绘本": ItemType.GENERAL,
    "连环画": ItemType.GENERAL, "少儿图书": ItemType.GENERAL,
    "教学参考书": ItemType.TEACHING_REFERENCE, "教学参考": ItemType.TEACHING_REFERENCE,
    "教参": ItemType.TEACHING_REFERENCE, "教师用书": ItemType.TEACHING_REFERENCE, "教辅": ItemType.TEACHING_REFERENCE,
    "工具书": ItemType.REFERENCE, "参考工具书": ItemType.REFERENCE, "参考书": ItemType.REFERENCE,
    "大型成套": ItemType.REFERENCE, "成套图书": ItemType.REFERENCE, "不外借": ItemType.REFERENCE,
    "不可外借": ItemType.REFERENCE, "非外借": ItemType.REFERENCE, "禁止外借": ItemType.REFERENCE,
    "不流通": ItemType.REFERENCE, "非流通": ItemType.REFERENCE, "不可借": ItemType.REFERENCE, "禁借": ItemType.REFERENCE,
    "阅览": ItemType.REFERENCE, "仅供阅览": ItemType.REFERENCE, "馆内阅览": ItemType.REFERENCE,
    "期刊": ItemType.PERIODICAL, "杂志": ItemType.PERIODICAL, "报纸": ItemType.PERIODICAL,
    "报刊": ItemType.PERIODICAL, "过刊": ItemType.PERIODICAL, "合订本": ItemType.PERIODICAL,
}


def test_the_expectations_cover_every_word_of_the_table() -> None:
    assert set(EXPECTED_TYPES) == set(ITEM_TYPE_WORDS)


@pytest.mark.parametrize("word", sorted(EXPECTED_TYPES))
def test_each_type_word_alone_and_inside_a_cell(word: str) -> None:
    assert item_type(word) == (EXPECTED_TYPES[word], True)
    assert item_type(f"（{word}）") == (EXPECTED_TYPES[word], True)


def test_longest_word_wins_so_teaching_reference_is_lent() -> None:
    # 教学参考书 contains 参考书: matched in table order it became reference-only, never lent.
    assert item_type("教学参考书") == (ItemType.TEACHING_REFERENCE, True)
    assert item_type("中文 教学参考书") == (ItemType.TEACHING_REFERENCE, True)
    assert item_type("不外借") == (ItemType.REFERENCE, True)  # not 外借
    assert item_type("参考工具书") == (ItemType.REFERENCE, True)


def test_an_unknown_type_lends_normally_and_says_so() -> None:
    assert item_type("BK") == (ItemType.GENERAL, False)
    assert item_type("") == (None, True)


@pytest.mark.parametrize(("cell", "grades"), [
    ("1-3年级", (1, 3)), ("一至三年级", (1, 3)), ("1~2年级", (1, 2)), ("一、二年级", (1, 2)), ("三年级", (3, 3)),
    ("小学低年级", (1, 2)), ("中年级", (3, 4)), ("小学高年级", (5, 6)), ("小学", (1, 6)), ("初中", (7, 9)),
    ("初一", (7, 7)), ("七年级", (7, 7)), ("三年级以上", (3, 9)), ("四年级以下", (1, 4)), ("6-8岁", (1, 2)),
    ("小学高年级及初中", (5, 9)), ("", None), ("教师", None), ("成人", None),
])
def test_suitable_grades(cell: str, grades: tuple[int, int] | None) -> None:
    assert parse_grades(cell) == grades


def test_grades_that_name_no_grade_are_a_problem() -> None:
    with pytest.raises(GradesProblem):
        parse_grades("适合所有人")


@pytest.mark.parametrize(("cell", "expected"), [
    ("采购", ("采购", "")), ("购买", ("采购", "")), ("捐赠", ("捐赠", "")), ("赠送", ("捐赠", "")),
    ("捐赠（三年级2班家委会）", ("捐赠", "三年级2班家委会")), ("捐赠-张明", ("捐赠", "张明")), ("调拨", ("调拨", "")),
    ("", ("", "")), ("区教育局项目", ("区教育局项目", "")),
])
def test_source_and_donor(cell: str, expected: tuple[str, str]) -> None:
    assert source(cell) == expected


def test_subjects_become_space_separated_words() -> None:
    assert parse_subjects("童话;成长，友谊、童话") == "童话 成长 友谊"
    assert parse_subjects("儿童小说-中国-当代") == "儿童小说 中国 当代"


@pytest.mark.parametrize("cell", ["7-111-03758-8", "7-111-03758-8/TP·123", "ISBN 7-111-03758-8",
                                  "9787111037583（平装）", "978-7-111-03758-3"])
def test_isbns_as_chinese_exports_write_them(cell: str) -> None:
    assert normalise_isbn(cell) == "9787111037583"


def test_a_wrong_check_digit_is_still_refused() -> None:
    assert normalise_isbn("7-111-03758-9") is None


@pytest.mark.parametrize(("cell", "fen"), [("18.00元/册", 1800), ("CNY18.00", 1800), ("18元", 1800), ("￥18", 1800),
                                           ("35", 3500), ("RMB 25.5", 2550), ("CNY36.00(全2册)", 3600), ("$12", None),
                                           ("-5", None)])
def test_price_notations(cell: str, fen: int | None) -> None:
    from core.imports.values import PriceProblem, read_price

    if fen is None:
        with pytest.raises(PriceProblem):
            read_price(cell)
    else:
        assert read_price(cell) == fen
