"""Roster import: students with classes and parents, teachers with the class they lead."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from core.imports import import_readers, open_source
from core.library import Library
from core.models import Guardian, GuardianStudent, Reader, ReaderType, SchoolClass
from tests.librarian import files

STUDENTS = ["班级", "学号", "姓名", "家长姓名", "家长手机号"]
ROSTER = [
    ["三年级2班", "S2023001", "王小明", "王建国", "13800138000"],
    ["3(2)班", "S2023002", "王小红", "王建国", "138 0013 8000"],  # a sibling: same parent
    ["初一3班", "S2021001", "李华", "", ""],
]


def run(library: Library, path: Path, **kwargs: object):
    source = open_source(path, "readers")
    return import_readers(library, source.rows, filename=path.name, sha256=source.sha256, **kwargs)


def test_students_classes_and_shared_parents_are_created(library: Library, tmp_path: Path) -> None:
    report = run(library, files.write_csv(tmp_path / "名单.csv", STUDENTS, ROSTER, encoding="gbk"))
    assert report.committed and not report.problems
    assert report.counts["新增读者"] == 3 and report.counts["新增班级"] == 2 and report.counts["新增家长"] == 1
    with library.uow() as uow:
        s = uow.session
        assert sorted(s.scalars(select(SchoolClass.name))) == ["七年级3班", "三年级2班"]
        assert s.scalar(select(func.count()).select_from(GuardianStudent)) == 2
        parent = s.scalar(select(Guardian))
        assert parent is not None and (parent.name, parent.phone) == ("王建国", "13800138000")
        li = s.scalar(select(Reader).where(Reader.card_no == "S2021001"))
        assert li is not None and li.reader_type is ReaderType.STUDENT and li.school_class.grade == 7


def test_reimport_is_idempotent_and_a_class_move_is_an_update(library: Library, tmp_path: Path) -> None:
    run(library, files.write_csv(tmp_path / "a.csv", STUDENTS, ROSTER))
    again = run(library, files.write_csv(tmp_path / "b.csv", STUDENTS, ROSTER))
    assert again.changes == [] and again.counts == {"unchanged": 3}
    moved = [["四年级2班", *ROSTER[0][1:]], *ROSTER[1:]]
    report = run(library, files.write_csv(tmp_path / "c.csv", STUDENTS, moved))
    assert [c.action for c in report.changes] == ["新增班级", "更新读者"]
    assert "班级" in report.changes[1].detail


def test_bad_roster_rows_are_reported_and_nothing_written(library: Library, tmp_path: Path) -> None:
    bad = ROSTER + [["火星班", "S9", "张三", "", ""], ["三年级1班", "", "李四", "", ""],
                    ["三年级1班", "S8", "赵五", "赵六", "12345"], ["三年级1班", "S2023001", "重名", "", ""]]
    report = run(library, files.write_csv(tmp_path / "bad.csv", STUDENTS, bad))
    assert not report.committed
    assert [p.line for p in report.problems] == [5, 6, 7, 8]
    assert "班级“火星班”看不懂" in report.problems[0].reason
    assert "与第2行重复" in report.problems[3].reason
    with library.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Reader)) == 0


def test_teacher_list_sets_the_class_teacher(library: Library, tmp_path: Path) -> None:
    run(library, files.write_csv(tmp_path / "s.csv", STUDENTS, ROSTER))
    path = files.write_csv(tmp_path / "教师.csv", ["工号", "姓名", "手机", "班主任"],
                           [["T0001", "张老师", "13900000001", "三年级2班"], ["T0002", "刘老师", "", ""]])
    report = run(library, path, teachers=True)
    assert report.committed and report.counts["新增读者"] == 2 and report.counts["班主任"] == 1
    with library.uow() as uow:
        zhang = uow.session.scalar(select(Reader).where(Reader.card_no == "T0001"))
        cls = uow.session.scalar(select(SchoolClass).where(SchoolClass.name == "三年级2班"))
        assert zhang is not None and cls is not None
        assert zhang.reader_type is ReaderType.TEACHER and zhang.class_id is None and cls.class_teacher_id == zhang.id


def test_roster_from_excel(library: Library, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["2026学年三年级学生名单"])
    ws.merge_cells("A1:E1")
    ws.append(STUDENTS)
    ws.append(["三年级1班", 20230101, "陈一", "陈爸爸", 13700000000])  # Excel stores numbers as numbers
    wb.save(tmp_path / "名单.xlsx")
    report = run(library, tmp_path / "名单.xlsx")
    assert report.committed and report.counts["新增读者"] == 1
    with library.uow() as uow:
        assert uow.session.scalar(select(Reader.card_no)) == "20230101"


def test_card_number_column_is_preferred_over_student_number(library: Library, tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "a.csv", ["学号", "借书证号", "姓名", "班级"],
                           [["2023001", "S2023001", "王小明", "三年级2班"]])
    assert run(library, path).committed
    with library.uow() as uow:
        assert uow.session.scalar(select(Reader.card_no)) == "S2023001"


def test_a_card_number_given_to_another_child_is_not_renamed_under_the_old_parents(library: Library,
                                                                                   tmp_path: Path) -> None:
    run(library, files.write_csv(tmp_path / "a.csv", STUDENTS, ROSTER))
    reused = [["三年级2班", "S2023001", "赵新同学", "赵妈妈", "13900139000"], *ROSTER[1:]]
    report = run(library, files.write_csv(tmp_path / "b.csv", STUDENTS, reused))
    assert not report.committed and [p.line for p in report.problems] == [2]
    assert "已属于王小明" in report.problems[0].reason
    with library.uow() as uow:
        assert uow.session.scalar(select(Reader.name).where(Reader.card_no == "S2023001")) == "王小明"


def test_a_renamed_student_without_parents_is_simply_updated(library: Library, tmp_path: Path) -> None:
    run(library, files.write_csv(tmp_path / "a.csv", STUDENTS, ROSTER))
    renamed = [*ROSTER[:2], ["初一3班", "S2021001", "李桦", "", ""]]  # a typo fixed in the school's list
    report = run(library, files.write_csv(tmp_path / "b.csv", STUDENTS, renamed))
    assert report.committed and not report.problems and [c.action for c in report.changes] == ["更新读者"]


DATA = Path(__file__).parent / "data"  # .xls files made once by LibreOffice: see data/README.md


def stored_text(library: Library) -> str:
    """Every value of every reader and guardian row, to prove an ID number was stored nowhere."""
    with library.uow() as uow:
        rows = [*uow.session.scalars(select(Reader)), *uow.session.scalars(select(Guardian))]
        return " ".join(str(v) for r in rows for v in vars(r).values())


def test_registry_xls_uses_xuejihao_and_drops_the_identity_card_column(library: Library) -> None:
    source = open_source(DATA / "roster_registry.xls", "readers")
    assert source.format == "xls" and source.total_hint == 5
    preview = import_readers(library, source.rows, dry_run=True)
    assert [(w.where, w.reason) for w in preview.warnings] == [
        ("第2行（表头）", "“身份证件号”列是（或含有）身份证号，已整列忽略、不会保存"),
        ("第2行（表头）", "这些列没有导入（系统不保存或看不懂这些列名）：“性别”、“出生日期”")]
    report = run(library, DATA / "roster_registry.xls")
    assert report.committed and not report.problems and report.counts["新增读者"] == 3
    with library.uow() as uow:
        wang = uow.session.scalar(select(Reader).where(Reader.card_no == "G110101201601012345"))
        assert wang is not None and wang.name == "王小明" and wang.school_class.name == "三年级2班"
        assert sorted(uow.session.scalars(select(SchoolClass.name))) == ["三年级2班", "五年级1班"]
    text = stored_text(library)
    assert "110101201601012356" not in text and "22020220140303456X" not in text


def test_office_xls_with_id_numbers_under_a_card_header_falls_back_to_xuejihao(library: Library) -> None:
    report = run(library, DATA / "roster_office.xls")
    assert [w.reason for w in report.warnings] == ["“证号”列是（或含有）身份证号，已整列忽略、不会保存"]
    assert report.committed and report.counts["新增读者"] == 3
    with library.uow() as uow:
        assert sorted(uow.session.scalars(select(Reader.card_no))) == [
            "G110101201601012345", "G110101201602023456", "L220202201403034567"]
    assert "110101201602023452" not in stored_text(library)


def test_student_number_wins_over_xuejihao_and_an_id_header_is_not_a_reader_type(library: Library,
                                                                                  tmp_path: Path) -> None:
    path = files.write_csv(tmp_path / "a.csv", ["学籍号", "学号", "姓名", "身份证号", "班级"],
                           [["G110101201601012345", "2023001", "王小明", "110101201601012356", "三年级2班"]])
    report = run(library, path)
    assert report.committed and [w.reason for w in report.warnings] == [
        "“身份证号”列是（或含有）身份证号，已整列忽略、不会保存", "这些列与另一列重复，没有导入：“学籍号”（用的是“学号”）"]
    with library.uow() as uow:
        reader = uow.session.scalar(select(Reader))
        assert reader is not None and reader.card_no == "2023001" and reader.reader_type is ReaderType.STUDENT


def test_a_stray_id_number_in_a_kept_cell_is_not_stored(library: Library, tmp_path: Path) -> None:
    rows = [[f"S{i}", f"学生{i}", "三年级1班"] for i in range(5)] + [["110101201601012356", "王小明", "三年级2班"]]
    report = run(library, files.write_csv(tmp_path / "a.csv", ["证号", "姓名", "班级"], rows))
    assert not report.committed and [(p.line, p.reason) for p in report.problems] == [(7, "缺少借书证号/学号")]
    assert report.warnings == []


def test_a_broken_xls_is_refused_in_chinese(tmp_path: Path) -> None:
    import pytest

    from core.imports.tables import UnreadableFile

    path = tmp_path / "坏.xls"
    path.write_bytes(b"not an excel file at all" * 10)
    with pytest.raises(UnreadableFile, match="另存为 .xlsx"):
        list(open_source(path, "readers").rows)


def test_a_xuejihao_that_is_g_plus_an_id_number_is_never_stored(library: Library, tmp_path: Path) -> None:
    # The national registry's 全国学籍号 is "G" + the child's ID number: as a card number it would store it.
    rows = [["G110101201602023452", "王小明", "三年级2班"], ["G110101201601012356", "李华", "三年级2班"]]
    report = run(library, files.write_csv(tmp_path / "a.csv", ["学籍号", "姓名", "班级"], rows))
    assert not report.committed
    assert [w.reason for w in report.warnings] == ["“学籍号”列是（或含有）身份证号，已整列忽略、不会保存"]
    assert "110101201602023452" not in stored_text(library)
