"""ISO 2709 imports: bytes between records, declared character sets, holdings fields, 880 and sorting marks.

Each issue 13 example is here byte for byte; the other records are built by tests.librarian.iso2709,
which is checked to rebuild the issue's bytes exactly.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.clock import FixedClock
from core.imports import import_catalogue, open_source
from core.imports.marc import read_marc
from core.isbn import make_isbn13
from core.library import Library
from core.models import Item, Title
from tests.librarian.iso2709 import cnmarc, field, marc8, record

ISSUE_UTF8 = (b'00156nam0 2200073   450 001000300000100004100003200002800044905001000072\x1eR1\x1e  \x1fa20240101d2024'
              b'    em y0chiy50      ea\x1e1 \x1fa\xe8\x8d\x89\xe6\x88\xbf\xe5\xad\x90\x1ff\xe6\x9b\xb9\xe6\x96\x87'
              b'\xe8\xbd\xa9\xe8\x91\x97\x1e  \x1fbX0001\x1e\x1d\r\n')
ISSUE_GBK = (b'00149nam0 2200073   450 001000300000100004100003200002100044905001000065\x1eR1\x1e  \x1fa20240101d2024'
             b'    em y0chiy0120    ea\x1e1 \x1fa\xb2\xdd\xb7\xbf\xd7\xd3\x1ff\xb2\xdc\xce\xc4\xd0\xf9\xd6\xf8\x1e  '
             b'\x1fbX0011\x1e\x1d')
BOOKS = [("X0001", "草房子"), ("X0002", "青铜葵花"), ("X0003", "细米")]


def run(library: Library, path: Path, data: bytes, **kwargs: object):
    path.write_bytes(data)
    source = open_source(path, "catalogue")
    return import_catalogue(library, source.rows, filename=path.name, sha256=source.sha256, **kwargs)


def titles_by_barcode(library: Library) -> dict[str, tuple[str, str | None]]:
    with library.uow() as uow:
        return {b: (t, a) for b, t, a in uow.session.execute(
            select(Item.barcode, Title.title, Title.author).join(Title, Item.title_id == Title.id))}


def test_the_helper_rebuilds_the_issue_bytes_exactly() -> None:
    assert cnmarc("草房子", "曹文轩著", "X0001") + b"\r\n" == ISSUE_UTF8
    assert cnmarc("草房子", "曹文轩著", "X0011", encoding="gbk", sets="0120") == ISSUE_GBK


def test_issue_three_records_each_followed_by_crlf_all_import(library: Library, tmp_path: Path) -> None:
    others = [cnmarc(title, "曹文轩著", barcode) + b"\r\n" for barcode, title in BOOKS[1:]]
    report = run(library, tmp_path / "export.iso", ISSUE_UTF8 + b"".join(others))
    assert report.committed and not report.problems, report.problems
    assert report.counts == {"titles_created": 3, "items_created": 3}
    assert titles_by_barcode(library) == {b: (t, "曹文轩") for b, t in BOOKS}


@pytest.mark.parametrize("between", [b"", b"\n", b"\r\n\r\n", b"  \n", b"\xef\xbb\xbf"])
def test_anything_between_records_is_skipped(library: Library, tmp_path: Path, between: bytes) -> None:
    data = b"\xef\xbb\xbf" + between.join(cnmarc(t, "曹文轩", b) for b, t in BOOKS) + between
    report = run(library, tmp_path / "export.mrc", data)
    assert report.committed and not report.problems, report.problems
    assert {b: t for b, (t, _) in titles_by_barcode(library).items()} == dict(BOOKS)


def test_issue_gbk_cnmarc_is_read_in_its_declared_character_set(library: Library, tmp_path: Path) -> None:
    report = run(library, tmp_path / "dp2.iso", ISSUE_GBK)
    assert report.committed and not report.problems, report.problems
    assert titles_by_barcode(library) == {"X0011": ("草房子", "曹文轩")}


def test_gbk_file_with_newlines_and_undeclared_gbk_falls_back_to_gb18030(library: Library, tmp_path: Path) -> None:
    data = (cnmarc("青铜葵花", "曹文轩著", "G1", encoding="gbk", sets="0120") + b"\n"
            + cnmarc("细米", "曹文轩编著", "G2", encoding="gbk", sets="50  ") + b"\n"  # declared UTF-8, bytes GBK
            + cnmarc("城南旧事", "林海音", "G3", encoding="gbk", sets="    ") + b"\n")  # nothing declared
    report = run(library, tmp_path / "gbk.iso", data)
    assert report.committed and not report.problems, report.problems
    assert titles_by_barcode(library) == {"G1": ("青铜葵花", "曹文轩"), "G2": ("细米", "曹文轩"),
                                          "G3": ("城南旧事", "林海音")}


def marc21(title: bytes, author: bytes, barcode: str, *, utf8: bool, extra: list | None = None) -> bytes:
    fields = [("001", b"M1"), ("100", field("1 ", ("a", author))), ("245", field("10", ("a", title + b" /"))),
              ("952", field("  ", ("p", barcode.encode()), ("o", b"I287/C1"), ("g", b"20.00")))]
    return record(fields + (extra or []), kind="nam a22" if utf8 else "nam  22", tail="   4500")


def test_marc21_in_marc8_and_utf8_with_and_without_newlines(library: Library, tmp_path: Path) -> None:
    data = (marc21(marc8("草房子"), marc8("曹文轩"), "E1", utf8=False) + b"\r\n"
            + marc21(b"Caf\xe2e society", b"Smith, John,", "E2", utf8=False)  # ANSEL acute before its letter
            + marc21("细米".encode(), "曹文轩".encode(), "E3", utf8=True))
    report = run(library, tmp_path / "loc.mrc", data)
    assert report.committed and not report.problems, report.problems
    assert titles_by_barcode(library) == {"E1": ("草房子", "曹文轩"), "E2": ("Café society", "Smith, John"),
                                          "E3": ("细米", "曹文轩")}


def test_an_undecodable_record_is_refused_with_its_number_and_nothing_garbled_is_stored(
        library: Library, tmp_path: Path) -> None:
    data = (cnmarc("草房子", "曹文轩", "B1", encoding="gbk", sets="0120")
            + cnmarc("坏", "某", "B2", sets="0120")[:-1].replace("坏".encode(), b"\xff\xfe\xff") + b"\x1d"
            + cnmarc("控制符", "某", "B3").replace("控制符".encode(), "控\x85制x".encode()))
    report = run(library, tmp_path / "bad.iso", data, accept_partial=True)
    assert [(p.where, p.reason) for p in report.problems] == [
        ("第2条记录", "文字无法按 GBK 解码，请确认导出时的字符集"),
        ("第3条记录", "按 UTF-8 解码后含有控制字符，请确认导出时的字符集")]
    assert titles_by_barcode(library) == {"B1": ("草房子", "曹文轩")}
    with library.uow() as uow:
        stored = [t for t in uow.session.scalars(select(Title.title)) if "\ufffd" in t or any(
            0x80 <= ord(c) <= 0x9f for c in t)]
    assert stored == []


def test_unimarc_non_sorting_marks_are_stripped(library: Library, tmp_path: Path) -> None:
    data = cnmarc("\x88The \x89little prince", "Saint-Exupéry", "S1") + cnmarc("\x98一\x9c千零一夜", "佚名", "S2")
    assert run(library, tmp_path / "u.iso", data).committed
    assert titles_by_barcode(library) == {"S1": ("The little prince", "Saint-Exupéry"), "S2": ("一千零一夜", "佚名")}


def test_marc21_linked_880_is_preferred_over_romanised_245_and_100(library: Library, tmp_path: Path) -> None:
    data = record([("001", b"V1"), ("100", field("1 ", ("6", b"880-01"), ("a", b"Cao, Wenxuan,"))),
                   ("245", field("10", ("6", b"880-02"), ("a", b"Cao fang zi /"))),
                   ("880", field("1 ", ("6", b"100-01/$1"), ("a", "曹文轩,".encode()))),
                   ("880", field("10", ("6", b"245-02/$1"), ("a", "草房子 /".encode()))),
                   ("952", field("  ", ("p", b"V001")))], kind="nam a22", tail="   4500")
    assert run(library, tmp_path / "v.mrc", data).committed
    assert titles_by_barcode(library) == {"V001": ("草房子", "曹文轩")}


def prices(library: Library) -> dict[str, tuple[int | None, str | None, str | None]]:
    with library.uow() as uow:
        return {b: (p, loc, call) for b, p, loc, call in uow.session.execute(
            select(Item.barcode, Item.price_fen, Item.location, Item.call_number))}


def test_holdings_one_copy_per_repeated_group_in_985_852_876_and_952(library: Library, tmp_path: Path) -> None:
    h985 = ("985", field("  ", ("a", b"H1"), ("b", "一楼".encode()), ("d", b"18.00"),
                         ("a", b"H2"), ("b", "二楼".encode()), ("d", b"20.00")))
    unimarc = cnmarc("草房子", "曹文轩", "", extra=[h985])
    loc = record([("245", field("10", ("a", b"Cao fang zi"))),
                  ("852", field("  ", ("b", "三楼".encode()), ("h", b"I287"), ("i", b"C1"), ("p", b"H3"))),
                  ("876", field("  ", ("p", b"H3"), ("c", b"CNY30.00"))),
                  ("876", field("  ", ("p", b"H4"), ("c", b"12.50"), ("l", "书库".encode())))],
                 kind="nam a22", tail="   4500")
    koha = marc21(b"Xi mi", b"Cao", "H5", utf8=True,
                  extra=[("952", field("  ", ("p", b"H6"), ("o", b"I287/C2"), ("v", b"33.00"), ("c", "四楼".encode())))])
    report = run(library, tmp_path / "h.iso", unimarc + loc + koha)
    assert report.committed and not report.problems, report.problems
    assert prices(library) == {"H1": (1800, "一楼", ""), "H2": (2000, "二楼", ""),
                               "H3": (3000, "三楼", "I287/C1"), "H4": (1250, "书库", ""),
                               "H5": (2000, "", "I287/C1"), "H6": (3300, "四楼", "I287/C2")}


def test_a_905_barcode_range_is_expanded_or_refused_never_stored_as_one(library: Library, tmp_path: Path) -> None:
    data = (cnmarc("草房子", "曹文轩", "20295403-5408")
            + cnmarc("青铜葵花", "曹文轩", "20295410-5409")  # descending
            + cnmarc("细米", "曹文轩", "A0001-A9999"))  # 9,999 copies: more likely a typo
    report = run(library, tmp_path / "r.iso", data, accept_partial=True)
    assert [(p.where, p.reason) for p in report.problems] == [
        ("第2条记录", "条码范围“20295410-5409”不是从小到大或超过500册，请逐册列出条码"),
        ("第3条记录", "条码范围“A0001-A9999”不是从小到大或超过500册，请逐册列出条码")]
    assert sorted(titles_by_barcode(library)) == [f"2029540{n}" for n in range(3, 9)]


_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)  # all in GB2312/GBK
_BOOK = st.tuples(st.text(_HAN | st.sampled_from("ABCxyz0123：·"), min_size=1, max_size=12),
                  st.text(_HAN, min_size=2, max_size=4).filter(lambda a: a[-1] not in "著编译绘撰"),
                  st.integers(0, 99_999), st.integers(100, 99_999))


@settings(max_examples=40, deadline=None)
@given(books=st.lists(_BOOK, min_size=1, max_size=6), encoding=st.sampled_from(["utf-8", "gbk"]),
       between=st.sampled_from([b"", b"\n", b"\r\n", b" \r\n"]))
def test_any_catalogue_written_as_iso2709_reads_back_the_same(books: list, encoding: str, between: bytes) -> None:
    sets = "50  " if encoding == "utf-8" else "0120"
    data = between.join(
        cnmarc(title, author + "著", f"P{i:05d}", encoding=encoding, sets=sets,
               extra=[("010", field("  ", ("a", make_isbn13(f"978750{isbn:06d}").encode()),
                                    ("d", f"CNY{fen // 100}.{fen % 100:02d}".encode())))])
        for i, (title, author, isbn, fen) in enumerate(books)) + between
    rows = list(read_marc(data))
    assert [(r.line, r.fields["barcode"], r.fields["title"], r.fields["author"], r.fields["isbn"], r.fields["price"])
            for r in rows] == [
        (i + 1, f"P{i:05d}", title, author, make_isbn13(f"978750{isbn:06d}"), f"CNY{fen // 100}.{fen % 100:02d}")
        for i, (title, author, isbn, fen) in enumerate(books)]


def test_a_truncated_last_record_is_refused_by_number() -> None:
    data = cnmarc("草房子", "曹文轩", "T1") + b"\r\n" + cnmarc("细米", "曹文轩", "T2")[:60]
    rows = list(read_marc(data))
    assert [(r.where, r.fields.get("barcode"), r.fields.get("_error")) for r in rows] == [
        ("第1条记录", "T1", None), ("第2条记录", None, "记录格式损坏（目次区不对），无法读取")]


def test_the_librarian_sees_every_record_or_its_numbered_reason_in_the_cli(
        sqlite_url: str, tmp_path: Path, clock: FixedClock) -> None:
    from click.testing import CliRunner

    from cli.main import main

    path = tmp_path / "dp2导出.iso"
    path.write_bytes(ISSUE_UTF8 + ISSUE_GBK + b"\r\n" + cnmarc("细米", "曹文轩", "20295403-5408") + b"\r\n"
                     + cnmarc("青铜葵花", "曹文轩", "9-1") + b"\r\n")
    runner = CliRunner()
    refused = runner.invoke(main, ["import", "catalog", str(path), "--db", sqlite_url])
    assert refused.exit_code == 1, refused.output
    assert "第4条记录：条码范围“9-1”不是从小到大或超过500册，请逐册列出条码" in refused.output
    assert "没有写入任何数据" in refused.output
    done = runner.invoke(main, ["import", "catalog", str(path), "--accept-partial", "--db", sqlite_url])
    assert done.exit_code == 0 and "导入完成" in done.output, done.output
    library = Library.open(sqlite_url, clock=clock, migrate=False)
    try:
        stored = titles_by_barcode(library)
    finally:
        library.close()
    assert stored == {"X0001": ("草房子", "曹文轩"), "X0011": ("草房子", "曹文轩"),
                      **{f"2029540{n}": ("细米", "曹文轩") for n in range(3, 9)}}


def test_a_two_character_name_ending_like_a_role_keeps_it() -> None:
    from core.imports.marc import _strip_role

    assert [_strip_role(n) for n in ("曹文轩著", "张译", "任溶溶译", "王林主编")] == ["曹文轩", "张译", "任溶溶", "王林"]
