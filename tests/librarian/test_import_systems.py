"""Catalogue files exported by the systems Chinese schools move from (issue 13): every copy lands whole."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.imports import ImportReport, import_catalogue, open_source
from core.library import Library
from core.models import Item, ItemType, Title
from tests.librarian import systems
from tests.librarian.iso2709 import field, record
from tests.librarian.systems import Expected, Export


def run(library: Library, path: Path) -> ImportReport:
    source = open_source(path, "catalogue")
    return import_catalogue(library, source.rows, filename=path.name, sha256=source.sha256)


def landed(library: Library) -> dict[str, tuple[Item, Title]]:
    """barcode → (copy, its title), read back from the database (attributes loaded before the session ends)."""
    with library.uow() as uow:
        rows = uow.session.execute(select(Item, Title).join(Title, Item.title_id == Title.id)).all()
        for item, title in rows:
            _ = (item.accession_number, item.source, item.donor, title.min_grade, title.max_grade, title.subjects)
        uow.session.expunge_all()
        return {item.barcode: (item, title) for item, title in rows}


def unknown_columns(report: ImportReport) -> list[tuple[int, str]]:
    """The warnings naming columns the importer left out: (line, reason)."""
    return [(w.line, w.reason) for w in report.warnings if "没有导入" in w.reason]


def check_copy(item: Item, title: Title, want: Expected, has: set[str]) -> None:
    got = (item.barcode, title.isbn, title.title, item.price_fen, item.call_number, item.location, item.item_type)
    assert got == (want.barcode, want.isbn, want.title, want.price_fen, want.call_number, want.location,
                   want.item_type)
    if "accession" in has:
        assert item.accession_number == want.accession_number
    else:
        assert not item.accession_number
    assert (item.source, item.donor) == ((want.source if "source" in has else ""), want.donor)
    if "grades" in has:
        assert (title.min_grade, title.max_grade) == (want.grades or (None, None))
    if "subjects" in has:
        assert title.subjects == want.subjects


@pytest.mark.parametrize("system", list(systems.BUILDERS))
def test_every_copy_of_an_export_lands_whole(library: Library, tmp_path: Path, system: str) -> None:
    export: Export = systems.BUILDERS[system](tmp_path)
    report = run(library, export.path)
    assert report.committed and not report.problems, report.problems
    assert report.counts["items_created"] == len(export.copies)
    copies = landed(library)
    assert sorted(copies) == sorted(c.barcode for c in export.copies)
    for want in export.copies:
        item, title = copies[want.barcode]
        check_copy(item, title, want, export.has)


@pytest.mark.parametrize("system", list(systems.BUILDERS))
def test_a_column_we_cannot_import_is_named_in_one_header_warning(
        library: Library, tmp_path: Path, system: str) -> None:
    export = systems.BUILDERS[system](tmp_path)
    report = run(library, export.path)
    naming = [(line, reason) for line, reason in unknown_columns(report) if export.unknown_column in reason]
    assert len(naming) == 1, report.warnings
    assert naming[0][0] == export.header_line


def test_reimporting_an_export_with_the_new_fields_changes_nothing(library: Library, tmp_path: Path) -> None:
    export = systems.mousesoft(tmp_path)
    assert run(library, export.path).committed
    again = run(library, export.path)
    assert again.counts == {"unchanged": len(export.copies)} and again.changes == []


# Issue 13's two examples, byte for byte (金盘 writes GBK, dp2 UTF-8; both encodings must read the same)
GDLIS_EXAMPLE = ("序号,索书号,题名,责任者,出版日期,标准编码,登录号,单价,出版者\r\n"
                 "1,TP332.3/WZY(2),可编程控制器教程,主编王兆义,2005,7-111-03758-8,0001896,35,机械工业出版社\r\n")
DP2_EXAMPLE = ("册条码号,题名,索取号,馆藏地点,册价格,册类型,登录号\r\n"
               "0000101,草房子,I287.45/C69,流通库,CNY18.00,普通,DJ000101\r\n")


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_issue_example_gdlis_accession_number_is_the_barcode_when_there_is_none(
        library: Library, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "书目.csv"
    path.write_bytes(GDLIS_EXAMPLE.encode(encoding))
    report = run(library, path)
    assert report.committed and not report.problems and report.counts["items_created"] == 1
    item, title = landed(library)["0001896"]
    assert (title.isbn, title.title, title.year) == ("9787111037583", "可编程控制器教程", 2005)
    assert (item.price_fen, item.call_number, item.accession_number) == (3500, "TP332.3/WZY(2)", "0001896")


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_issue_example_dp2_barcode_and_accession_number_are_kept_apart(
        library: Library, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "册.csv"
    path.write_bytes(DP2_EXAMPLE.encode(encoding))
    report = run(library, path)
    assert report.committed and not report.problems
    copies = landed(library)
    assert list(copies) == ["0000101"]
    item, title = copies["0000101"]
    assert (item.price_fen, item.accession_number, item.call_number, item.location, item.item_type) == (
        1800, "DJ000101", "I287.45/C69", "流通库", ItemType.GENERAL)
    assert title.title == "草房子"


@pytest.mark.parametrize(("word", "item_type"), [
    ("教学参考书", ItemType.TEACHING_REFERENCE),
    ("工具书", ItemType.REFERENCE),
    ("参考工具书", ItemType.REFERENCE),
    ("大型成套", ItemType.REFERENCE),
    ("期刊", ItemType.PERIODICAL),
    ("杂志", ItemType.PERIODICAL),
    ("报纸", ItemType.PERIODICAL),
    ("普通图书", ItemType.GENERAL),
])
def test_type_words_map_longest_match_first(library: Library, tmp_path: Path, word: str, item_type: ItemType) -> None:
    path = systems.write_csv(tmp_path / "a.csv", ["条码", "书名", "文献类型"], [["W1", "某书", word]], "utf-8")
    assert run(library, path).committed
    assert landed(library)["W1"][0].item_type is item_type


@pytest.mark.parametrize(("raw", "grades"), [
    ("1-3年级", (1, 3)), ("3～4年级", (3, 4)), ("小学低年级", (1, 2)), ("小学中年级", (3, 4)), ("小学高年级", (5, 6)),
    ("初中", (7, 9)), ("五年级", (5, 5)),
])
def test_suitable_grades_are_read(library: Library, tmp_path: Path, raw: str, grades: tuple[int, int]) -> None:
    path = systems.write_csv(tmp_path / "a.csv", ["条码", "书名", "适读年级"], [["G1", "某书", raw]], "utf-8")
    assert run(library, path).committed
    title = landed(library)["G1"][1]
    assert (title.min_grade, title.max_grade) == grades


def test_a_barcode_column_wins_over_the_accession_number_even_when_it_comes_later(
        library: Library, tmp_path: Path) -> None:
    path = systems.write_csv(tmp_path / "a.csv", ["登录号", "书名", "条形码"], [["0007", "某书", "B0007"]], "gbk")
    assert run(library, path).committed
    item = landed(library)["B0007"][0]
    assert item.accession_number == "0007"


def test_cnmarc_985_holdings_keep_accession_number_and_source(library: Library, tmp_path: Path) -> None:
    """985 as another system writes it (github.com/DigitalPlatform/dp2/issues/200): $a 条码 $b 典藏地 $d 价格
    $h 流水号/登录号 $m 获得方式, one group per copy; 606 subjects and 333 使用对象 on the record."""
    h985 = ("985", field("  ", ("a", b"202954035"), ("b", "样本书库".encode()), ("d", b"14.80"), ("h", b"20295403"),
                         ("m", "订购".encode()), ("a", b"202954044"), ("b", "北校区外借室".encode()), ("d", b"14.80"),
                         ("h", b"20295404"), ("m", "赠送".encode())))
    data = record([
        ("001", b"0198016851"),
        ("010", field("  ", ("a", systems.CAOFANGZI.encode()), ("d", b"CNY14.80"))),
        ("100", field("  ", ("a", b"20240101d2024    em y0chiy50      ea"))),
        ("200", field("1 ", ("a", "草房子".encode()), ("f", "曹文轩著".encode()))),
        ("333", field("  ", ("a", "小学中年级".encode()))),
        ("606", field(" 0", ("a", "儿童小说".encode()))),
        ("606", field(" 0", ("a", "成长".encode()))),
        ("690", field("  ", ("a", b"I287.45"))),
        h985,
    ])
    path = tmp_path / "interlib.iso"
    path.write_bytes(data)
    report = run(library, path)
    assert report.committed and not report.problems, report.problems
    copies = landed(library)
    assert sorted(copies) == ["202954035", "202954044"]
    first, title = copies["202954035"]
    second, _ = copies["202954044"]
    assert (title.isbn, title.min_grade, title.max_grade, title.subjects) == (
        systems.isbn13_of(systems.CAOFANGZI), 3, 4, "儿童小说 成长")
    assert (first.location, first.price_fen, second.location) == ("样本书库", 1480, "北校区外借室")
    assert (first.accession_number, first.source) == ("20295403", "采购")
    assert (second.accession_number, second.source) == ("20295404", "捐赠")


def test_the_preview_names_the_unread_columns_first(library: Library, tmp_path: Path) -> None:
    export = systems.school_excel(tmp_path)
    source = open_source(export.path, "catalogue")
    report = import_catalogue(library, source.rows, dry_run=True)
    assert not report.committed and report.warnings
    first = report.warnings[0]
    assert "没有导入" in first.reason and "备注" in first.reason and first.line == 1
    assert landed(library) == {}


def test_a_changed_accession_number_or_source_updates_the_copy(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "册.csv"
    path.write_bytes(DP2_EXAMPLE.encode("utf-8"))
    assert run(library, path).committed
    path.write_bytes(DP2_EXAMPLE.replace("册类型,登录号", "册类型,登录号,来源")
                     .replace("普通,DJ000101", "普通,DJ009101,捐赠-李华").encode("utf-8"))
    report = run(library, path)
    assert report.committed and report.counts == {"items_updated": 1}
    assert "DJ009101" in report.changes[0].detail
    item = landed(library)["0000101"][0]
    assert (item.accession_number, item.source, item.donor) == ("DJ009101", "捐赠", "李华")
