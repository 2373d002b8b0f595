"""Reading barcodes back in tests: pyzbar over a PIL image (zbar from .ci/install-zbar).

Importing this module skips the importing test module when pyzbar or libzbar0 is missing.
"""
from __future__ import annotations

import re

import pytest
from PIL import Image, ImageDraw

try:
    from pyzbar import pyzbar
except ImportError:  # pyzbar raises ImportError when libzbar.so.0 is not installed
    pytest.skip("pyzbar or libzbar0 is missing (.ci/install-zbar)", allow_module_level=True)

_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
_BAR = re.compile(r'<rect x="(\d+)" width="(\d+)" height="\d+"/>')


def decode(image: Image.Image) -> list[str]:
    """Every Code 128 the image holds, top to bottom then left to right."""
    found = pyzbar.decode(image.convert("L"), symbols=[pyzbar.ZBarSymbol.CODE128])
    found.sort(key=lambda f: (f.rect.top // 20, f.rect.left))
    return [f.data.decode("ascii") for f in found]


def svg_image(svg: str, *, module_px: int = 3, height_px: int = 60) -> Image.Image:
    """Draw our barcode SVG's bars as pixels (what a printer would do with its rects), on white."""
    match = _VIEWBOX.search(svg)
    assert match is not None, svg[:200]
    width = int(match.group(1))
    image = Image.new("L", (width * module_px, height_px), 255)
    draw = ImageDraw.Draw(image)
    for x, w in _BAR.findall(svg):
        draw.rectangle([int(x) * module_px, 0, (int(x) + int(w)) * module_px - 1, height_px - 1], fill=0)
    return image
