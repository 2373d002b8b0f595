"""Catalogue exports as other library systems write them: one builder per system, with what should land.

Where the headers come from (see docs/import-systems.md for the table):
- dp2 (数字平台): the item list columns of dp2Circulation, DigitalPlatform/dp2
  dp2Circulation/default/item_list.xml (册条码号, 状态, 馆藏地点, 架号, 经费来源, 册价格, 索取号, 册类型,
  登录号, 批次号) and the item record fields listed in github.com/DigitalPlatform/dp2/issues/733. The
  bibliographic columns (题名, 责任者, ISBN, 出版者, 出版时间) are plausible: dp2 lets the librarian pick them.
- 金盘 GDLIS: the header of issue 13's first example (序号, 索书号, 题名, 责任者, 出版日期, 标准编码, 登录号,
  单价, 出版者); 分类号, 文献类型, 来源, 页数 are plausible additions.
- 图创 Interlib, ILAS, 妙思: nothing public was found; the headers are plausible names, built from the words
  these systems use in their MARC holdings (985 $a条码号 $b典藏地 $d价格 $h流水号 $m获得方式, dp2 issue #200).
- Koha: SQL report columns named table.column (items.barcode, items.itemcallnumber, items.stocknumber...).
- 学校自制 Excel: what a school office types by hand.

Every builder writes 3–5 copies: a donated one where the system records donations, a 教学参考书 or
reference book, prices written several ways, hyphenated ISBN-10s, and one column we cannot import.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.isbn import make_isbn13
from core.models import ItemType


def isbn10(group: str, publisher: str, item: str) -> str:
    """A hyphenated ISBN-10 with its check character, e.g. isbn10("7", "5346", "1872") → "7-5346-1872-X"."""
    digits = group + publisher + item
    assert len(digits) == 9
    remainder = (11 - sum((10 - i) * int(d) for i, d in enumerate(digits)) % 11) % 11
    return f"{group}-{publisher}-{item}-{'X' if remainder == 10 else remainder}"


def isbn13_of(hyphenated: str) -> str:
    """The ISBN-13 a hyphenated ISBN-10 becomes (978 + first nine digits + new check digit)."""
    return make_isbn13("978" + hyphenated.replace("-", "")[:9])


# Books used across the exports (ISBN-10 as printed on older books)
CAOFANGZI = isbn10("7", "5346", "1872")  # 草房子, 江苏少年儿童出版社
XIAOWANGZI = isbn10("7", "02", "004249")  # 小王子, 人民文学出版社
SANTI = isbn10("7", "5366", "9293")  # 三体, 重庆出版社
LANGWANGMENG = isbn10("7", "5342", "5545")  # 狼王梦
ZIDIAN = isbn10("7", "100", "07719")  # 新华字典, 商务印书馆
JIAOCAN = isbn10("7", "107", "23041")  # 语文教学参考书, 人民教育出版社
SHIWANGE = isbn10("7", "5324", "8012")  # 十万个为什么, 少年儿童出版社
CHENGNAN = isbn10("7", "5006", "5312")  # 城南旧事, 中国青年出版社


@dataclass(frozen=True)
class Expected:
    """What one copy of an export must become. None: the export has no such column (not checked)."""

    barcode: str
    isbn: str | None
    title: str
    price_fen: int
    call_number: str
    location: str
    item_type: ItemType
    accession_number: str | None = None
    source: str = ""
    donor: str = ""
    grades: tuple[int, int] | None = None
    subjects: str = ""


@dataclass
class Export:
    """A written export file, the copies it holds, and a column the importer cannot know."""

    system: str
    path: Path
    copies: list[Expected]
    unknown_column: str
    has: set[str] = field(default_factory=set)  # optional fields the file carries: accession, source, grades...
    header_line: int = 1  # the file's line (sheet row) holding the column names


def write_csv(path: Path, header: list[str], rows: list[list[object]], encoding: str) -> Path:
    """CSV the way Windows programs write it: CRLF line ends, in the given encoding (gbk, utf-8-sig...)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]], title: str | None = None) -> Path:
    """An .xlsx with an optional merged title row above the header (as dp2 and school offices write them)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def dp2(folder: Path) -> Export:
    """dp2 内务「实体查询窗 → 导出到 Excel」: item columns from item_list.xml, prices as CNY18.00."""
    header = ["册条码号", "状态", "馆藏地点", "架号", "经费来源", "册价格", "索取号", "册类型", "登录号", "批次号",
              "题名", "责任者", "ISBN", "出版者", "出版时间"]
    rows: list[list[object]] = [
        ["0000101", "", "流通库", "A1", "本馆经费", "CNY18.00", "I287.45/C69", "普通", "DJ000101", "20260901",
         "草房子", "曹文轩著", CAOFANGZI, "江苏少年儿童出版社", "2016"],
        ["0000102", "", "教师阅览室", "", "本馆经费", "CNY32.50", "G623.202/R45", "教学参考书", "DJ000102", "20260901",
         "语文教学参考书. 三年级上册", "人民教育出版社小学语文室编", JIAOCAN, "人民教育出版社", "2019"],
        ["0000103", "加工中", "流通库", "A2", "捐赠", "CNY25", "I565.88/S1", "普通", "DJ000103", "20261015",
         "小王子", "(法)圣埃克苏佩里著", XIAOWANGZI, "人民文学出版社", "2003"],
        ["0000104", "", "流通库", "B3", "本馆经费", "CNY 23.00", "I247.55/L67", "普通", "DJ000104", "20261015",
         "三体", "刘慈欣著", SANTI, "重庆出版社", "2008"],
    ]
    path = write_xlsx(folder / "dp2_实体查询导出.xlsx", header, rows)
    copies = [
        Expected("0000101", isbn13_of(CAOFANGZI), "草房子", 1800, "I287.45/C69", "流通库", ItemType.GENERAL,
                 "DJ000101", "本馆经费"),
        Expected("0000102", isbn13_of(JIAOCAN), "语文教学参考书. 三年级上册", 3250, "G623.202/R45", "教师阅览室",
                 ItemType.TEACHING_REFERENCE, "DJ000102", "本馆经费"),
        Expected("0000103", isbn13_of(XIAOWANGZI), "小王子", 2500, "I565.88/S1", "流通库", ItemType.GENERAL,
                 "DJ000103", "捐赠"),
        Expected("0000104", isbn13_of(SANTI), "三体", 2300, "I247.55/L67", "流通库", ItemType.GENERAL,
                 "DJ000104", "本馆经费"),
    ]
    return Export("dp2", path, copies, "状态", {"accession", "source"})


def gdlis(folder: Path) -> Export:
    """金盘 GDLIS「书目数据导出」as CSV in GBK: 登录号 is the only copy number, so it is the barcode too."""
    header = ["序号", "登录号", "索书号", "题名", "责任者", "出版者", "出版日期", "标准编码", "单价", "分类号",
              "文献类型", "来源", "页数"]
    rows: list[list[object]] = [
        ["1", "0001896", "TP332.3/WZY(2)", "可编程控制器教程", "主编王兆义", "机械工业出版社", "2005",
         "7-111-03758-8", "35", "TP332.3", "普通图书", "采购", "214"],
        ["2", "0001897", "I287.45/C69", "草房子", "曹文轩著", "江苏少年儿童出版社", "2016.5", CAOFANGZI, "18元",
         "I287.45", "普通图书", "捐赠", "305"],
        ["3", "0001898", "H164/X57", "新华字典", "中国社会科学院语言研究所修订", "商务印书馆", "2011.6", ZIDIAN,
         "19.90元", "H164", "工具书", "采购", "882"],
        ["4", "0001899", "G623.202/R45", "语文教学参考书. 三年级上册", "人民教育出版社小学语文室编", "人民教育出版社",
         "2019", JIAOCAN, "￥12.50", "G623.202", "教学参考书", "采购", ""],
    ]
    path = write_csv(folder / "金盘书目导出.csv", header, rows, "gbk")
    copies = [
        Expected("0001896", "9787111037583", "可编程控制器教程", 3500, "TP332.3/WZY(2)", "", ItemType.GENERAL,
                 "0001896", "采购"),
        Expected("0001897", isbn13_of(CAOFANGZI), "草房子", 1800, "I287.45/C69", "", ItemType.GENERAL,
                 "0001897", "捐赠"),
        Expected("0001898", isbn13_of(ZIDIAN), "新华字典", 1990, "H164/X57", "", ItemType.REFERENCE, "0001898", "采购"),
        Expected("0001899", isbn13_of(JIAOCAN), "语文教学参考书. 三年级上册", 1250, "G623.202/R45", "",
                 ItemType.TEACHING_REFERENCE, "0001899", "采购"),
    ]
    return Export("金盘 GDLIS", path, copies, "页数", {"accession", "source"})


def interlib(folder: Path) -> Export:
    """图创 Interlib「馆藏导出」as .xlsx (plausible headers): 条码号, 馆藏地, 流通类型, 获得方式."""
    header = ["条码号", "题名", "责任者", "ISBN", "出版社", "出版年", "索书号", "馆藏地", "流通类型", "价格",
              "获得方式", "借阅次数"]
    rows: list[list[object]] = [
        ["31010000201", "三体", "刘慈欣著", SANTI, "重庆出版社", "2008", "I247.55/L67", "二楼文学书库", "中文图书",
         "￥23.00", "采购", 12],
        ["31010000202", "狼王梦", "沈石溪著", LANGWANGMENG, "浙江少年儿童出版社", "2009", "I287.45/S55",
         "低年级阅览室", "中文图书", "¥15", "捐赠", 3],
        ["31010000203", "十万个为什么. 物理", "韩启德总主编", SHIWANGE, "少年儿童出版社", "2013", "Z228.1/S55",
         "工具书阅览室", "参考工具书", "CNY 39.80", "调拨", 0],
    ]
    path = write_xlsx(folder / "interlib_馆藏.xlsx", header, rows)
    copies = [
        Expected("31010000201", isbn13_of(SANTI), "三体", 2300, "I247.55/L67", "二楼文学书库", ItemType.GENERAL,
                 source="采购"),
        Expected("31010000202", isbn13_of(LANGWANGMENG), "狼王梦", 1500, "I287.45/S55", "低年级阅览室",
                 ItemType.GENERAL, source="捐赠"),
        Expected("31010000203", isbn13_of(SHIWANGE), "十万个为什么. 物理", 3980, "Z228.1/S55", "工具书阅览室",
                 ItemType.REFERENCE, source="调拨"),
    ]
    return Export("图创 Interlib", path, copies, "借阅次数", {"source"})


def ilas(folder: Path) -> Export:
    """ILAS「书目导出」as CSV in GBK (plausible headers): 登录号, no 索书号 — 分类号 and 种次号 instead."""
    header = ["登录号", "题名", "著者", "ISBN", "出版者", "出版年", "分类号", "种次号", "馆藏地", "价格", "文献类型",
              "来源", "借阅次数"]
    rows: list[list[object]] = [
        ["0012001", "城南旧事", "林海音著", CHENGNAN, "中国青年出版社", "2003", "I287.45", "27", "二楼A架", "18.00",
         "普通图书", "捐赠", "40"],
        ["0012002", "新华字典", "", ZIDIAN, "商务印书馆", "2011", "H164", "3", "工具书室", "19.90元", "工具书",
         "采购", "0"],
        ["0012003", "语文教学参考书. 三年级上册", "", JIAOCAN, "人民教育出版社", "2019", "G623.202", "11", "教师资料室",
         "￥26.80", "教学参考书", "采购", "2"],
        ["0012004", "儿童文学. 2026年第1期", "", "", "中国少年儿童新闻出版总社", "2026", "I287", "2", "期刊架", "8元",
         "期刊", "采购", "5"],
    ]
    path = write_csv(folder / "ILAS书目.csv", header, rows, "gbk")
    copies = [
        Expected("0012001", isbn13_of(CHENGNAN), "城南旧事", 1800, "I287.45/27", "二楼A架", ItemType.GENERAL,
                 "0012001", "捐赠"),
        Expected("0012002", isbn13_of(ZIDIAN), "新华字典", 1990, "H164/3", "工具书室", ItemType.REFERENCE,
                 "0012002", "采购"),
        Expected("0012003", isbn13_of(JIAOCAN), "语文教学参考书. 三年级上册", 2680, "G623.202/11", "教师资料室",
                 ItemType.TEACHING_REFERENCE, "0012003", "采购"),
        Expected("0012004", None, "儿童文学. 2026年第1期", 800, "I287/2", "期刊架", ItemType.PERIODICAL,
                 "0012004", "采购"),
    ]
    return Export("ILAS", path, copies, "借阅次数", {"accession", "source"})


def mousesoft(folder: Path) -> Export:
    """妙思 school library「图书数据导出」as .xlsx (plausible headers), with 适读年级, 主题词, 捐赠人."""
    header = ["条形码", "书名", "作者", "ISBN", "出版社", "出版日期", "分类号", "种次号", "定价", "存放位置",
              "图书类型", "来源", "捐赠人", "适读年级", "主题词", "状态"]
    rows: list[list[object]] = [
        ["MS00001", "草房子", "曹文轩", CAOFANGZI, "江苏少年儿童出版社", "2016-05", "I287.45", "12", "25.00",
         "二楼A架", "普通图书", "捐赠", "三年级2班王小明家长", "1-3年级", "儿童小说；成长", "在架"],
        ["MS00002", "小王子", "圣埃克苏佩里", XIAOWANGZI, "人民文学出版社", "2003-08", "I565.88", "3", "CNY22.00",
         "二楼A架", "普通图书", "采购", "", "小学低年级", "童话", "在架"],
        ["MS00003", "三体", "刘慈欣", SANTI, "重庆出版社", "2008-01", "I247.55", "8", "￥23", "三楼B架", "普通图书",
         "采购", "", "初中", "科幻小说 长篇小说", "借出"],
        ["MS00004", "中国大百科全书. 第1卷", "", "", "中国大百科全书出版社", "2009", "Z256.1", "1", 260,
         "工具书室", "大型成套", "采购", "", "", "", "在架"],
    ]
    path = write_xlsx(folder / "妙思图书导出.xlsx", header, rows, title="阳光小学图书馆 图书数据")
    copies = [
        Expected("MS00001", isbn13_of(CAOFANGZI), "草房子", 2500, "I287.45/12", "二楼A架", ItemType.GENERAL,
                 source="捐赠", donor="三年级2班王小明家长", grades=(1, 3), subjects="儿童小说 成长"),
        Expected("MS00002", isbn13_of(XIAOWANGZI), "小王子", 2200, "I565.88/3", "二楼A架", ItemType.GENERAL,
                 source="采购", grades=(1, 2), subjects="童话"),
        Expected("MS00003", isbn13_of(SANTI), "三体", 2300, "I247.55/8", "三楼B架", ItemType.GENERAL,
                 source="采购", grades=(7, 9), subjects="科幻小说 长篇小说"),
        Expected("MS00004", None, "中国大百科全书. 第1卷", 26000, "Z256.1/1", "工具书室", ItemType.REFERENCE,
                 source="采购"),
    ]
    return Export("妙思", path, copies, "状态", {"source", "donor", "grades", "subjects"}, header_line=2)


def koha(folder: Path, qualified: bool = True) -> Export:
    """A Koha report saved as CSV (UTF-8): items.price beats items.replacementprice, stocknumber is 登录号.

    qualified: headers as table.column (guided reports, "items.barcode"); False: as MySQL names a plain
    SQL report's columns (SELECT items.barcode ... gives "barcode", see gist.github.com/jasloe/fa59a9a97cb0ce05a5aa).
    """
    header = ["biblio.title", "biblio.author", "biblioitems.isbn", "biblioitems.publishercode",
              "biblioitems.publicationyear", "items.barcode", "items.itemcallnumber", "items.homebranch",
              "items.location", "items.itype", "items.price", "items.replacementprice", "items.stocknumber",
              "items.issues"]
    rows: list[list[object]] = [
        ["草房子", "曹文轩", CAOFANGZI, "江苏少年儿童出版社", "2016", "K0001", "I287.45/C69", "YGXX", "二楼A架", "BK",
         "18.00", "25.00", "DJ2026-001", "7"],
        ["语文教学参考书. 三年级上册", "", JIAOCAN, "人民教育出版社", "2019", "K0002", "G623.202/R45", "YGXX",
         "教师资料室", "教学参考书", "32.5", "", "DJ2026-002", "0"],
        ["新华字典", "", ZIDIAN, "商务印书馆", "2011", "K0003", "H164/X57", "YGXX", "工具书室", "工具书", "19.9",
         "30", "DJ2026-003", "1"],
    ]
    if not qualified:
        header = [name.split(".", 1)[1] for name in header]
    path = write_csv(folder / "koha_report.csv", header, rows, "utf-8")
    copies = [
        Expected("K0001", isbn13_of(CAOFANGZI), "草房子", 1800, "I287.45/C69", "二楼A架", ItemType.GENERAL, "DJ2026-001"),
        Expected("K0002", isbn13_of(JIAOCAN), "语文教学参考书. 三年级上册", 3250, "G623.202/R45", "教师资料室",
                 ItemType.TEACHING_REFERENCE, "DJ2026-002"),
        Expected("K0003", isbn13_of(ZIDIAN), "新华字典", 1990, "H164/X57", "工具书室", ItemType.REFERENCE, "DJ2026-003"),
    ]
    return Export("Koha", path, copies, "items.issues" if qualified else "issues", {"accession"})


def school_excel(folder: Path) -> Export:
    """A sheet a school office typed by hand (.xlsx): prices as ￥18, 35, 18元, CNY18.00; a 备注 column."""
    header = ["序号", "条码", "书名", "作者", "ISBN", "出版社", "价格", "索书号", "存放位置", "图书类型", "来源",
              "捐赠人", "适读年级", "主题", "备注"]
    rows: list[list[object]] = [
        [1, "T2026001", "城南旧事", "林海音", CHENGNAN, "中国青年出版社", "￥18", "I287.45/L2", "二楼B架", "普通图书",
         "捐赠", "李华", "5-6年级", "童年 北京", "封面有破损"],
        [2, "T2026002", "可编程控制器教程", "王兆义", "7-111-03758-8", "机械工业出版社", 35, "TP332.3/WZY(2)",
         "教师资料室", "教学参考书", "采购", "", "", "", ""],
        [3, "T2026003", "狼王梦", "沈石溪", LANGWANGMENG, "浙江少年儿童出版社", "18元", "I287.45/S55", "二楼A架",
         "普通图书", "采购", "", "小学中年级", "动物小说", ""],
        [4, "T2026004", "十万个为什么. 物理", "韩启德", SHIWANGE, "少年儿童出版社", "CNY18.00", "Z228.1/S55",
         "工具书室", "工具书", "捐赠", "区图书馆", "", "", ""],
    ]
    path = write_xlsx(folder / "学校藏书登记表.xlsx", header, rows)
    copies = [
        Expected("T2026001", isbn13_of(CHENGNAN), "城南旧事", 1800, "I287.45/L2", "二楼B架", ItemType.GENERAL,
                 source="捐赠", donor="李华", grades=(5, 6), subjects="童年 北京"),
        Expected("T2026002", "9787111037583", "可编程控制器教程", 3500, "TP332.3/WZY(2)", "教师资料室",
                 ItemType.TEACHING_REFERENCE, source="采购"),
        Expected("T2026003", isbn13_of(LANGWANGMENG), "狼王梦", 1800, "I287.45/S55", "二楼A架", ItemType.GENERAL,
                 source="采购", grades=(3, 4), subjects="动物小说"),
        Expected("T2026004", isbn13_of(SHIWANGE), "十万个为什么. 物理", 1800, "Z228.1/S55", "工具书室",
                 ItemType.REFERENCE, source="捐赠", donor="区图书馆"),
    ]
    return Export("学校自制 Excel", path, copies, "备注", {"source", "donor", "grades", "subjects"})


BUILDERS: dict[str, Callable[[Path], Export]] = {
    "dp2": dp2, "gdlis": gdlis, "interlib": interlib, "ilas": ilas, "mousesoft": mousesoft, "koha": koha,
    "koha_sql": lambda folder: koha(folder, qualified=False), "school_excel": school_excel,
}
