"""Dates written the way people write them in a notice: 11月28日, 28号, 周五, 下周三, 明天."""
from __future__ import annotations

import re
from datetime import date, timedelta

from bot.nlp.numerals import cn_to_int

_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_MONTH_DAY = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})[日号]?")
_DAY_ONLY = re.compile(r"(?<![\d月])(\d{1,2})[日号]")
_WEEK = re.compile(r"(下下|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天])")
_RELATIVE = {"今天": 0, "明天": 1, "后天": 2, "大后天": 3}
PAST_SLACK_DAYS = 60
DATE_WORDS = re.compile(rf"{_MONTH_DAY.pattern}|{_WEEK.pattern}|大后天|今天|明天|后天|{_DAY_ONLY.pattern}")


def _num(text: str) -> int:
    return int(text) if text.isdigit() else (cn_to_int(text) or 0)


def extract_date(text: str, today: date) -> date | None:
    """The first date in the text, resolved against today (周X / 28号 never in the past)."""
    if m := _MONTH_DAY.search(text):
        month, day = _num(m.group(1)), _num(m.group(2))
        try:
            candidate = date(today.year, month, day)
            # Well in the past means next year (1月3日 written in November); a few weeks back is
            # a slip the caller should point out, not a date a year away.
            if candidate < today - timedelta(days=PAST_SLACK_DAYS):
                candidate = date(today.year + 1, month, day)
        except ValueError:
            return None
        return candidate
    if m := _WEEK.search(text):
        prefix, weekday = m.group(1) or "", _WEEKDAY[m.group(2)]
        monday = today - timedelta(days=today.weekday())
        weeks = 2 if prefix.startswith("下下") else 1 if prefix.startswith("下") else 0
        candidate = monday + timedelta(weeks=weeks, days=weekday)
        return candidate if candidate >= today or prefix else candidate + timedelta(weeks=1)
    for word in sorted(_RELATIVE, key=len, reverse=True):
        if word in text:
            return today + timedelta(days=_RELATIVE[word])
    if m := _DAY_ONLY.search(text):
        day = int(m.group(1))
        month_start = today.replace(day=1)
        for months_ahead in (0, 1):
            first = (month_start + timedelta(days=32 * months_ahead)).replace(day=1)
            try:
                candidate = first.replace(day=day)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
    return None
