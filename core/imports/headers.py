"""Column headers as school library systems export them, mapped to our field names."""
from __future__ import annotations

import re

# field -> header variants (compared after removing spaces, brackets and punctuation)
CATALOGUE_HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("书名", "题名", "正题名", "图书名称", "书刊名称", "名称", "title"),
    "author": ("作者", "责任者", "第一责任者", "著者", "作者/译者", "author"),
    "isbn": ("isbn", "国际标准书号", "isbn号", "书号", "标准编号", "isbn/issn"),
    "publisher": ("出版社", "出版者", "出版单位", "出版发行者", "publisher"),
    "year": ("出版年", "出版日期", "出版时间", "出版年份", "year"),
    "call_number": ("索书号", "索取号", "排架号", "callnumber"),
    "barcode": ("条形码", "条码", "条码号", "登录号", "财产号", "图书条码", "barcode"),
    "price": ("价格", "定价", "单价", "金额", "price"),
    "location": ("馆藏地", "馆藏位置", "馆藏地点", "存放位置", "书架", "架位", "location"),
    "clc": ("分类号", "中图分类号", "中图法分类号", "类号", "clc"),
    "item_type": ("文献类型", "图书类型", "流通类型", "借阅类型", "类型"),
    "summary": ("简介", "内容简介", "摘要", "提要"),
}

READER_HEADERS: dict[str, tuple[str, ...]] = {
    "class_name": ("班级", "所在班级", "班级名称", "行政班"),
    "grade": ("年级",),
    # Precedence (first wins when a file has several): the library's own card, the school's 学号,
    # then the national registry's 学籍号, then staff numbers.
    "card_no": ("借书证号", "借阅证号", "证号", "读者证号", "卡号", "学号", "学籍号", "全国学籍号", "学籍辅号",
                "工号", "教工号", "读者编号"),
    "name": ("姓名", "学生姓名", "教师姓名", "读者姓名", "名字"),
    "guardian_name": ("家长姓名", "监护人", "监护人姓名", "家长"),
    "guardian_phone": ("家长手机号", "家长手机", "家长电话", "家长联系电话", "监护人电话", "监护人手机"),
    "phone": ("手机号", "手机", "电话", "联系电话", "手机号码"),
    "reader_type": ("身份", "读者类型", "人员类型", "类别"),
    "relation": ("关系", "与学生关系", "家长关系"),
    "head_of": ("班主任", "任教班级", "班主任班级", "担任班主任"),
}

# Identity-card columns are never read, whatever else their header resembles ("身份证号" starts with 身份).
IDENTITY_HEADERS: tuple[str, ...] = ("身份证号", "身份证号码", "身份证件号", "身份证件号码", "身份证", "证件号码",
                                     "证件号", "公民身份号码", "公民身份证号", "idcard")

_NOISE = re.compile(r"[\s\u3000()（）\[\]【】:：*＊_\-·.]")


def _key(text: str) -> str:
    return _NOISE.sub("", str(text)).lower()


def _index(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_key(alias): field for field, names in aliases.items() for alias in names}


def _ranks(aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """How preferred each alias is within its field (0 = best): 借书证号 beats 学号, 条码 beats 登录号."""
    return {_key(alias): rank for names in aliases.values() for rank, alias in enumerate(names)}


_CATALOGUE = _index(CATALOGUE_HEADERS)
_READERS = _index(READER_HEADERS)
_IDENTITY = {_key(alias) for alias in IDENTITY_HEADERS}
_RANKS = {**_ranks(CATALOGUE_HEADERS), **_ranks(READER_HEADERS)}


def is_identity_header(text: object) -> bool:
    """True for a header naming identity-card numbers (身份证号, 证件号码...): such columns are dropped."""
    return text is not None and _key(str(text)) in _IDENTITY


def match_header(text: object, kind: str) -> str | None:
    """Our field name for one header cell, or None when we do not use that column."""
    if text is None or is_identity_header(text):
        return None
    table = _CATALOGUE if kind == "catalogue" else _READERS
    key = _key(str(text))
    if key in table:
        return table[key]
    # "正题名/并列题名", "价格(元)" after noise removal: try the leading known alias
    for alias in sorted(table, key=len, reverse=True):
        if len(alias) >= 2 and key.startswith(alias):
            return table[alias]
    return None


def map_columns(cells: list[object], kind: str) -> dict[int, str]:
    """Column index → field for a header row; when two columns name one field the preferred name wins."""
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, column)
    for index, cell in enumerate(cells):
        field = match_header(cell, kind)
        if field is None:
            continue
        rank = _RANKS.get(_key(str(cell)), 99)
        if field not in best or rank < best[field][0]:
            best[field] = (rank, index)
    return {index: field for field, (_, index) in sorted(best.items(), key=lambda kv: kv[1][1])}
