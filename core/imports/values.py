"""Cleaning cell values: prices to fen, class names, phones, text."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_PRICE = re.compile(r"^(?:cny|rmb|￥|¥|人民币)?\s*(\d+(?:\.\d{1,4})?)\s*(?:元|圆|cny|rmb)?$", re.IGNORECASE)
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
GRADE_NAMES = "一二三四五六七八九"


def clean(value: object) -> str:
    """A cell as trimmed text; Excel's floats for whole numbers lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\u3000", " ").strip()


def price_to_fen(raw: str) -> int | None:
    """'¥25.00', '25元', 'CNY25', '25' → 2500; '' → 0; unreadable → None."""
    text = raw.replace(",", "").replace("，", "").replace(" ", "").strip()
    if not text:
        return 0
    match = _PRICE.match(text)
    if match is None:
        return None
    try:
        return int((Decimal(match.group(1)) * 100).quantize(Decimal(1)))
    except InvalidOperation:
        return None


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    if text.startswith("十") and len(text) == 2 and text[1] in _CN_DIGITS:
        return 10 + _CN_DIGITS[text[1]]
    return None


_CLASS = re.compile(r"^(初|高)?([一二三四五六七八九\d])(?:年级|年)?\s*[(（]?\s*([一二三四五六七八九十\d]{1,3})\s*[)）]?\s*班?$")


def parse_class(raw: str) -> tuple[str, int] | None:
    """'三年级2班', '3年级(2)班', '3(2)班', '初一3班' → ('三年级2班', 3) / ('七年级3班', 7)."""
    text = raw.replace(" ", "")
    match = _CLASS.match(text)
    if match is None:
        return None
    stage, grade_text, number_text = match.groups()
    grade, number = _number(grade_text), _number(number_text)
    if grade is None or number is None:
        return None
    if stage == "初":
        grade += 6
    if stage == "高" or not 1 <= grade <= 9:
        return None
    return f"{GRADE_NAMES[grade - 1]}年级{number}班", grade


_PHONE = re.compile(r"^1\d{10}$")


def clean_phone(raw: str) -> str | None:
    """An 11-digit mainland mobile (spaces, dashes, +86 removed); '' stays ''; None if malformed."""
    digits = re.sub(r"[\s\-]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    if not digits:
        return ""
    return digits if _PHONE.match(digits) else None


def parse_year(raw: str) -> int | None:
    match = re.search(r"(1[5-9]\d\d|20\d\d)", raw)
    return int(match.group(1)) if match else None


def identifier_problem(value: str, seen: dict[str, int], *, missing: str, label: str, unit: str) -> str | None:
    """Why a barcode or card number cannot identify its row (missing, too long, repeated), or None."""
    if not value:
        return missing
    if len(value) > 40:
        return f"{label}太长（最多40位）"
    if value in seen:
        return f"{label} {value} 与第{seen[value]}{unit}重复"
    return None
