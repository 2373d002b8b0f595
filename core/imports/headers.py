"""Column headers as school library systems export them, mapped to our field names."""
from __future__ import annotations

import re
from functools import lru_cache

# field -> header variants (compared after removing spaces, brackets and punctuation)
CATALOGUE_HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("题名", "正题名", "书名", "图书名称", "书刊名称", "名称", "title"),
    "author": ("责任者", "第一责任者", "主要责任者", "著者", "作者", "作者/译者", "著作者", "author"),
    "isbn": ("isbn", "标准编码", "国际标准书号", "isbn号", "标准编号", "标准号", "书号", "isbn/issn"),
    "publisher": ("出版者", "出版社", "出版单位", "出版发行者", "publisher", "publishercode"),
    "year": ("出版日期", "出版年", "出版时间", "出版年份", "出版年月", "year", "publicationyear", "copyrightdate"),
    "call_number": ("索取号", "索书号", "排架号", "callnumber", "itemcallnumber"),
    # 种次号/书次号: the book number; with 分类号 it makes a call number when the file has no 索书号
    "book_number": ("种次号", "书次号", "著者号"),
    # 册条码号 (dp2) ... never 登录号: an accession number is its own field (see "accession_number")
    "barcode": ("册条码号", "条码号", "条形码", "条码", "图书条码", "馆藏条码", "条码编号", "barcode"),
    # 登录号/财产号: the accession register's number; used as the barcode only when no barcode column exists
    "accession_number": ("登录号", "财产号", "财产登记号", "个别登记号", "总登记号", "登记号", "入藏号", "财产编号",
                         "stocknumber"),
    "price": ("册价格", "单价", "定价", "价格", "金额", "实价", "price", "replacementprice"),
    "location": ("馆藏地点", "馆藏地", "典藏地", "典藏地点", "馆藏位置", "馆藏部门", "存放位置", "书架", "架位",
                 "location", "homebranch"),
    "clc": ("中图分类号", "分类号", "中图法分类号", "类号", "clc"),
    "item_type": ("册类型", "文献类型", "流通类型", "图书类型", "借阅类型", "资料类型", "类型", "itype"),
    "summary": ("内容简介", "简介", "摘要", "提要"),
    "grades": ("适读年级", "适用年级", "适合年级", "阅读年级", "适读对象", "读者对象", "适用对象", "适读年龄"),
    "subjects": ("主题词", "主题", "关键词", "主题标引", "标签"),
    # 经费来源: dp2's item column (item_list.xml), where a donated copy says 捐赠
    "source": ("来源", "图书来源", "文献来源", "采购方式", "获得方式", "入藏方式", "来源方式", "经费来源"),
    "donor": ("捐赠人", "捐赠者", "捐书人", "捐赠单位", "捐赠方"),
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


_TABLE_PREFIX = re.compile(r"^[A-Za-z_]+\.(?=[A-Za-z_]+$)")  # Koha report exports: items.barcode, biblio.title


def _key(text: str) -> str:
    return _NOISE.sub("", _TABLE_PREFIX.sub("", str(text).strip())).lower()


def _index(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_key(alias): field for field, names in aliases.items() for alias in names}


def _ranks(aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """How preferred each alias is within its field (0 = best): 借书证号 beats 学号, 条码 beats 登录号."""
    return {_key(alias): rank for names in aliases.values() for rank, alias in enumerate(names)}


_CATALOGUE = _index(CATALOGUE_HEADERS)
_READERS = _index(READER_HEADERS)
_IDENTITY = {_key(alias) for alias in IDENTITY_HEADERS}
_RANKS = {**_ranks(CATALOGUE_HEADERS), **_ranks(READER_HEADERS)}
# for prefix matches, the alias lengths longest first, computed once: a header cell then costs one
# dictionary lookup per length, not a scan of every alias (a 100,000-column header took 17 s)
_PREFIX_LENGTHS = {kind: sorted({len(a) for a in table if len(a) >= 2}, reverse=True)
                   for kind, table in (("catalogue", _CATALOGUE), ("readers", _READERS))}


def is_identity_header(text: object) -> bool:
    """True for a header naming identity-card numbers (身份证号, 证件号码...): such columns are dropped."""
    return text is not None and _key(str(text)) in _IDENTITY


def match_header(text: object, kind: str) -> str | None:
    """Our field name for one header cell, or None when we do not use that column."""
    return None if text is None else _match(str(text), kind)


@lru_cache(maxsize=4096)  # header detection looks at each cell of 10 rows several times
def _match(text: str, kind: str) -> str | None:
    if is_identity_header(text):
        return None
    table = _CATALOGUE if kind == "catalogue" else _READERS
    key = _key(text)
    if key in table:
        return table[key]
    # "正题名/并列题名", "价格(元)" after noise removal: try the leading known alias, longest first
    for length in _PREFIX_LENGTHS["catalogue" if kind == "catalogue" else "readers"]:
        if len(key) > length and key[:length] in table:
            return table[key[:length]]
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
