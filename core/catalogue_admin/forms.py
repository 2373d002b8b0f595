"""Form fields → checked values for titles and copies (CatalogueError names the field)."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from core.catalogue_admin.detail import TitleFields
from core.catalogue_admin.errors import CatalogueError
from core.clc import normalise_clc
from core.imports import vocabulary
from core.imports.values import GradesProblem, parse_grades, parse_subjects, price_to_fen
from core.isbn import normalise_isbn
from core.models import ItemType

ITEM_TYPE_NAMES = {ItemType.GENERAL: "普通图书", ItemType.TEACHING_REFERENCE: "教学参考书",
                   ItemType.REFERENCE: "工具书（不外借）", ItemType.PERIODICAL: "期刊"}
_BARE_GRADES = re.compile(r"[1-9一二三四五六七八九](?:\s*[-—~～至到、,，]\s*[1-9一二三四五六七八九])?")
SOURCES = ("采购", "捐赠", "调拨", "交换", "配发")
_CLASS_LETTERS = re.compile(r"^[A-Za-z]+")  # the 中图法 class's letters that open a call number (I, TP ...)


@dataclass(frozen=True)
class CopyFields:
    """A copy's editable fields; price in fen."""

    call_number: str
    location: str
    item_type: ItemType
    price_fen: int
    source: str
    donor: str
    accession_number: str
    condition_note: str


def _text(form: Mapping[str, str], name: str, limit: int, label: str, *, required: bool = False) -> str:
    value = unicodedata.normalize("NFC", str(form.get(name, ""))).strip()
    if required and not value:
        raise CatalogueError(f"请填写{label}。", name)
    if len(value) > limit:
        raise CatalogueError(f"{label}太长了（最多{limit}个字），请缩短。", name)
    return value


def read_isbn(raw: str) -> str | None:
    """The ISBN-13 of a typed or scanned ISBN; None when empty; CatalogueError when it is no valid ISBN."""
    if not raw.strip():
        return None
    isbn = normalise_isbn(raw)
    if isbn is None:
        raise CatalogueError(f"ISBN「{raw.strip()[:20]}」不对：请核对位数和最后一位校验码（10位或13位）。", "isbn")
    return isbn


def read_grades(raw: str) -> tuple[int | None, int | None]:
    """'3-5', '三至五年级', '初中' → (3, 5) ...; '' → (None, None)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if _BARE_GRADES.fullmatch(text):  # the field is grades: '3-5' needs no 年级 (an import cell would)
        text += "年级"
    try:
        grades = parse_grades(text)
    except GradesProblem:
        raise CatalogueError(f"适读年级「{raw.strip()[:20]}」看不懂，请写成 3-5 或 三至五年级，不限请留空。",
                             "grades") from None
    return (None, None) if grades is None else grades


def grades_text(low: int | None, high: int | None) -> str:
    """(3, 5) → '3-5'; (4, 4) → '4'; none → ''."""
    if low is None:
        return ""
    return str(low) if high in (None, low) else f"{low}-{high}"


def read_title(form: Mapping[str, str]) -> TitleFields:
    """The title fields of a form: isbn, title, author, publisher, year, clc, series, summary, grades, subjects."""
    isbn = read_isbn(str(form.get("isbn", "")))
    title = _text(form, "title", 300, "书名", required=True)
    year_text = unicodedata.normalize("NFKC", str(form.get("year", ""))).strip()
    year = None
    if year_text:
        if not year_text.isdigit() or not 1500 <= int(year_text) <= 2100:
            raise CatalogueError("出版年请写四位数字，例如 2019。", "year")
        year = int(year_text)
    clc = normalise_clc(_text(form, "clc", 40, "中图法分类号"))
    low, high = read_grades(str(form.get("grades", "")))
    return TitleFields(isbn, title, _text(form, "author", 200, "作者"), _text(form, "publisher", 200, "出版社"),
                       year, clc, _text(form, "series", 200, "丛书名"), _text(form, "summary", 2000, "简介"),
                       low, high, parse_subjects(_text(form, "subjects", 300, "主题词")))


def _call_number(typed: str) -> str:
    """Full-width characters as ASCII, runs of spaces as one, the class letters upper-case; the rest as typed
    (the book number and a volume such as "v.1" are the librarian's, and labels print them so)."""
    text = " ".join(unicodedata.normalize("NFKC", typed).split())
    return _CLASS_LETTERS.sub(lambda letters: letters.group().upper(), text, count=1)


def read_copy(form: Mapping[str, str]) -> CopyFields:
    """The copy fields of a form: call_number, location, item_type, price (元), source, donor, accession, condition."""
    try:
        item_type = ItemType(str(form.get("item_type", "") or ItemType.GENERAL.value))
    except ValueError:
        raise CatalogueError("请从列表中选择文献类型。", "item_type") from None
    price_raw = str(form.get("price", "")).strip()
    price = price_to_fen(price_raw)
    if price is None:
        raise CatalogueError(f"书价「{price_raw[:20]}」看不懂，请写成 25.00 这样的元数。", "price")
    source_raw = _text(form, "source", 20, "来源")
    source, donor_in_source = vocabulary.source(source_raw) if source_raw else ("", "")
    donor = _text(form, "donor", 100, "捐赠人") or donor_in_source
    call_number = _call_number(_text(form, "call_number", 60, "索书号"))
    return CopyFields(call_number, _text(form, "location", 100, "馆藏位置"),
                      item_type, price, source, donor, _text(form, "accession_number", 40, "登录号").upper(),
                      _text(form, "condition_note", 200, "书况备注"))
