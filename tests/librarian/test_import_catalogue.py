"""Catalogue import from CSV (UTF-8, GBK), Excel with merged headers and ISO 2709 files."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from core.imports import import_catalogue, open_source
from core.imports.batches import ImportBatch
from core.library import Library
from core.models import Item, ItemStatus, Title
from tests.librarian import files
from tests.librarian.files import CATALOGUE_HEADER, CATALOGUE_ROWS, SANTI


def run(library: Library, path: Path, **kwargs: object):
    source = open_source(path, "catalogue")
    return import_catalogue(library, source.rows, filename=path.name, sha256=source.sha256, **kwargs)


def counts(library: Library) -> tuple[int, int]:
    with library.uow() as uow:
        return (uow.session.scalar(select(func.count()).select_from(Title)),
                uow.session.scalar(select(func.count()).select_from(Item)))


def test_gbk_csv_is_detected_and_duplicate_isbns_become_copies_of_one_title(library: Library, tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "馆藏.csv", CATALOGUE_HEADER, CATALOGUE_ROWS, encoding="gbk")
    source = open_source(path, "catalogue")
    assert (source.format, source.encoding) == ("csv", "gbk")
    report = import_catalogue(library, source.rows)
    assert report.committed and not report.problems
    assert report.counts == {"titles_created": 3, "items_created": 4}
    with library.uow() as uow:
        caofangzi = uow.session.scalar(select(Title).where(Title.title == "草房子"))
        assert caofangzi is not None and caofangzi.isbn == files.CAOFANGZI
        assert sorted(i.barcode for i in caofangzi.items) == ["T000001", "T000002"]
        prices = dict(uow.session.execute(select(Item.barcode, Item.price_fen)).all())
    assert prices == {"T000001": 2500, "T000002": 2500, "T000003": 1800, "T000004": 0}


def test_utf8_csv_with_bom_and_yen_sign_prices(library: Library, tmp_path: Path) -> None:
    rows = [["B1", "城南旧事", "林海音", "¥18.50", "二楼"], ["B2", "三体", "刘慈欣", "CNY 23", "三楼"]]
    path = files.write_csv(tmp_path / "a.csv", ["条码", "书名", "作者", "价格", "馆藏位置"], rows, encoding="utf-8-sig")
    report = run(library, path)
    assert report.committed and report.counts["items_created"] == 2
    with library.uow() as uow:
        assert dict(uow.session.execute(select(Item.barcode, Item.price_fen)).all()) == {"B1": 1850, "B2": 2300}


def test_reimporting_the_same_file_changes_nothing(library: Library, tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "馆藏.csv", CATALOGUE_HEADER, CATALOGUE_ROWS)
    assert run(library, path).committed
    before = counts(library)
    again = run(library, path)
    assert again.counts == {"unchanged": 4} and again.changes == []
    assert counts(library) == before


def test_a_changed_shelf_is_updated_on_reimport(library: Library, tmp_path: Path) -> None:
    run(library, files.write_csv(tmp_path / "a.csv", CATALOGUE_HEADER, CATALOGUE_ROWS))
    moved = [r[:8] + ["三楼C架"] + r[9:] if r[1] == "T000003" else r for r in CATALOGUE_ROWS]
    report = run(library, files.write_csv(tmp_path / "b.csv", CATALOGUE_HEADER, moved))
    assert report.counts == {"unchanged": 3, "items_updated": 1}
    assert report.changes[0].action == "更新复本" and "三楼C架" in report.changes[0].detail


def test_bad_rows_are_reported_with_lines_and_nothing_is_written_unless_accepted(
        library: Library, tmp_path: Path) -> None:
    rows = CATALOGUE_ROWS + [
        ["5", "", "没有条码的书", "某人", "", "", "10", "", "", ""],
        ["6", "T000001", "重复条码", "某人", "", "", "10", "", "", ""],
        ["7", "T000007", "价格错", "某人", "", "", "二十五块", "", "", ""],
    ]
    path = files.write_csv(tmp_path / "bad.csv", CATALOGUE_HEADER, rows)
    report = run(library, path)
    assert not report.committed
    assert [(p.line, p.reason.split("（")[0]) for p in report.problems] == [
        (6, "缺少条形码"), (7, "条形码 T000001 与第2行重复"), (8, "价格“二十五块”看不懂")]
    assert counts(library) == (0, 0)
    accepted = run(library, path, accept_partial=True)
    assert accepted.committed and accepted.counts["items_created"] == 4
    with library.uow() as uow:
        batch = uow.session.scalar(select(ImportBatch))
        assert batch is not None and [line for line, _ in batch.rejected] == [6, 7, 8]


def test_dry_run_lists_the_changes_and_writes_nothing(library: Library, tmp_path: Path) -> None:
    report = run(library, files.write_csv(tmp_path / "a.csv", CATALOGUE_HEADER, CATALOGUE_ROWS), dry_run=True)
    assert not report.committed
    assert [c.action for c in report.changes].count("新增复本") == 4
    assert [c.action for c in report.changes].count("新增书目") == 3
    assert counts(library) == (0, 0)


def test_a_barcode_of_another_book_is_refused(library: Library, tmp_path: Path) -> None:
    run(library, files.write_csv(tmp_path / "a.csv", CATALOGUE_HEADER, CATALOGUE_ROWS))
    clash = [["1", "T000003", "三体", "刘慈欣", SANTI, "重庆出版社", "23", "", "", ""]]
    report = run(library, files.write_csv(tmp_path / "b.csv", CATALOGUE_HEADER, clash))
    assert not report.committed and "已是《城南旧事》的条码" in report.problems[0].reason


def test_xlsx_with_merged_title_and_two_row_header(library: Library, tmp_path: Path) -> None:
    path = files.write_xlsx_merged(tmp_path / "目录.xlsx", [
        ["三体", "刘慈欣", SANTI, "重庆出版社", "23.00", "I247.55", "X0001", "I247.55/L1", "三楼科幻架"],
        ["三体", "刘慈欣", SANTI, "重庆出版社", 23, "I247.55", "X0002", "I247.55/L1", "三楼科幻架"],
        ["", "", "", "", "", "", "", "", ""],
        ["城南旧事", "林海音", "", "中国青年出版社", "18", "I287.45", "", "", ""],
    ])
    report = run(library, path, accept_partial=True)
    assert report.committed and report.counts == {"titles_created": 1, "items_created": 2}
    assert [(p.line, p.reason) for p in report.problems] == [(7, "缺少条形码")]
    with library.uow() as uow:
        item = uow.session.scalar(select(Item).where(Item.barcode == "X0002"))
        assert item is not None and (item.location, item.call_number, item.price_fen) == ("三楼科幻架", "I247.55/L1", 2300)


def test_iso2709_cnmarc_and_marc21_records(library: Library, tmp_path: Path) -> None:
    data = (files.unimarc_record("狼王梦", "沈石溪", files.LANGWANGMENG, ["M001", "M002"])
            + files.marc21_record("三体", "刘慈欣", SANTI, "M003")
            + files.unimarc_record("没有馆藏的书", "某人", "", []))
    path = tmp_path / "export.iso"
    path.write_bytes(data)
    report = run(library, path, accept_partial=True)
    assert report.committed and report.counts == {"titles_created": 2, "items_created": 3}
    assert [(p.where, p.reason) for p in report.problems] == [("第3条记录", "缺少条形码")]
    with library.uow() as uow:
        wolf = uow.session.scalar(select(Title).where(Title.isbn == files.LANGWANGMENG))
        assert wolf is not None and (wolf.title, wolf.author, wolf.publisher, wolf.year, wolf.clc) == (
            "狼王梦", "沈石溪", "江苏少年儿童出版社", 2016, "I287.45")
        santi = uow.session.scalar(select(Item).where(Item.barcode == "M003"))
        assert santi is not None and santi.title.title == "三体" and santi.price_fen == 2300
        assert santi.status is ItemStatus.AVAILABLE and santi.location == "三楼科幻架"
    assert run(library, path, accept_partial=True).counts == {"unchanged": 3}


def test_excel_unicode_text_export_is_utf16_with_tabs(library: Library, tmp_path: Path) -> None:
    text = "条码\t书名\t作者\t定价\r\nU1\t草房子\t曹文轩\t25.00\r\n"
    path = tmp_path / "导出.txt"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    source = open_source(path, "catalogue")
    assert source.encoding == "utf-16"
    assert import_catalogue(library, source.rows).counts == {"titles_created": 1, "items_created": 1}


def test_xls_with_merged_title_and_two_row_header(library: Library) -> None:
    path = Path(__file__).parent / "data" / "catalogue_merged.xls"  # made by LibreOffice, see data/README.md
    assert open_source(path, "catalogue").format == "xls"
    report = run(library, path)
    assert report.committed and report.counts == {"titles_created": 3, "items_created": 4}
    with library.uow() as uow:
        item = uow.session.scalar(select(Item).where(Item.barcode == "T000001"))
        assert item is not None and (item.location, item.call_number, item.price_fen) == ("二楼A架", "I287.45/C1", 2500)
