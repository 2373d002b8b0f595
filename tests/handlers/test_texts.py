"""Every refusal reason reads as plain Chinese and says what to do next, with or without details."""
from __future__ import annotations

import re
from datetime import date

import pytest

from bot.handlers.texts import reason_text, refusal
from core.errors import Reason, Refused

CJK = re.compile(r"[\u4e00-\u9fff]")
DETAILS = {"suspended_until": date(2026, 12, 1), "max_items": 2, "days_late": 3, "renewals": 1,
           "term_end": date(2027, 1, 15), "max_reservations": 3}
NEXT_STEP = ("请", "可以", "发送", "先", "直接", "会通知", "不用", "欢迎", "恢复后", "联系", "问问")


@pytest.mark.parametrize("reason", list(Reason))
@pytest.mark.parametrize("context", [DETAILS, {}], ids=["details", "bare"])
def test_every_reason_is_chinese_and_says_what_next(reason: Reason, context: dict[str, object]) -> None:
    text = reason_text(reason, context)
    assert CJK.search(text) and not re.search(r"[{}\[\]]|None", text)
    assert any(step in text for step in NEXT_STEP), text
    assert text != "暂时不能办理，请联系图书室老师", f"{reason} has no text of its own"


def test_details_are_shown_when_core_sends_them() -> None:
    assert "暂停到12月1日（周二）" in reason_text(Reason.SUSPENDED, DETAILS)
    assert reason_text(Reason.SUSPENDED, {}).startswith("借书资格暂停中，期间")
    assert "最多续借1次" in reason_text(Reason.RENEWALS_USED_UP, DETAILS)
    assert "已逾期3天" in reason_text(Reason.OVERDUE, DETAILS)


def test_several_reasons_are_joined_in_the_order_the_reader_can_act_on() -> None:
    text = refusal(Refused(Reason.RESERVED_BY_OTHER, Reason.CARD_LOST))
    assert text.index("挂失") < text.index("有人预约")
