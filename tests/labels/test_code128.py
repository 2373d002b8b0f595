"""Code 128 as SVG: the bars read back (by zbar) to the text they were made from."""
from __future__ import annotations

import pytest

from core.labels.code128 import QUIET, BarcodeError, code128_svg, modules
from tests.labels.decode import decode, svg_image


@pytest.mark.parametrize("text", ["B0000101", "1234567890", "S30201", "T0001", "9787020024759", "A-12/3"])
def test_the_svg_decodes_to_its_own_text(text: str) -> None:
    assert decode(svg_image(code128_svg(text))) == [text]


def test_the_svg_is_sized_by_css_with_quiet_zones() -> None:
    svg = code128_svg("B0000101")
    width = len(modules("B0000101")) + 2 * QUIET
    assert svg.startswith("<svg ") and f'viewBox="0 0 {width} 40"' in svg and 'preserveAspectRatio="none"' in svg
    assert "mm" not in svg and "<?xml" not in svg  # inline in HTML, sized by the label's CSS
    assert '<rect x="10" ' in svg  # the first bar after the quiet zone


def test_digits_only_use_the_compact_code_set() -> None:
    # Code set C packs two digits into one symbol: 10 digits = start + 5 + check + stop = 7×11 + 13 modules.
    assert len(modules("1234567890")) == 90


@pytest.mark.parametrize("text", ["", "书香", "B 01", "B\t01"])
def test_text_code_128_cannot_carry_is_refused_in_chinese(text: str) -> None:
    with pytest.raises(BarcodeError, match="条码"):
        code128_svg(text)


def test_markup_in_the_text_is_escaped() -> None:
    assert 'aria-label="a&lt;b&quot;"' in code128_svg('a<b"')
