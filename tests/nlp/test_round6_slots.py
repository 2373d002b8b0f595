"""Slot kinds the fifth round's cross-validation still cut wrong (bench/nlp_cv.py on the training
corpus only): codes read out to voice input in Chinese digits, names after a kin word or glued to the
word before, and push-setting kinds in everyday words. The sentences here are new, not the corpus's."""
from __future__ import annotations

import pytest

from bot.nlp import Parser
from bot.nlp.normalise import join_codes
from bot.nlp.slots import extract_bind


@pytest.mark.parametrize(("text", "joined"), [
    ("卡号S二零一九零三一二", "卡号S20190312"),          # a card read out digit by digit
    ("t 零零四五 我的工号", "t0045 我的工号"),               # a staff card, with a space after the letter
    ("条码一零零零零零四五坏了", "条码10000045坏了"),      # a barcode alone: six digits or more
    ("一千零一夜", "一千零一夜"),                          # counted, not read out: 千
    ("三三两两来借书", "三三两两来借书"),                  # 两 is never a read-out digit
    ("二零二五年的书", "二零二五年的书"),                  # a year: four digits and no letter
])
def test_codes_read_out_in_chinese_digits_become_digits(text: str, joined: str) -> None:
    assert join_codes(text) == joined


@pytest.mark.parametrize(("text", "name"), [
    ("奶奶给孙女绑卡 她叫周可欣 S20190312", "周可欣"),       # 叫 wins over the word after 孙女
    ("三年级插班生林晓雨的爸爸 S20190407", "林晓雨"),        # 插班生 glued before the name
    ("我是司马光远的妈妈 S20190408", "司马光远"),            # four characters with a compound surname
    ("外公帮外孙绑一下 名字是郑好 S20190409", "郑好"),
])
def test_the_card_holders_name(text: str, name: str) -> None:
    assert extract_bind(text)["name"] == name


@pytest.mark.parametrize(("text", "intent", "kind"), [
    ("每周的阅读小结先别发了", "unsubscribe", "weekly_report"),
    ("通知统统关掉吧", "unsubscribe", "all"),
    ("预约的书到馆了再提醒我 重新打开", "resubscribe", "arrival"),
    ("新到的书以后别推送了", "unsubscribe", "new_books"),
])
def test_push_settings_in_everyday_words_name_their_kind(parser: Parser, text: str, intent: str, kind: str) -> None:
    got = parser.parse(text)
    assert (got.intent, got.slots.get("kind")) == (intent, kind)


@pytest.mark.parametrize(("text", "joined"), [
    ("借出 b 000 777 s 30 555", "借出 b000777 s30555"),    # codes read off a label in groups
    ("S 2019 0312 绑定", "S20190312 绑定"),
    ("1000 0777 催还", "10000777 催还"),
    ("10000777 25 元", "10000777 25 元"),                 # a whole code and an amount stay apart
    ("b000777s30555", "b000777 s30555"),                  # a book's and a card's code glued together
    ("电话 139 1234 5678", "电话 139 1234 5678"),          # a phone number: 11 digits never join
    ("2026 11 30", "2026 11 30"),                          # a date in two-digit groups
    ("B 0001234 还", "B0001234 还"),
])
def test_codes_typed_in_groups_are_one_code(text: str, joined: str) -> None:
    assert join_codes(text) == joined


@pytest.mark.parametrize(("text", "name"), [
    ("绑一下 S20190312 我外孙女叫何雨桐谢谢", "何雨桐"),     # a courtesy word after the name
    ("我是陈思琪的妈咪 S20190312", "陈思琪"),
    ("孙子叫欧阳晓东 S20190312", "欧阳晓东"),
])
def test_names_with_courtesy_words_and_new_kin_words(text: str, name: str) -> None:
    assert extract_bind(text)["name"] == name


@pytest.mark.parametrize(("text", "intent"), [
    ("benban yuqi", "class_overdue"),          # a class teacher typing pinyin
    ("new books", "new_books"),
    ("本版逾期", "class_overdue"),              # 版 for 班, an IME slip
    ("借书时间", "hours"),                      # when the library lends, not the asker's loans
    ("最近发布了什么活动", "activities"),       # a question about activities publishes nothing
])
def test_everyday_forms_of_known_requests(parser: Parser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


def test_cantonese_particles_read_as_mandarin(parser: Parser) -> None:
    got = parser.parse("嗰本夏洛的网有冇")
    assert (got.intent, got.slots.get("query")) == ("search", "夏洛的网")


@pytest.mark.parametrize(("text", "query"), [
    ("预约 笑猫日记 寻找黑骑士", "笑猫日记 寻找黑骑士"),      # 寻找 holds 找: a word of the volume's title
    ("笑猫日记 寻找黑骑士 预约一下", "笑猫日记 寻找黑骑士"),
    ("笑猫日记帮我留一本", "笑猫日记"),                        # 帮 is a request: the series alone
])
def test_a_series_and_its_volume_title_with_request_like_characters_inside_words(text: str, query: str) -> None:
    from cli.parse import catalogue_parser  # the demo catalogue: 笑猫日记 is a series there

    assert catalogue_parser().parse(text).slots.get("query") == query
