"""Cleaning cell values: prices to fen, class names, phones, text."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_PRICE = re.compile(r"^(?:cny|rmb|￥|¥|人民币)?\s*(\d+(?:\.\d{1,4})?)\s*(?:元|圆|cny|rmb)?$", re.IGNORECASE)
# what follows a price in Chinese catalogues: "/册", "/本", "（平装）", "(精装)"
_PRICE_TAIL = re.compile(r"(?:/(?:册|本|套|部|件|张|份)|[(（][^()（）]{0,10}[)）])+$")
_DECIMAL_COMMA = re.compile(r"^([^,]*\d),(\d{1,2})(\D*)$")  # "18,5" → 18.5: one comma, 1–2 digits after
_THOUSANDS = re.compile(r"^\D*\d{1,3}(?:,\d{3})+(?:\.\d+)?\D*$")  # "1,234.50"
MAX_PRICE_FEN = 100_000_000  # 1,000,000 元: beyond this a price is a typo (and beyond int32 fen a crash)
# NUL and the other C0 controls (not tab, line feed, carriage return) and DEL: never stored
_CONTROLS = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
GRADE_NAMES = "一二三四五六七八九"


def clean(value: object) -> str:
    """A cell as trimmed text; Excel's floats for whole numbers lose their '.0'.

    NUL and other C0 control characters are removed (they make a title unsearchable and
    PostgreSQL refuses NUL); a CSV export's Excel text formula ="0000101" is unwrapped.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if not text.isprintable():  # the usual cell is printable: skip the scan for controls
        text = text.translate(_CONTROLS).replace("\u3000", " ")
    text = text.strip()
    if text[:2] == '="' and text.endswith('"') and len(text) >= 3:
        text = text[2:-1].replace('""', '"').strip()
    return text


class PriceProblem(ValueError):
    """A price cell we cannot take; the message is the librarian's reason (Chinese)."""


def read_price(raw: str) -> int:
    """Fen for a price cell: '¥25.00', '25元', 'CNY25', '１８．００', '18.00元/册', '18.00元（平装）',
    '1,234.50' → fen; '18,5' (decimal comma) → 1850; '' → 0.

    Raises PriceProblem for an unreadable cell, an ambiguous comma, or more than 1,000,000 元.
    """
    text = raw.replace(" ", "").strip()
    if not text:
        return 0
    match = _PRICE.match(text)  # the usual "¥18.50", "25元" needs nothing more
    if match is None:
        text = _PRICE_TAIL.sub("", unicodedata.normalize("NFKC", text))
        if "," in text:
            if _THOUSANDS.match(text):
                text = text.replace(",", "")
            elif comma := _DECIMAL_COMMA.match(text):
                text = f"{comma.group(1)}.{comma.group(2)}{comma.group(3)}"
            else:
                raise PriceProblem(f"价格“{raw}”里的逗号看不懂（应为 18.50 或 1,234.50）")
        match = _PRICE.match(text)
    if match is None:
        raise PriceProblem(f"价格“{raw}”看不懂（应为 25.00、¥25.00、CNY25.00 或 25元）")
    try:
        fen = int((Decimal(match.group(1)) * 100).quantize(Decimal(1)))
    except InvalidOperation:
        raise PriceProblem(f"价格“{raw}”看不懂（应为 25.00、¥25.00、CNY25.00 或 25元）") from None
    if fen > MAX_PRICE_FEN:
        raise PriceProblem(f"价格“{raw}”太大（最多 1000000 元），请检查是否多打了数字")
    return fen


def price_to_fen(raw: str) -> int | None:
    """'¥25.00', '25元', 'CNY25', '25' → 2500; '' → 0; unreadable or over 1,000,000 元 → None."""
    try:
        return read_price(raw)
    except PriceProblem:
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


_STAGES = (("小学低年级", 1, 2), ("小学中年级", 3, 4), ("小学高年级", 5, 6), ("低年级", 1, 2), ("中年级", 3, 4),
           ("高年级", 5, 6), ("低段", 1, 2), ("中段", 3, 4), ("高段", 5, 6), ("学前", 1, 1), ("幼儿", 1, 1),
           ("小学", 1, 6), ("初中", 7, 9), ("中学", 7, 9))
_JUNIOR = {"初一": 7, "初二": 8, "初三": 9}
_GRADE_NUMBER = re.compile(r"([一二三四五六七八九\d])\s*年级")
_AGES = re.compile(r"(\d{1,2})\s*(?:岁)?\s*(?:[-~～至到—]\s*(\d{1,2}))?\s*岁")
_TEACHERS = ("教师", "老师", "成人", "教参")


class GradesProblem(ValueError):
    """A 适读年级 cell that names no grade we can read."""


def parse_grades(raw: str) -> tuple[int, int] | None:
    """Suitable grades 1..9 (初一 = 7) as (lowest, highest) for a 适读年级/读者对象 cell.

    '1-3年级', '一至三年级', '一、二年级' → (1, 3) / (1, 2); '小学低年级' → (1, 2); '初中' → (7, 9);
    '三年级以上' → (3, 9); '6-8岁' → (1, 2) (grade = age − 6, as schools enrol at six);
    '' and teachers' books ('教师', '成人') → None. Raises GradesProblem for anything else.
    """
    text = raw.replace(" ", "").replace("级级", "级")
    if not text or any(word in text for word in _TEACHERS):
        return None
    found: list[int] = []
    for word, low, high in _STAGES:
        if word in text:
            found += [low, high]
            text = text.replace(word, " ")
    for word, grade in _JUNIOR.items():
        if word in text:
            found.append(grade)
    # "1-3年级", "一至三年级": the first number has no 年级 of its own
    text = re.sub(r"([一二三四五六七八九\d])\s*[-~～至到—、,，和及]\s*(?=[一二三四五六七八九\d]\s*年级)", r"\1年级 ", text)
    found += [_number_or_zero(m.group(1)) for m in _GRADE_NUMBER.finditer(text)]
    for match in _AGES.finditer(text):
        ages = [int(a) for a in match.groups() if a]
        found += [min(9, max(1, age - 6)) for age in ages]
    found = [g for g in found if 1 <= g <= 9]
    if not found:
        raise GradesProblem(raw)
    low, high = min(found), max(found)
    if "以上" in text and len(set(found)) == 1:
        high = 9
    if "以下" in text and len(set(found)) == 1:
        low = 1
    return low, high


def _number_or_zero(text: str) -> int:
    return _number(text) or 0


_SUBJECT_SPLIT = re.compile(r"[\s;；,，、/／|]+")


def parse_subjects(raw: str) -> str:
    """主题词 cell → space-separated words, duplicates dropped, at most 300 characters:
    '童话;成长，友谊' → '童话 成长 友谊'; CNMARC-style '儿童小说-中国-当代' keeps its parts as one word each."""
    words: list[str] = []
    for word in _SUBJECT_SPLIT.split(raw.replace("--", "-")):
        for part in word.split("-"):
            if part and part not in words:
                words.append(part)
    return " ".join(words)[:300].rstrip()
