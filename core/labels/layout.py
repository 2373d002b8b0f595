"""Where each label goes on an A4 sticker sheet, in millimetres from the sheet's top-left corner.

A sheet is `rows` × `columns` labels inside the page margins, with `gap_x` between columns and
`gap_y` between rows; the label's size follows from these (A4 40-up: 45.7 × 25.4 mm). Positions
are numbered 1.. row by row, left to right, as a librarian counts the stickers on a sheet; a print
may start at position N of a partly used first sheet, later sheets start at 1.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.settings import LabelSettings

A4_WIDTH = 210.0  # mm
A4_HEIGHT = 297.0
MAX_LABELS = 5000  # one print; more is a mistake in the selection, not a job for a browser tab

T = TypeVar("T")
_DEFAULT = LabelSettings()


class LayoutError(ValueError):
    """A sheet that cannot be printed (labels that do not fit, a start past the sheet); `str()` is Chinese."""


@dataclass(frozen=True)
class SheetLayout:
    """A sticker sheet: grid, margins and gaps in mm, base font size in pt (label size is derived)."""

    rows: int = _DEFAULT.rows  # the defaults are [labels]'s: one place says what the default sheet is
    columns: int = _DEFAULT.columns
    margin_top: float = _DEFAULT.margin_top
    margin_bottom: float = _DEFAULT.margin_bottom
    margin_left: float = _DEFAULT.margin_left
    margin_right: float = _DEFAULT.margin_right
    gap_x: float = _DEFAULT.gap_x
    gap_y: float = _DEFAULT.gap_y
    font_size: float = _DEFAULT.font_size
    page_width: float = A4_WIDTH
    page_height: float = A4_HEIGHT

    def __post_init__(self) -> None:
        if self.rows < 1 or self.columns < 1:
            raise LayoutError("行数和列数至少为 1。")
        if min(self.margin_top, self.margin_bottom, self.margin_left, self.margin_right, self.gap_x, self.gap_y) < 0:
            raise LayoutError("页边距和间距不能是负数。")
        if self.label_width < 5 or self.label_height < 5:
            raise LayoutError(f"按现在的页边距和间距，每张标签只有 {self.label_width:.1f}×{self.label_height:.1f} 毫米，"
                              "放不下。请减少行数、列数或页边距。")
        if not 4 <= self.font_size <= 36:
            raise LayoutError("字号请在 4 到 36 磅之间。")

    @property
    def per_sheet(self) -> int:
        return self.rows * self.columns

    @property
    def label_width(self) -> float:
        """mm: the page width less the left and right margins and the gaps, shared by the columns."""
        inner = self.page_width - self.margin_left - self.margin_right - self.gap_x * (self.columns - 1)
        return inner / self.columns

    @property
    def label_height(self) -> float:
        """mm: the page height less the top and bottom margins and the gaps, shared by the rows."""
        inner = self.page_height - self.margin_top - self.margin_bottom - self.gap_y * (self.rows - 1)
        return inner / self.rows


def sheet_layout(settings: LabelSettings) -> SheetLayout:
    """The sheet the [labels] settings describe (LayoutError if it cannot be printed)."""
    return SheetLayout(rows=settings.rows, columns=settings.columns, margin_top=float(settings.margin_top),
                       margin_bottom=float(settings.margin_bottom), margin_left=float(settings.margin_left),
                       margin_right=float(settings.margin_right), gap_x=float(settings.gap_x),
                       gap_y=float(settings.gap_y), font_size=float(settings.font_size))


@dataclass(frozen=True)
class Slot(Generic[T]):
    """One label on a sheet: its position (1-based, row by row), row and column (1-based), top-left corner in mm."""

    position: int
    row: int
    column: int
    x: float
    y: float
    item: T


@dataclass(frozen=True)
class Sheet(Generic[T]):
    """One A4 page of labels."""

    number: int
    slots: tuple[Slot[T], ...]


def place(layout: SheetLayout, items: Sequence[T], *, start: int = 1) -> list[Sheet[T]]:
    """Lay `items` out on sheets, the first from position `start` (1..per_sheet), the rest from 1.

    LayoutError when `start` is off the sheet or there are more than MAX_LABELS items.
    Coordinates are rounded to 0.01 mm (what a printer can hold, and what tests compare).
    """
    if not 1 <= start <= layout.per_sheet:
        raise LayoutError(f"从第几张开始：请填 1 到 {layout.per_sheet}（一页 {layout.rows} 行 × {layout.columns} 列）。")
    if len(items) > MAX_LABELS:
        raise LayoutError(f"一次最多打印 {MAX_LABELS} 张，这次有 {len(items)} 张。请分批打印。")
    sheets: list[Sheet[T]] = []
    slots: list[Slot[T]] = []
    position = start
    for item in items:
        if position > layout.per_sheet:
            sheets.append(Sheet(len(sheets) + 1, tuple(slots)))
            slots, position = [], 1
        row, column = divmod(position - 1, layout.columns)
        x = layout.margin_left + column * (layout.label_width + layout.gap_x)
        y = layout.margin_top + row * (layout.label_height + layout.gap_y)
        slots.append(Slot(position, row + 1, column + 1, round(x, 2), round(y, 2), item))
        position += 1
    if slots:
        sheets.append(Sheet(len(sheets) + 1, tuple(slots)))
    return sheets


# Reader cards: ISO ID-1 (85.6 × 54 mm, a bank card's size, what 借阅证 sleeves take), 2 × 5 on A4
# plain card stock, centred, cut along the printed border.
CARD_LAYOUT = SheetLayout(rows=5, columns=2, margin_top=(A4_HEIGHT - 5 * 54 - 4 * 2) / 2,
                          margin_bottom=(A4_HEIGHT - 5 * 54 - 4 * 2) / 2,
                          margin_left=(A4_WIDTH - 2 * 85.6 - 6) / 2, margin_right=(A4_WIDTH - 2 * 85.6 - 6) / 2,
                          gap_x=6, gap_y=2, font_size=10)
