"""Issue 14: decorations in follow-up answers, the librarian's and class teacher's new requests."""
from __future__ import annotations

import pytest

from bot.nlp import Parser
from bot.nlp.normalise import normalise


@pytest.mark.parametrize(("raw", "want"), [
    ("2/:strong", "2"),                 # a WeChat face code typed as text
    ("对的/:rose", "对的"),
    ("/::)好的", "好的"),
    ("选4[OK]", "选4"),                  # bracket faces, any case
    ("[抱拳][强]", ""),
    ("2️⃣", "2"),                         # keycap emoji
    ("1️⃣3️⃣续借", "1 3 续借"),
    ("第②本", "第 2 本"),                 # circled numbers
    ("①③", "1 3"),
    ("❸", "3"),
    ("第１本", "第1本"),                  # full-width digits
    ("1/2", "1/2"),                      # a slash that is not a face code stays
])
def test_decorations_are_removed_and_numbers_kept(raw: str, want: str) -> None:
    assert normalise(raw) == want


@pytest.mark.parametrize(("text", "slots"), [
    ("2/:strong", {"indexes": [2]}),
    ("2️⃣", {"indexes": [2]}),
    ("3️⃣[抱拳]", {"indexes": [3]}),
    ("第②本", {"indexes": [2]}),
    ("①③", {"indexes": [1, 3]}),
    ("第１本和第２本", {"indexes": [1, 2]}),
    ("选4[OK]", {"indexes": [4]}),
    ("对的/:strong", {"confirm": True}),
    ("好的好的 麻烦了🙏", {"confirm": True}),
    ("嗯", {"confirm": True}),
    ("不要了谢谢", {"confirm": False}),
    ("先不了", {"confirm": False}),
    ("全都要 谢谢😊", {"all": True}),
])
def test_decorated_answers_still_answer_the_open_question(parser: Parser, text: str, slots: dict) -> None:
    assert parser.parse(text).to_dict() == {"intent": "unknown", "slots": slots}


@pytest.mark.parametrize("text", ["谢谢老师", "老师辛苦了🌹", "/:rose", "[微笑]"])
def test_thanks_and_bare_faces_are_small_talk(parser: Parser, text: str) -> None:
    assert parser.parse(text).to_dict() == {"intent": "unknown", "slots": {}}


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("损坏 10000003", "mark_damaged", {"barcode": "10000003"}),
    ("10000003 封面撕了登记损坏", "mark_damaged", {"barcode": "10000003"}),
    ("損壞 t0012348", "mark_damaged", {"barcode": "T0012348"}),
    ("缴费 S30201", "pay_fine", {"card_no": "S30201"}),
    ("ｓ３０２０２ 交罚款5元 已收现金", "pay_fine", {"card_no": "S30202"}),
    ("补办 S30211", "replace_card", {"card_no": "S30211"}),
    ("补证 s30233", "replace_card", {"card_no": "S30233"}),
    ("S30243 换证", "replace_card", {"card_no": "S30243"}),
    ("S30211借了什么", "reader_loans", {"card_no": "S30211"}),
    ("查一下 S 30277 的在借", "reader_loans", {"card_no": "S30277"}),
    ("全校逾期", "school_overdue", {}),
    ("本班借阅统计", "class_stats", {}),
    ("哪些同学还没借过书", "class_not_borrowed", {}),
    ("更多", "more", {}),
    ("下一页", "more", {}),
    ("翻页", "more", {}),
    ("还有吗", "more", {}),
    ("1000 0141 催还", "recall", {"barcode": "10000141"}),
    ("S30206借了T0012351 登记一下", "checkout", {"barcode": "T0012351", "card_no": "S30206"}),
    ("借 T0001260 给T0040", "checkout", {"barcode": "T0001260", "card_no": "T0040"}),
    ("T0012350 还了", "checkin", {"barcode": "T0012350"}),
    ("10000003丢了 登记遗失", "mark_lost", {"barcode": "10000003"}),
    ("绑定码 s30204", "issue_code", {"card_no": "S30204", "for_parent": False}),
    ("给S30202家长出个绑定码", "issue_code", {"card_no": "S30202", "for_parent": True}),
])
def test_librarian_and_class_teacher_requests(parser: Parser, text: str, intent: str, slots: dict) -> None:
    assert parser.parse(text).to_dict() == {"intent": intent, "slots": slots}


def test_a_title_that_asks_for_more_is_still_a_search(parser: Parser) -> None:
    assert parser.parse("查理九世还有吗").to_dict() == {"intent": "search", "slots": {"query": "查理九世"}}


def test_a_code_without_a_command_is_not_an_action(parser: Parser) -> None:
    assert parser.parse("书上贴的条码10000003是什么意思").intent == "unknown"
    assert parser.parse("10000160先别登记丢失 学生说找到了").intent == "unknown"
    assert parser.parse("已经催过10000003了 不用再催").intent == "unknown"


def test_an_isbn_anywhere_is_searched_not_bound(parser: Parser) -> None:
    assert parser.parse("这个书号馆里有吗 9787532473014").to_dict() == {
        "intent": "search", "slots": {"query": "9787532473014"}}


@pytest.mark.parametrize(("text", "intent"), [
    ("借书证丢了怎么办", "rules"),
    ("怎么挂失", "rules"),
    ("借书证补办要钱吗", "rules"),
    ("怎么解绑", "help"),
    ("罚款怎么交", "fines"),
])
def test_a_question_about_an_action_does_not_perform_it(parser: Parser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


@pytest.mark.parametrize(("text", "intent"), [
    ("换手机号了 先把原来的绑定删掉", "unbind"),
    ("之前预约的城南旧事帮我撤了", "cancel_reservation"),
])
def test_removing_is_not_adding(parser: Parser, text: str, intent: str) -> None:
    assert parser.parse(text).intent == intent


def test_publish_activity_keeps_the_text_as_written_and_takes_a_lone_grade_out(parser: Parser) -> None:
    got = parser.parse("发活动 五年级 亲子共读打卡21天")
    assert got.to_dict() == {"intent": "publish_activity", "slots": {"grade": 5, "text": "亲子共读打卡21天"}}
    assert parser.parse("發佈活動：讀書節開幕式 週一升旗儀式後").slots["text"] == "讀書節開幕式 週一升旗儀式後"
