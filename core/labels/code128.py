"""Code 128 barcodes as inline SVG strings, encoded by python-barcode.

python-barcode does the encoding (code sets A/B/C, the shortest mix, the checksum); its own SVGWriter
writes fixed millimetre sizes without a viewBox, so a barcode could not shrink or grow to a label's
cell. We draw its module pattern ourselves: one <rect> per bar in module units inside a viewBox,
with the 10-module quiet zone the standard asks for on each side, so CSS sizes it in mm.
"""
from __future__ import annotations

import html
from itertools import groupby

from barcode.codex import Code128
from barcode.errors import IllegalCharacterError

QUIET = 10  # modules of white each side (ISO/IEC 15417)
HEIGHT = 40  # the viewBox height in modules; CSS stretches it to the label's bar height


class BarcodeError(ValueError):
    """A text Code 128 cannot carry here (empty, not printable ASCII); `str()` is Chinese."""


def modules(text: str) -> str:
    """The barcode's modules, '1' black and '0' white, start to stop (no quiet zone). BarcodeError if unfit."""
    if not text or not all(" " < c <= "~" for c in text):
        raise BarcodeError(f"条码“{text}”只能由字母、数字和常用符号组成，不能有空格或汉字。")
    try:
        return Code128(text).build()[0]
    except IllegalCharacterError:  # pragma: no cover - the check above admits only printable ASCII
        raise BarcodeError(f"条码“{text}”不能编成 Code 128。") from None


def code128_svg(text: str, *, css_class: str = "code128") -> str:
    """An <svg> element (no XML prolog) for `text`, width = modules + quiet zones, to be sized by CSS.

    preserveAspectRatio="none" lets the bars stretch to any cell height; shape-rendering keeps the
    edges sharp when printed. The text is not drawn (the label prints it in its own font).
    """
    pattern = modules(text)
    width = len(pattern) + 2 * QUIET
    bars = []
    x = QUIET
    for bit, run in groupby(pattern):
        length = len(list(run))
        if bit == "1":
            bars.append(f'<rect x="{x}" width="{length}" height="{HEIGHT}"/>')
        x += length
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {width} {HEIGHT}" '
            f'preserveAspectRatio="none" shape-rendering="crispEdges" role="img" aria-label="{html.escape(text)}">'
            f'<rect width="{width}" height="{HEIGHT}" fill="#fff"/><g fill="#000">{"".join(bars)}</g></svg>')
