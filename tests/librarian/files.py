"""Real-shaped import files made by the tests: CSV (UTF-8, GBK), Excel with merged headers, ISO 2709."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from core.isbn import make_isbn13

CAOFANGZI = make_isbn13("978753461872")
XIAOWANGZI = make_isbn13("978702004249")
SANTI = make_isbn13("978753669293")
LANGWANGMENG = make_isbn13("978753425545")

CATALOGUE_HEADER = ["序号", "条形码", "正题名", "责任者", "国际标准书号", "出版社", "定价", "索书号", "馆藏地", "中图分类号"]
CATALOGUE_ROWS = [
    ["1", "T000001", "草房子", "曹文轩", CAOFANGZI[:3] + "-" + CAOFANGZI[3:4] + "-" + CAOFANGZI[4:8] + "-" + CAOFANGZI[8:12] + "-" + CAOFANGZI[12], "江苏少年儿童出版社", "￥25.00", "I287.45/C1", "二楼A架", "I287.45"],
    ["2", "T000002", "草房子", "曹文轩", CAOFANGZI, "江苏少年儿童出版社", "25元", "I287.45/C1", "二楼A架", "I287.45"],
    ["3", "T000003", "城南旧事", "林海音", "", "中国青年出版社", "CNY18", "I287.45/L2", "二楼B架", "I287.45"],
    ["4", "T000004", "小王子", "圣埃克苏佩里", XIAOWANGZI, "人民文学出版社", "", "I565.88/S1", "二楼A架", "I565.88"],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx_merged(path: Path, rows: list[list[str]]) -> Path:
    """A school export: a merged title row, then a two-row header (书名 spans both rows, 馆藏信息 spans 3 columns)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["阳光小学图书馆藏书目录（2026年11月导出）"])
    ws.merge_cells("A1:I1")
    ws.append(["书名", "作者", "ISBN", "出版社", "价格(元)", "分类号", "馆藏信息", None, None])
    ws.append([None, None, None, None, None, None, "条码号", "索书号", "馆藏位置"])
    for col in "ABCDEF":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("G2:I2")
    for title, author, isbn, publisher, price, clc, barcode, call, location in rows:
        ws.append([title, author, isbn, publisher, price, clc, barcode, call, location])
    wb.save(path)
    return path


def unimarc_record(title: str, author: str, isbn: str, barcodes: list[str], *, price: str = "CNY25.00",
                   location: str = "二楼A架") -> bytes:
    from pymarc import Field, Indicators, Record, Subfield

    record = Record(force_utf8=True, leader="     nam0 22     450 ")
    record.add_field(Field(tag="010", indicators=Indicators(" ", " "),
                           subfields=[Subfield("a", isbn), Subfield("d", price)]))
    record.add_field(Field(tag="200", indicators=Indicators("1", " "),
                           subfields=[Subfield("a", title), Subfield("f", author)]))
    record.add_field(Field(tag="210", indicators=Indicators(" ", " "),
                           subfields=[Subfield("a", "南京"), Subfield("c", "江苏少年儿童出版社"), Subfield("d", "2016")]))
    record.add_field(Field(tag="690", indicators=Indicators(" ", " "), subfields=[Subfield("a", "I287.45")]))
    record.add_field(Field(tag="701", indicators=Indicators(" ", "0"), subfields=[Subfield("a", author)]))
    for barcode in barcodes:
        record.add_field(Field(tag="905", indicators=Indicators(" ", " "), subfields=[
            Subfield("a", "阳光小学"), Subfield("b", barcode), Subfield("c", location),
            Subfield("d", "I287.45"), Subfield("e", "C1")]))
    return record.as_marc()


def marc21_record(title: str, author: str, isbn: str, barcode: str) -> bytes:
    from pymarc import Field, Indicators, Record, Subfield

    record = Record(force_utf8=True)
    record.add_field(Field(tag="020", indicators=Indicators(" ", " "),
                           subfields=[Subfield("a", isbn), Subfield("c", "CNY32.00")]))
    record.add_field(Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", author + ",")]))
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"), subfields=[Subfield("a", title + " /")]))
    record.add_field(Field(tag="264", indicators=Indicators(" ", "1"),
                           subfields=[Subfield("b", "重庆出版社,"), Subfield("c", "2008")]))
    record.add_field(Field(tag="952", indicators=Indicators(" ", " "), subfields=[
        Subfield("p", barcode), Subfield("o", "I247.55/L1"), Subfield("c", "三楼科幻架"), Subfield("g", "23.00")]))
    return record.as_marc()
