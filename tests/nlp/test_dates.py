"""Dates in activity notices, resolved against a fixed today (Wednesday 2026-11-18)."""
from datetime import date

import pytest

from bot.nlp.dates import extract_date

TODAY = date(2026, 11, 18)


@pytest.mark.parametrize(("text", "expected"), [
    ("11月28日 读书会", date(2026, 11, 28)),
    ("十二月五日下午", date(2026, 12, 5)),
    ("1月3日 寒假共读", date(2027, 1, 3)),      # well past this year: next year
    ("11月1日 书展", date(2026, 11, 1)),        # a recent slip stays in the past for the caller to refuse
    ("周五下午", date(2026, 11, 20)),
    ("这周一", date(2026, 11, 16)),
    ("下周三", date(2026, 11, 25)),
    ("明天", date(2026, 11, 19)),
    ("后天", date(2026, 11, 20)),
    ("28号", date(2026, 11, 28)),
    ("2号", date(2026, 12, 2)),
    ("读书分享会", None),
    ("2月30日", None),
])
def test_dates_people_write(text: str, expected: date | None) -> None:
    assert extract_date(text, TODAY) == expected
