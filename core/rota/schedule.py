"""The rota's date rules, pure (no database): when a turn falls, parsed from what people type.

A turn is a weekday and a window in school time, every week or every `every_weeks` weeks counted
from `first_week` (a Monday; weeks before it have no turn). A turn on a closed day (holiday,
vacation, exam day) does not happen and is not moved: the class waits for its next turn.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from core.calendar import SchoolCalendar

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
MAX_SCAN_DAYS = 400  # a year and a bit: longer than any vacation
MAX_EVERY_WEEKS = 8
MAX_PLACE = 20
PLACES = ("图书室", "阅览室")
ODD_WEEKS, EVEN_WEEKS = 1, 2  # 单周 / 双周: counted from the term's first week


class RotaInvalid(ValueError):
    """Input the rota cannot take. `errors`: field name (class, weekday, window, every, from, place,
    file) → short Chinese message, so a form or the CLI can show it next to that field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


@dataclass(frozen=True)
class Turn:
    """One borrowing turn of a class: weekday 0 = Monday, "HH:MM" school times, a place."""

    weekday: int
    starts: str
    ends: str
    every_weeks: int = 1
    first_week: date | None = None
    place: str = ""

    def falls_on(self, day: date) -> bool:
        """True when this turn's rule puts it on `day` (open or not: the calendar is checked apart)."""
        if day.weekday() != self.weekday:
            return False
        if self.first_week is None:
            return self.every_weeks <= 1
        weeks = (monday_of(day) - self.first_week).days // 7
        return weeks >= 0 and weeks % max(1, self.every_weeks) == 0

    def describe(self, today: date | None = None) -> str:
        """'每周三 12:10-12:50 阅览室' or '隔周三（从11月16日那周起）12:10-12:50'; a weekly turn whose
        first week is after `today`'s week shows it too ('每周三（从12月7日那周起）')."""
        day = WEEKDAY_NAMES[self.weekday]
        if self.every_weeks == 1:
            when = f"每{day}"
            if today is not None and self.first_week is not None and self.first_week > monday_of(today):
                when += f"（从{self.first_week.month}月{self.first_week.day}日那周起）"
        else:
            every = "隔周" if self.every_weeks == 2 else f"每{self.every_weeks}周的"
            start = (f"（从{self.first_week.month}月{self.first_week.day}日那周起）"
                     if self.first_week is not None else "")
            when = f"{every}{day[1]}{start}"
        return f"{when} {self.starts}-{self.ends}" + (f" {self.place}" if self.place else "")


def monday_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def term_first_week(calendar: SchoolCalendar, day: date) -> date | None:
    """The Monday of the first week of the term `day` is in (or the next term), None without a term."""
    term = calendar.term_of(day) or calendar.current_or_next_term(day)
    return monday_of(term.start) if term is not None else None


