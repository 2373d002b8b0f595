"""The skipped rows kept whole (core.imports.rejected): matched to their rows, laid out under the file's header."""
from __future__ import annotations

from core.imports.rejected import rejected_table, with_cells
from core.imports.tables import Original


def test_two_sheets_with_the_same_line_each_keep_their_own_row() -> None:
    head_a, head_b = ("书名", "条码"), ("条码", "书名", "备注")
    originals = {(3, "工作表“中文”第3行"): Original(head_a, ("草房子", "")),
                 (3, "工作表“外文”第3行"): Original(head_b, ("", "Matilda", "x")),
                 (4, "工作表“中文”第4行"): Original(head_a, ("城南旧事", "C1"))}
    kept = with_cells([[3, "缺少条码"], [3, "缺少条码"], [9, "不在表里"]], originals)
    assert kept == [[3, "缺少条码", ["书名", "条码"], ["草房子", ""]],
                    [3, "缺少条码", ["条码", "书名", "备注"], ["", "Matilda", "x"]],
                    [9, "不在表里"]]
    head, rows = rejected_table(kept)
    assert head == ["书名", "条码", "备注", "行号", "原因"]  # merged by column name
    assert rows == [["草房子", "", "", 3, "缺少条码"], ["Matilda", "", "x", 3, "缺少条码"], ["", "", "", 9, "不在表里"]]


def test_a_rosters_identity_column_and_stray_id_numbers_stay_blank() -> None:
    row = Original(("姓名", "身份证号", "备注"), ("张三", "11010520150101001X", "110105201501010029"),
                   hidden=frozenset({1}), readers=True)
    assert row.texts() == ["张三", "", ""]


def test_old_entries_give_line_and_reason_only() -> None:
    assert rejected_table([[4, "缺少条形码"]]) == (["行号", "原因"], [[4, "缺少条形码"]])
