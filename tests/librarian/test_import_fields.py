"""Catalogue import keeps what other systems export (accession numbers, grades, subjects, donors),
names every column it does not read, and never merges two titles because they share an ISBN."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from core import queries
from core.imports import import_catalogue, open_source
from core.library import Library
from core.models import Item, ItemType, Title
from tests.librarian import files

CAOFANGZI = "9787532473014"
QINGTONG = "9787532756889"


def run(library: Library, path: Path, **kwargs: object):
    source = open_source(path, "catalogue")
    return import_catalogue(library, source.rows, filename=path.name, sha256=source.sha256, **kwargs)


def copies(library: Library) -> dict[str, tuple[str, str | None, str]]:
    """barcode → (title, accession number, call number)."""
    with library.uow() as uow:
        return {i.barcode: (i.title.title, i.accession_number, i.call_number) for i in uow.session.scalars(select(Item))}


def test_accession_number_is_kept_apart_from_the_barcode(library: Library, tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "a.csv", ["登录号", "题名", "条码号", "单价"],
                           [["DJ000101", "草房子", "0000101", "18元"], ["DJ000102", "青铜葵花", "", "￥20"]])
    report = run(library, path, accept_partial=True)
    assert [p.reason for p in report.problems] == ["缺少条形码"]  # a barcode column exists: 登录号 never stands in
    assert copies(library) == {"0000101": ("草房子", "DJ000101", "")}


def test_without_a_barcode_column_the_accession_number_is_the_barcode(library: Library, tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "a.csv", ["财产号", "书名", "分类号", "种次号"], [["0001896", "城南旧事", "I287.45", "12"]])
    assert run(library, path).committed
    assert copies(library) == {"0001896": ("城南旧事", "0001896", "I287.45/12")}


def test_grades_subjects_source_and_donor_are_stored(library: Library, tmp_path: Path) -> None:
    header = ["条码", "题名", "ISBN", "适读年级", "主题词", "来源", "文献类型", "简介"]
    rows = [["B1", "草房子", CAOFANGZI, "3-6年级", "儿童小说;成长", "捐赠（三年级2班家委会）", "普通图书", "桑桑的童年"],
            ["B2", "新华字典", "", "小学", "汉语-字典", "采购", "工具书", "字典"],
            ["B3", "给教师的建议", "", "教师", "教育", "采购", "", "苏霍姆林斯基"]]
    report = run(library, files.write_csv(tmp_path / "a.csv", header, rows))
    assert report.committed and not report.warnings
    with library.uow() as uow:
        got = {i.barcode: (i.title.min_grade, i.title.max_grade, i.title.subjects, i.source, i.donor, i.item_type)
               for i in uow.session.scalars(select(Item))}
    assert got == {"B1": (3, 6, "儿童小说 成长", "捐赠", "三年级2班家委会", ItemType.GENERAL),
                   "B2": (1, 6, "汉语 字典", "采购", "", ItemType.REFERENCE),
                   "B3": (None, None, "教育", "采购", "", ItemType.TEACHING_REFERENCE)}
    # A first-grader's parent is recommended the novel's kind of book, never the dictionary or the teachers' book.
    assert [b.title for b in queries.recommend(library, grade=4)] == ["草房子"]
    assert [b.title for b in queries.recommend(library, grade=1)] == []


def test_every_column_not_read_is_named_in_the_preview(library: Library, tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "a.csv", ["序号", "条码", "书名", "页数", "状态", "条形码"],
                           [["1", "B1", "草房子", "300", "在架", "X1"]])
    report = run(library, path, dry_run=True)
    assert [w.reason for w in report.warnings] == [
        "这些列与另一列重复，没有导入：“条码”（用的是“条形码”）",
        "这些列没有导入（系统不保存或看不懂这些列名）：“序号”、“页数”、“状态”"]
    assert report.warnings[0].where == "第1行（表头）"


def test_unknown_type_words_and_unreadable_grades_are_warned_not_dropped(library: Library, tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "a.csv", ["条码", "书名", "册类型", "适读年级"], [["B1", "草房子", "ZT", "适合所有人"]])
    report = run(library, path)
    assert report.committed
    assert [(w.where, w.reason) for w in report.warnings] == [
        ("第2行", "类型“ZT”不认识，已按普通图书导入"),
        ("第2行", "适读年级“适合所有人”看不懂（应为 1-3年级、小学低年级、初中 等），已留空")]


def _shared_isbn_file(tmp_path: Path) -> Path:
    return files.write_csv(tmp_path / "a.csv", ["条码", "书名", "ISBN"], [
        ["B1", "草房子", CAOFANGZI], ["B2", "青铜葵花", CAOFANGZI], ["B3", "《草房子》", CAOFANGZI]])


def test_same_isbn_with_another_title_is_a_conflict_never_a_silent_merge(library: Library, tmp_path: Path) -> None:
    preview = run(library, _shared_isbn_file(tmp_path), dry_run=True)
    assert [(c.line, c.title, c.held_title, c.isbn) for c in preview.conflicts] == [(3, "青铜葵花", "草房子", CAOFANGZI)]
    assert [p.line for p in preview.problems] == [3] and "ISBN冲突" in preview.problems[0].reason
    refused = run(library, _shared_isbn_file(tmp_path))
    assert not refused.committed and copies(library) == {}
    partial = run(library, _shared_isbn_file(tmp_path), accept_partial=True)
    assert partial.committed and copies(library) == {"B1": ("草房子", None, ""), "B3": ("草房子", None, "")}
    # The held title conflicts just the same when the row arrives in a later file.
    later = run(library, files.write_csv(tmp_path / "b.csv", ["条码", "书名", "ISBN"], [["B2", "青铜葵花", CAOFANGZI]]))
    assert not later.committed and [c.held_title for c in later.conflicts] == ["草房子"]


def test_the_librarian_decides_a_volume_of_its_own_or_the_existing_title(library: Library, tmp_path: Path) -> None:
    report = run(library, _shared_isbn_file(tmp_path), decisions={3: "separate"})
    assert report.committed and report.counts["titles_created"] == 2
    with library.uow() as uow:
        assert sorted(uow.session.scalars(select(Title.title).where(Title.isbn == CAOFANGZI))) == ["草房子", "青铜葵花"]
    assert copies(library)["B2"][0] == "青铜葵花"
    again = run(library, _shared_isbn_file(tmp_path))  # re-import: each row finds its own title, no conflict
    assert again.committed and not again.conflicts and again.counts == {"unchanged": 3}
    merged = run(library, files.write_csv(tmp_path / "c.csv", ["条码", "书名", "ISBN"], [["B9", "草房子（典藏版）", QINGTONG],
                                                                                        ["B8", "青铜葵花", QINGTONG]]),
                 same_isbn="existing")
    assert merged.committed and copies(library)["B8"][0] == "草房子（典藏版）"


def test_cli_lists_conflicts_and_takes_decisions(sqlite_url: str, tmp_path: Path) -> None:
    path = _shared_isbn_file(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(main, ["import", "catalog", str(path), "--db", sqlite_url])
    assert refused.exit_code == 1, refused.output
    assert "第3行：《青铜葵花》的ISBN 9787532473014 已属于《草房子》" in refused.output and "--same-isbn" in refused.output
    bad = runner.invoke(main, ["import", "catalog", str(path), "--decide", "3=merge", "--db", sqlite_url])
    assert bad.exit_code == 2 and "3=merge" in bad.output
    done = runner.invoke(main, ["import", "catalog", str(path), "--decide", "3=separate", "--db", sqlite_url])
    assert done.exit_code == 0 and "新增书目 2" in done.output, done.output


def test_marc_subjects_audience_and_koha_inventory_number(library: Library, tmp_path: Path) -> None:
    from tests.librarian.iso2709 import cnmarc, field, record

    unimarc = cnmarc("草房子", "曹文轩著", "X0001", extra=[
        ("606", field("0 ", ("a", "儿童小说".encode()), ("x", "长篇小说".encode()))),
        ("606", field("0 ", ("a", "成长".encode()))), ("333", field("  ", ("a", "小学高年级".encode())))])
    marc21 = record([("245", field("10", ("a", b"Charlotte's web /"))), ("650", field(" 0", ("a", b"Pigs."))),
                     ("521", field("  ", ("a", "3-6年级".encode()))),
                     ("952", field("  ", ("p", b"K0001"), ("i", b"INV-77"), ("g", b"25.00")))],
                    kind="nam a22", tail=" a 4500")
    path = tmp_path / "a.mrc"
    path.write_bytes(unimarc + marc21)
    assert run(library, path).committed
    with library.uow() as uow:
        got = {i.barcode: (i.title.subjects, i.title.min_grade, i.title.max_grade, i.accession_number, i.price_fen)
               for i in uow.session.scalars(select(Item))}
    assert got == {"X0001": ("儿童小说 成长", 5, 6, None, 0), "K0001": ("Pigs", 3, 6, "INV-77", 2500)}
