"""The words other systems put in a copy's type and source columns, mapped to ours.

Type words come from the 流通类型/文献类型 lists of dp2, 金盘 GDLIS, 图创 Interlib and ILAS as
school libraries fill them in. They are matched longest word first, so 教学参考书 is a teaching
reference (lent to teachers) and never the 参考书 (reference, reading room only) it contains.
"""
from __future__ import annotations

import re

from core.models import ItemType

ITEM_TYPE_WORDS: dict[str, ItemType] = {
    "普通图书": ItemType.GENERAL, "普通": ItemType.GENERAL, "中文图书": ItemType.GENERAL,
    "图书": ItemType.GENERAL, "外借": ItemType.GENERAL, "可外借": ItemType.GENERAL, "流通": ItemType.GENERAL,
    "绘本": ItemType.GENERAL, "连环画": ItemType.GENERAL, "少儿图书": ItemType.GENERAL,
    "教学参考书": ItemType.TEACHING_REFERENCE, "教学参考": ItemType.TEACHING_REFERENCE,
    "教参": ItemType.TEACHING_REFERENCE, "教师用书": ItemType.TEACHING_REFERENCE,
    "教辅": ItemType.TEACHING_REFERENCE,
    "工具书": ItemType.REFERENCE, "参考工具书": ItemType.REFERENCE, "参考书": ItemType.REFERENCE,
    "大型成套": ItemType.REFERENCE, "成套图书": ItemType.REFERENCE, "不外借": ItemType.REFERENCE,
    # negated lending words hold a lending word (不可外借 ⊃ 可外借, 不流通 ⊃ 流通): longest first decides
    "不可外借": ItemType.REFERENCE, "非外借": ItemType.REFERENCE, "禁止外借": ItemType.REFERENCE,
    "不流通": ItemType.REFERENCE, "非流通": ItemType.REFERENCE, "不可借": ItemType.REFERENCE,
    "禁借": ItemType.REFERENCE,
    "阅览": ItemType.REFERENCE, "仅供阅览": ItemType.REFERENCE, "馆内阅览": ItemType.REFERENCE,
    "期刊": ItemType.PERIODICAL, "杂志": ItemType.PERIODICAL, "报纸": ItemType.PERIODICAL,
    "报刊": ItemType.PERIODICAL, "过刊": ItemType.PERIODICAL, "合订本": ItemType.PERIODICAL,
}
_TYPE_ORDER = sorted(ITEM_TYPE_WORDS, key=len, reverse=True)


def item_type(raw: str) -> tuple[ItemType | None, bool]:
    """(our type, whether the word was known) for a type cell; '' → (None, True).

    The first table word found in the cell, longest first, decides. An unknown word
    (a system's own code) gives (GENERAL, False): the copy lends normally and the
    preview says which word it did not know.
    """
    text = raw.replace(" ", "")
    if not text:
        return None, True
    for word in _TYPE_ORDER:
        if word in text:
            return ITEM_TYPE_WORDS[word], True
    return ItemType.GENERAL, False


SOURCE_WORDS: dict[str, str] = {
    "采购": "采购", "购买": "采购", "购入": "采购", "订购": "采购", "自购": "采购", "购置": "采购",
    "捐赠": "捐赠", "捐献": "捐赠", "赠送": "捐赠", "赠书": "捐赠", "受赠": "捐赠", "捐书": "捐赠", "捐": "捐赠",
    "赠": "捐赠",
    "调拨": "调拨", "调入": "调拨", "交换": "交换", "上级配发": "配发", "配发": "配发", "配送": "配发",
}
_SOURCE_ORDER = sorted(SOURCE_WORDS, key=len, reverse=True)
_DONOR = re.compile(r"[（(]([^）)]+)[）)]|[：:—\-－/／]\s*(.+)$")


def source(raw: str) -> tuple[str, str]:
    """(source word, donor) for a 来源 cell: '采购' → ('采购', ''), '捐赠（三年级2班家委会）' or
    '捐赠-张明' → ('捐赠', '三年级2班家委会' / '张明'); an unknown word is kept as it is (20 characters)."""
    text = raw.strip()
    if not text:
        return "", ""
    match = _DONOR.search(text)
    donor = (match.group(1) or match.group(2) or "").strip() if match else ""
    head = text[:match.start()] if match else text
    for word in _SOURCE_ORDER:
        if word in head:
            return SOURCE_WORDS[word], donor[:100]
    return head.strip()[:20], donor[:100]
