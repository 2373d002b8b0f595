"""A Chinese font for matplotlib: found once, set as the first choice, checked for the glyphs we draw."""
from __future__ import annotations

import os
from functools import cache

# Debian/Ubuntu fonts-noto-cjk, fonts-wqy-microhei/zenhei, and the usual Windows/macOS families.
CANDIDATES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
              "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
              "Noto Serif CJK SC", "AR PL UMing CN")
PROBE = "书香阅读之星流通率生均借阅年级班"


class NoChineseFont(RuntimeError):
    """No installed font can draw Chinese; charts would show empty boxes."""


@cache
def chinese_font() -> str:
    """The family name of an installed font that has Chinese glyphs (SHUXIANG_CJK_FONT may name a file)."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    custom = os.environ.get("SHUXIANG_CJK_FONT")
    if custom:
        font_manager.fontManager.addfont(custom)
        return font_manager.FontProperties(fname=custom).get_name()
    for fresh in (False, True):
        if fresh:
            # matplotlib caches the font list (~/.cache/matplotlib): a font installed after the
            # cache was written (apt-get install fonts-noto-cjk) is only seen after a rescan.
            font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        installed = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
        for family in CANDIDATES:
            path = installed.get(family)
            if path and has_glyphs(FT2Font(path), PROBE):
                return family
    raise NoChineseFont("没有找到中文字体，图表会显示方框。请安装：apt-get install fonts-noto-cjk"
                        "（或设置 SHUXIANG_CJK_FONT=字体文件路径）")


def has_glyphs(font: object, text: str) -> bool:
    """True when `font` (an FT2Font) maps every character of `text` to a real glyph."""
    return all(font.get_char_index(ord(ch)) != 0 for ch in text if not ch.isspace())  # type: ignore[attr-defined]


def use_chinese_font() -> str:
    """Make the Chinese font matplotlib's first sans-serif choice; returns its family name."""
    import matplotlib

    family = chinese_font()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
    return family
