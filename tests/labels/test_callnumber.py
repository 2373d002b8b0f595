"""索书号 split into spine-label lines the way school libraries print them."""
from __future__ import annotations

import pytest

from core.labels.callnumber import split_call_number


@pytest.mark.parametrize(("raw", "lines"), [
    ("I287.5/12", ("I287.5", "12")),
    ("I247.5 C234", ("I247.5", "C234")),
    ("I287.5-12", ("I287.5", "12")),
    ("I287.45/C12", ("I287.45", "C12")),
    ("I287.5/12:2", ("I287.5", "12", ":2")),
    ("I287.5/12：2", ("I287.5", "12", ":2")),  # a full-width colon from a Chinese input method
    ("I287.5/12 v.2", ("I287.5", "12", "v.2")),
    ("I287.5/12 V.3", ("I287.5", "12", "v.3")),
    ("I287.5/12(3)", ("I287.5", "12", "(3)")),
    ("I247.5 C234 v.2", ("I247.5", "C234", "v.2")),
    ("Ｉ２８７．５／１２", ("I287.5", "12")),  # full-width
    ("  i287.5 / c12  ", ("I287.5", "C12")),
    ("G624.2-49/12", ("G624.2-49", "12")),  # the 中图法's own "-49" stays with the class
    ("G624.2-49-12", ("G624.2-49", "12")),  # the last "-" separates
    ("K825.6=74/L12:2", ("K825.6=74", "L12", ":2")),
    ("TP312/W45", ("TP312", "W45")),
    ("I287.5C234", ("I287.5", "C234")),  # glued: letters after the class digits start the book number
    ("I287.5/12-2", ("I287.5", "12-2")),  # a copy mark after the book number stays on its line
    ("TP312", ("TP312",)),  # no book number: one line, as typed
    ("", ()),
    ("   ", ()),
])
def test_call_numbers_split_into_class_book_and_volume_lines(raw: str, lines: tuple[str, ...]) -> None:
    assert split_call_number(raw) == lines


def test_a_volume_alone_is_not_mistaken_for_a_volume_suffix() -> None:
    assert split_call_number(":2") == (":2",)
