"""Charts render Chinese with a real CJK font: no missing-glyph boxes (warnings are errors here)."""
from __future__ import annotations

import io
import warnings

import pytest

from core.library import Library
from core.reports import build_report, term_period
from core.reports.charts import bar_chart, write_charts
from core.reports.fonts import PROBE, chinese_font, has_glyphs, use_chinese_font
from tests.librarian.dataset import build_school

TEXT = "阅读之星 三年级2班 生均借阅 流通率 《草房子》"


def test_the_chosen_font_has_every_glyph_we_draw() -> None:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=chinese_font()), fallback_to_default=False)
    assert has_glyphs(FT2Font(path), TEXT + PROBE)
    assert not has_glyphs(FT2Font(font_manager.findfont("DejaVu Sans")), "书")  # the check can fail


def _render(text: str) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 1))
    fig.text(0.05, 0.4, text)
    fig.savefig(io.BytesIO(), format="png")


def test_chinese_text_renders_without_glyph_warnings_and_without_the_font_it_would() -> None:
    import matplotlib

    use_chinese_font()
    _render(TEXT)  # filterwarnings=error: a "Glyph ... missing" warning would fail here
    with matplotlib.rc_context({"font.sans-serif": ["DejaVu Sans"]}):
        with pytest.warns(UserWarning, match="missing from font"):
            _render(TEXT)


def test_term_charts_are_pngs_with_chinese_labels(library: Library, tmp_path) -> None:
    from PIL import Image

    build_school(library)
    with library.uow() as uow:
        period = term_period(uow.session, library.today())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_charts(build_report(library, period), tmp_path, stem="2026秋")
    assert [p.name for p in paths] == ["2026秋-班级生均借阅.png", "2026秋-每周趋势.png", "2026秋-热门图书.png"]
    for path in paths:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width >= 600
    assert bar_chart("测试", ["9月"], [1]).startswith(b"\x89PNG")


def _pixels(text: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1), dpi=60)
    fig.text(0.1, 0.3, text, fontsize=30)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return bytes(canvas.buffer_rgba())


def test_different_characters_render_differently_so_they_are_not_boxes() -> None:
    use_chinese_font()
    blank = _pixels("")
    shu, xiang, star = _pixels("书"), _pixels("香"), _pixels("星")
    assert len({shu, xiang, star}) == 3 and blank not in (shu, xiang, star)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the private-use characters below really are missing
        assert _pixels("\ue000") == _pixels("\ue001")  # what boxes look like: all the same


def test_the_week_under_way_is_marked_and_a_finished_terms_is_not(library: Library) -> None:
    from dataclasses import replace
    from datetime import timedelta

    from core.reports.charts import week_labels

    build_school(library)
    with library.uow() as uow:
        period = term_period(uow.session, library.today())
    report = build_report(library, period)  # the test clock: 2026-11-18, a Wednesday inside the term
    labels = week_labels(report)
    assert labels[-1] == "11/16（至今）" and all("至今" not in label for label in labels[:-1])
    finished = replace(report, as_of=period.end + timedelta(days=1),
                       period=replace(period, end=report.as_of - timedelta(days=1)))
    assert all("至今" not in label for label in week_labels(finished))
