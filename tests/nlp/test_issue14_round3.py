"""Issue 14, third round: kinds of fault found on eight new writers' messages, each with sentences of
its own (not the corpus's): an action already done is not done again, a declined action is not done,
corrections, how-questions, positions counted from the end, short answers with particles, class
numbers, ISBNs with hyphens, English command words, names."""
from __future__ import annotations

import pytest

from bot.nlp import Parser
from bot.nlp.intents import ACTION_INTENTS
from cli.parse import catalogue_parser


@pytest.fixture(scope="module")
def parser() -> Parser:
    return catalogue_parser()


@pytest.mark.parametrize("text", ["女儿讲她已经续借过了", "前天在图书室续好了 跟您说下", "已经绑定好了 谢谢",
                                  "孩子说老师帮他预约了"])
def test_an_action_told_as_done_is_not_done_again(parser: Parser, text: str) -> None:
    assert parser.parse(text).intent not in ACTION_INTENTS


@pytest.mark.parametrize(("text", "intent"), [
    ("前天在图书室续好了 跟您说下", "unknown"),         # told: small talk, no second renewal
    ("草房子续借成功了吗", "my_loans"),                 # asked: the loan's status
    ("昨天续的那本续上了没", "my_loans"),
    ("我约的青铜葵花到了吗", "my_loans"),               # a hold waited for
    ("预约排到第几个了", "my_loans"),
    ("约了好久了还没到", "my_loans"),
    ("已经绑定好了 谢谢", "unknown"),
])
def test_an_action_asked_about_as_done_is_its_status(parser: Parser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


@pytest.mark.parametrize("text", ["别取消我的预约", "解绑就算了", "挂失就不用了 卡找到了", "不需要退订"])
def test_an_action_declined_by_name_is_not_done(parser: Parser, text: str) -> None:
    assert parser.parse(text).intent not in ACTION_INTENTS


@pytest.mark.parametrize(("text", "intent"), [
    ("挂失多久能生效", "rules"),
    ("取消预约会有影响吗", "rules"),
    ("解绑在哪儿操作", "help"),
    ("那续两次行不行", "rules"),
])
def test_questions_about_an_action_explain_it(parser: Parser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


@pytest.mark.parametrize(("text", "want"), [
    ("倒数第三本续一下", {"intent": "renew", "slots": {"indexes": [-3]}}),
    ("最后面那本续借", {"intent": "renew", "slots": {"indexes": [-1]}}),
    ("头一本帮我续借", {"intent": "renew", "slots": {"indexes": [1]}}),
    ("倒数第一个预约不要了", {"intent": "cancel_reservation", "slots": {"indexes": [-1]}}),
    ("第2和第4个预约都取消", {"intent": "cancel_reservation", "slots": {"indexes": [2, 4]}}),
    ("取消2和3的预约", {"intent": "cancel_reservation", "slots": {"indexes": [2, 3]}}),
    ("续借第一本和倒数第二本", {"intent": "renew", "slots": {"indexes": [1, -2]}}),
])
def test_positions_counted_from_the_end_and_cancellations(parser: Parser, text: str, want: dict) -> None:
    assert parser.parse(text).to_dict() == want


def test_a_volume_run_into_its_title_is_no_position(parser: Parser) -> None:
    slots = parser.parse("续借 三体第三部死神永生").slots
    assert "indexes" not in slots and "死神永生" in slots.get("query", "")


@pytest.mark.parametrize(("text", "slots"), [
    ("第三个嘛", {"indexes": [3]}),
    ("头一个吧", {"indexes": [1]}),
    ("二四都要", {"indexes": [2, 4]}),
    ("全都要哈", {"all": True}),
    ("好滴呀", {"confirm": True}),
    ("可以的呀 麻烦了", {"confirm": True}),
    ("改天吧", {"confirm": False}),
    ("先别了", {"confirm": False}),
    ("刚刚那个不算", {"confirm": False}),
    ("说错了 不是第一本是第二本", {"indexes": [2]}),
    ("哦不 是2和3", {"indexes": [2, 3]}),
])
def test_short_answers_as_people_type_them(parser: Parser, text: str, slots: dict) -> None:
    assert parser.parse(text).to_dict() == {"intent": "unknown", "slots": slots}


@pytest.mark.parametrize(("text", "want"), [
    ("不是预约 是续借", "renew"),
    ("不是要续借 而是预约", "reserve"),
])
def test_a_correction_is_read_from_what_follows(parser: Parser, text: str, want: str) -> None:
    assert parser.parse(text).intent == want


@pytest.mark.parametrize(("text", "grade", "class_no"), [
    ("405班有没有没还的", 4, 5), ("2年3班逾期名单", 2, 3), ("初一(4)班超期的", 7, 4)])
def test_class_numbers_in_every_shape(parser: Parser, text: str, grade: int, class_no: int) -> None:
    assert parser.parse(text).to_dict() == {"intent": "class_overdue", "slots": {"grade": grade, "class_no": class_no}}


def test_an_isbn_with_hyphens_is_one_number(parser: Parser) -> None:
    assert parser.parse("978-7-02-000220-7 这本有吗").to_dict() == {"intent": "search", "slots": {"query": "9787020002207"}}


@pytest.mark.parametrize(("text", "want"), [
    ("renew 第2本 thx", {"intent": "renew", "slots": {"indexes": [2]}}),
    ("cancel 三体 的预约", {"intent": "cancel_reservation", "slots": {"query": "三体"}}),
    ("unbind please", {"intent": "unbind", "slots": {}}),
])
def test_english_command_words(parser: Parser, text: str, want: dict) -> None:
    got = parser.parse(text).to_dict()
    assert got["intent"] == want["intent"] and all(got["slots"].get(k) == v for k, v in want["slots"].items())


@pytest.mark.parametrize(("text", "name"), [
    ("绑定 S30555 陈思想", "陈思想"), ("我是李红霞老师 工号T0077 绑定", "李红霞"), ("绑个卡 孩子名字叫周可欣 S30601", "周可欣")])
def test_names_in_a_binding(parser: Parser, text: str, name: str) -> None:
    assert parser.parse(text).slots.get("name") == name


@pytest.mark.parametrize(("text", "intent"), [
    ("挂失 0000315", "mark_lost"),           # a copy's barcode: the librarian's lost book
    ("S30201 交了5块钱", "pay_fine"),
    ("收到 S30207 罚款 3元", "pay_fine"),
    ("我家孩子 S30201 还欠钱吗", "fines"),    # a parent: never a return
])
def test_librarian_readings_by_code(parser: Parser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


@pytest.mark.parametrize(("text", "want"), [
    ("预约 The Secret Garden", {"intent": "reserve", "slots": {"query": "The Secret Garden"}}),   # an English title whole
    ("续借 Where the Wild Things Are", {"intent": "renew", "slots": {"query": "Where the Wild Things Are"}}),
    ("笑猫日记 塔顶上的猫 续借", {"intent": "renew", "slots": {"query": "笑猫日记 塔顶上的猫"}}),  # series, space, volume
    ("水浒传 第十回 还没看完 续一下", {"intent": "renew", "slots": {"query": "水浒传"}}),        # 第N回 is no position
    ("续3", {"intent": "renew", "slots": {"indexes": [3]}}),
])
def test_titles_volumes_and_bare_positions(parser: Parser, text: str, want: dict) -> None:
    assert parser.parse(text).to_dict() == want


def test_a_lost_card_with_a_long_card_number_stays_the_readers(parser: Parser) -> None:
    assert parser.parse("借书证丢了 麻烦挂失 S20230517").intent == "report_lost_card"


@pytest.mark.parametrize("text", [
    "No need to renew", "please don't renew", "renew 不用了", "Do not unbind please",  # English negations stay
    "最后这个月能续借一下吗",                                                          # a time, not a position
])
def test_no_action_from_a_negation_or_a_time(parser: Parser, text: str) -> None:
    got = parser.parse(text)
    assert got.intent not in ACTION_INTENTS or not got.slots.get("indexes"), got


@pytest.mark.parametrize("text", ["得了吧", "得了得了", "是嘛", "thank you all", "谢谢 all"])
def test_forget_it_and_thanks_are_no_answer(parser: Parser, text: str) -> None:
    slots = parser.parse(text).slots
    assert slots.get("confirm") is not True and slots.get("all") is not True


@pytest.mark.parametrize("text", ["S30201 已告知罚款", "S30201 已读罚款规则", "我们已经收到罚款通知了 S30201",
                                  "S30201 要交5元吗", "S30201 还没交5元"])
def test_talk_about_a_fine_is_no_payment(parser: Parser, text: str) -> None:
    assert parser.parse(text).intent != "pay_fine"


@pytest.mark.parametrize(("text", "query"), [
    ("续借女巫 罗尔德达尔那本", "女巫"),        # title and author both in the catalogue: the title is the book
    ("曹文轩 青铜葵花 帮我预约", "青铜葵花"),
    ("曹文轩的书", "曹文轩"),                   # an author alone stays the query
])
def test_a_title_beside_its_author_is_the_query(parser: Parser, text: str, query: str) -> None:
    assert parser.parse(text).slots.get("query") == query


@pytest.mark.parametrize(("text", "intent"), [
    ("嗯 不要再给我发消息了", "unsubscribe"),   # 不要 + 再给我发: off, not a refused "on"
    ("取消绑卡", "unbind"),
    ("取消约 草房子", "cancel_reservation"),
    ("俺班借书率多少", "class_stats"),
    ("全班一共借过多少本", "class_stats"),
    ("初一逾期未还", "class_overdue"),
])
def test_more_everyday_requests(parser: Parser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


@pytest.mark.parametrize(("text", "want"), [
    ("草房子还回来了喊我一声", {"intent": "reserve", "slots": {"query": "草房子"}}),
    ("我也要排 城南旧事", {"intent": "reserve", "slots": {"query": "城南旧事"}}),
    ("约狼王梦", {"intent": "reserve", "slots": {"query": "狼王梦"}}),
    ("沈石溪 残狼灰满 预约", {"intent": "reserve", "slots": {"query": "残狼灰满"}}),  # an author, then the book
    ("续借神奇校车海底探险", {"intent": "renew", "slots": {"query": "神奇校车海底探险"}}),  # a series, then its volume
])
def test_holds_in_everyday_words_and_books_after_their_author_or_series(parser: Parser, text: str, want: dict) -> None:
    assert parser.parse(text).to_dict() == want


@pytest.mark.parametrize(("text", "query"), [("曹文轩 好看吗", "曹文轩"), ("神奇校车还在架子上么", "神奇校车")])
def test_words_after_an_author_or_series_that_are_no_title(parser: Parser, text: str, query: str) -> None:
    assert parser.parse(text).slots.get("query") == query


@pytest.mark.parametrize(("text", "want"), [
    ("城南旧事不用等了", {"intent": "cancel_reservation", "slots": {"query": "城南旧事"}}),
    ("草房子别给我留了", {"intent": "cancel_reservation", "slots": {"query": "草房子"}}),
    ("以后照常发", {"intent": "resubscribe", "slots": {}}),
    ("开到期提醒", {"intent": "resubscribe", "slots": {"kind": "due_soon"}}),
    ("名字打错了 应该是周可欣", {"intent": "bind", "slots": {"name": "周可欣"}}),
    ("把借书证连到这个微信上 S30601", {"intent": "bind", "slots": {"card_no": "S30601"}}),
])
def test_holds_pushes_and_bindings_in_everyday_words(parser: Parser, text: str, want: dict) -> None:
    assert parser.parse(text).to_dict() == want
