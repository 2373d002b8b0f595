"""Where labels go on an A4 sticker sheet, in mm: rows, columns, margins, gaps, a start position."""
from __future__ import annotations

import pytest

from core.labels.layout import CARD_LAYOUT, LayoutError, SheetLayout, place, sheet_layout
from core.settings import LabelSettings, SettingsError, load_settings


def test_the_default_sheet_is_a4_40_up() -> None:
    layout = sheet_layout(LabelSettings())
    assert (layout.rows, layout.columns, layout.per_sheet) == (10, 4, 40)
    assert round(layout.label_width, 2) == 45.7 and round(layout.label_height, 2) == 25.4


def test_a_65_up_sheet_gives_38_1_by_21_2_mm_labels() -> None:
    layout = SheetLayout(rows=13, columns=5, margin_top=10.7, margin_bottom=10.7, margin_left=4.65,
                         margin_right=4.65, gap_x=2.5, gap_y=0)
    assert round(layout.label_width, 2) == 38.14 and round(layout.label_height, 2) == 21.2


def test_positions_run_row_by_row_from_the_top_left_margin() -> None:
    layout = SheetLayout(rows=2, columns=3, margin_top=10, margin_bottom=20, margin_left=5, margin_right=15,
                         gap_x=4, gap_y=7)
    # width: (210 - 5 - 15 - 2×4) / 3 = 60.67; height: (297 - 10 - 20 - 7) / 2 = 130
    sheets = place(layout, list("abcdefg"))
    assert [len(s.slots) for s in sheets] == [6, 1]
    first = sheets[0].slots
    assert [(s.position, s.row, s.column, s.item) for s in first[:4]] == [
        (1, 1, 1, "a"), (2, 1, 2, "b"), (3, 1, 3, "c"), (4, 2, 1, "d")]
    assert [(s.x, s.y) for s in first] == [(5, 10), (69.67, 10), (134.33, 10), (5, 147), (69.67, 147), (134.33, 147)]
    assert (sheets[1].number, sheets[1].slots[0].position, sheets[1].slots[0].x, sheets[1].slots[0].y) == (2, 1, 5, 10)


def test_a_partly_used_sheet_starts_at_position_n_and_the_next_sheet_at_1() -> None:
    layout = SheetLayout()  # 4 × 10
    sheets = place(layout, ["x", "y", "z"], start=39)
    assert [(s.position, s.row, s.column, s.x, s.y) for s in sheets[0].slots] == [
        (39, 10, 3, 106.3, 250.1), (40, 10, 4, 154.6, 250.1)]
    assert [(s.position, s.x, s.y) for s in sheets[1].slots] == [(1, 9.7, 21.5)]


@pytest.mark.parametrize("start", [0, 41, -1])
def test_a_start_off_the_sheet_is_refused(start: int) -> None:
    with pytest.raises(LayoutError, match="1 到 40"):
        place(SheetLayout(), ["x"], start=start)


def test_nothing_to_place_gives_no_sheet() -> None:
    assert place(SheetLayout(), []) == []


def test_margins_that_leave_no_room_are_refused_when_the_settings_load() -> None:
    with pytest.raises(SettingsError, match=r"\[labels\].*放不下"):
        load_settings(None, environ={"SHUXIANG_LABELS_ROWS": "60"})
    with pytest.raises(LayoutError, match="负数"):
        SheetLayout(gap_x=-1)


def test_labels_settings_come_from_the_environment() -> None:
    settings = load_settings(None, environ={"SHUXIANG_LABELS_ROWS": "13", "SHUXIANG_LABELS_COLUMNS": "5",
                                            "SHUXIANG_LABELS_MARGIN_LEFT": "4.65"})
    assert (settings.labels.rows, settings.labels.columns, settings.labels.margin_left) == (13, 5, 4.65)


def test_reader_cards_are_bank_card_size_centred_ten_to_a_page() -> None:
    assert (CARD_LAYOUT.rows, CARD_LAYOUT.columns) == (5, 2)
    assert round(CARD_LAYOUT.label_width, 2) == 85.6 and round(CARD_LAYOUT.label_height, 2) == 54
    last = place(CARD_LAYOUT, list(range(10)))[0].slots[-1]
    assert round(last.x + CARD_LAYOUT.label_width + CARD_LAYOUT.margin_right, 2) == 210
    assert round(last.y + CARD_LAYOUT.label_height + CARD_LAYOUT.margin_bottom, 2) == 297