def can_share_day(one: Turn, other: Turn) -> bool:
    """True when two turns can fall on the same day (same weekday, and their week cycles meet);
    a turn whose first week is not settled yet is taken to meet every other."""
    if one.weekday != other.weekday:
        return False
    if one.first_week is None or other.first_week is None:
        return True
    from math import gcd
    step = gcd(max(1, one.every_weeks), max(1, other.every_weeks))
    return ((one.first_week - other.first_week).days // 7) % step == 0


def overlaps(one: Turn, other: Turn) -> bool:
    """True when two turns can fall on the same day and their windows overlap."""
    return can_share_day(one, other) and one.starts < other.ends and other.starts < one.ends


def never_comes(turn: Turn, calendar: SchoolCalendar, today: date) -> str:
    """Why `turn` never comes within a year from `today` ('' when it does): a closed weekday or no open turn day."""
    day = WEEKDAY_NAMES[turn.weekday]
    if turn.weekday in calendar.closed_weekdays:
        return f"{day}学校不开馆，这个借阅时间轮不到，请改到开馆的日子。"
    if next_turn([turn], calendar, today) is None:
        return f"一年内没有开馆的{day}轮到这个时间，请检查起始日期和校历。"
    return ""


def turns_on(turns: list[Turn], calendar: SchoolCalendar, day: date) -> list[Turn]:
    """The turns that happen on `day` (none on a closed day), earliest first."""
    if not calendar.is_open(day):
        return []
    return sorted((t for t in turns if t.falls_on(day)), key=lambda t: t.starts)


def next_turn(turns: list[Turn], calendar: SchoolCalendar, day: date) -> tuple[date, Turn] | None:
    """The first turn on an open day on or after `day`, or None when none comes within a year."""
    if not turns:
        return None
    for offset in range(MAX_SCAN_DAYS):
        candidate = day + timedelta(days=offset)
        found = turns_on(turns, calendar, candidate)
        if found:
            return candidate, found[0]
    return None


def turn_due_date(turns: list[Turn], calendar: SchoolCalendar, due: date) -> date:
    """A student's due date moved to their class's next turn on or after `due` (policy
    `due_on_class_turn`); `due` unchanged when the class has no turn before the term's end."""
    found = next_turn(turns, calendar, due)
    if found is None:
        return due
    term = calendar.term_of(due) or calendar.current_or_next_term(due)
    if term is not None and found[0] > term.end:
        return due
    return found[0]


# ---------------------------------------------------------------- parsing what people type

_WEEKDAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_WEEKDAY_EN = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_WEEKDAY = re.compile(r"^(?:每)?(?:周|星期|礼拜)?([一二三四五六日天七1-7])$")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_weekday(raw: str) -> int:
    """'周三', '星期三', '礼拜三', '三', '3', 'Wed' → 2 (0 = Monday)."""
    text = fold(raw).replace(" ", "")
    english = _WEEKDAY_EN.get(text[:3].lower())
    if english is not None:
        return english
    match = _WEEKDAY.match(text)
    if match is None:
        raise RotaInvalid({"weekday": f"“{raw.strip()}”不是星期几，请写成 周三 这样。"})
    char = match.group(1)
    return int(char) - 1 if char.isdigit() else _WEEKDAY_CHARS[char]


_TIME = r"(\d{1,2})[:：.点](\d{2})"
_WINDOW = re.compile(rf"^{_TIME}\s*(?:-|~|～|—|–|－|至|到)+\s*{_TIME}$")


def parse_window(raw: str) -> tuple[str, str]:
    """'12:10-12:50' (also 12：10~12：50, 12:10至12:50) → ('12:10', '12:50')."""
    text = fold(raw).replace("：", ":")
    match = _WINDOW.match(text)
    if match is None:
        raise RotaInvalid({"window": f"“{raw.strip()}”不是时间段，请写成 12:10-12:50 这样。"})
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if not (0 <= h1 <= 23 and 0 <= h2 <= 23 and m1 < 60 and m2 < 60):
        raise RotaInvalid({"window": f"“{raw.strip()}”里的时间不对，请写成 12:10-12:50 这样。"})
    starts, ends = f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
    if ends <= starts:
        raise RotaInvalid({"window": f"结束时间 {ends} 要晚于开始时间 {starts}。"})
    return starts, ends


def parse_parity(raw: str | int) -> int:
    """'单周' → ODD_WEEKS, '双周' → EVEN_WEEKS (weeks of the term), anything else → 0."""
    text = fold(str(raw))
    return {"单周": ODD_WEEKS, "单": ODD_WEEKS, "双周": EVEN_WEEKS, "双": EVEN_WEEKS}.get(text, 0)


def parse_every(raw: str | int) -> int:
    """'1', '2', '每周', '隔周', '单周', '双周' → weeks between turns (1–8)."""
    text = fold(str(raw))
    if parse_parity(text):
        return 2
    words = {"": 1, "每周": 1, "隔周": 2, "隔一周": 2}
    if text in words:
        return words[text]
    digits = re.fullmatch(r"(?:每)?(\d+)(?:周)?", text)
    if digits is None or not 1 <= int(digits.group(1)) <= MAX_EVERY_WEEKS:
        raise RotaInvalid({"every": f"“{raw}”不是间隔周数，请写 1（每周）到 {MAX_EVERY_WEEKS} 之间的数，隔周写 2。"})
    return int(digits.group(1))


def check_place(raw: str) -> str:
    """The place as typed (图书室, 阅览室, 三楼阅览室, ...): one line, no control or direction marks,
    at most MAX_PLACE characters."""
    place = fold(raw)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs") for c in place):
        raise RotaInvalid({"place": "地点里有换行或看不见的字符，请只写一行文字，如 图书室。"})
    if len(place) > MAX_PLACE:
        raise RotaInvalid({"place": f"地点太长了，最多{MAX_PLACE}个字。"})
    return place
