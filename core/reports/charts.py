"""PNG charts with Chinese labels for the term summary (matplotlib, Agg, a CJK font).

`report_charts` gives all three, remembered by what they draw: a chart is a pure function of the
figures on it, so the key is a hash of those figures (the report's data version, in effect). A loan
that changes no drawn figure reuses the picture; one that changes a bar draws a new one. No process
can serve a stale chart, so several server processes each keeping their own copy stay correct.
"""
from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.reports.fonts import use_chinese_font
from core.reports.stats import Report

DPI = 100  # screen and workbook; 150 made the 48-class chart 3,900 px wide and took a second to draw


def _figure(width: float = 8, height: float = 4.5) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    use_chinese_font()
    from matplotlib.figure import Figure  # a bare Figure: no pyplot global state, safe in threads

    fig = Figure(figsize=(width, height), dpi=DPI)
    return fig, fig.add_subplot()


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def class_chart(report: Report) -> bytes:
    """生均借阅 per class, in rank order; each class's target ([targets]) as a short dark line on its bar."""
    fig, ax = _figure(min(18.0, max(6.0, 0.32 * len(report.classes) + 2)))
    names = [c.name for c in report.classes]
    values = [round(c.per_student, 2) for c in report.classes]
    colours = ["#4C9A6A" if c.reached is not False else "#D9A441" for c in report.classes]
    bars = ax.bar(names, values, color=colours)
    ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=4)  # as the table: 3.95 is not "4.0" against a target of 4
    if len(names) < 4:  # one class's report: a normal bar, not one stretched across the figure
        ax.set_xlim(-1.5, len(names) + 0.5)
    targets = [(i, c.target) for i, c in enumerate(report.classes) if c.target]
    if targets:
        from matplotlib.patches import Patch

        ax.hlines([t for _, t in targets], [i - 0.4 for i, _ in targets], [i + 0.4 for i, _ in targets],
                  colors="#333333", linewidths=2, label="生均目标")
        # What the two bar colours mean, beside the target line (a reader of the chart alone asks).
        handles = [*ax.get_legend_handles_labels()[0], Patch(color="#4C9A6A", label="已达目标"),
                   Patch(color="#D9A441", label="未达目标")]
        ax.legend(handles=handles, loc="upper right", fontsize=8)
    ax.set_title(f"{report.period.name} 各班生均借阅与目标（册）")
    ax.set_ylabel("生均借阅（册）")
    ax.tick_params(axis="x", labelrotation=45)
    return _png(fig)


def week_labels(report: Report) -> list[str]:
    """The trend chart's x labels, "11/16" per Monday; the week still under way (the report's as_of
    inside it, the period not over) is "11/30（至今）": its low count is a part week, not a drop."""
    running = report.as_of <= report.period.end
    return [f"{m.month}/{m.day}" + ("（至今）" if running and m <= report.as_of < m + timedelta(days=7) else "")
            for m, _ in report.weeks]


def trend_chart(report: Report) -> bytes:
    """Loans per week across the period."""
    fig, ax = _figure()
    labels = week_labels(report)
    ax.plot(labels, [n for _, n in report.weeks], marker="o", color="#3A6EA5")
    ax.set_title(f"{report.period.name} 每周借阅册次")
    ax.set_xlabel("周（周一日期）")
    ax.set_ylabel("借阅册次")
    ax.tick_params(axis="x", labelrotation=45)
    return _png(fig)


def top_titles_chart(report: Report, limit: int = 10) -> bytes:
    """The most borrowed books, the top one at the top."""
    rows = report.top_titles[:limit][::-1]
    fig, ax = _figure(8, max(3.0, 0.4 * len(rows) + 1.5))
    bars = ax.barh([f"《{t.title}》" for t in rows], [t.loans for t in rows], color="#C8773A")
    ax.bar_label(bars, fontsize=8)
    ax.set_title(f"{report.period.name} 热门图书")
    ax.set_xlabel("借阅册次")
    return _png(fig)


# slug (URLs, file names) → (Chinese name, renderer, the figures it draws)
CHARTS: dict[str, tuple[str, Callable[[Report], bytes], Callable[[Report], object]]] = {
    "classes": ("班级生均借阅", class_chart,
                lambda r: [(c.name, round(c.per_student, 2), c.target, c.reached) for c in r.classes]),
    "weeks": ("每周趋势", trend_chart, lambda r: r.weeks),
    "titles": ("热门图书", top_titles_chart, lambda r: [(t.title, t.loans) for t in r.top_titles[:10]]),
}
CACHE_SIZE = 48  # pictures of ~60 KB: a few MB at most
_cache: OrderedDict[str, bytes] = OrderedDict()
_cache_lock = threading.Lock()


def chart_key(report: Report, slug: str) -> str:
    """The cache key of one chart: its slug and a hash of the period name and the figures it draws."""
    drawn = CHARTS[slug][2](report)
    return hashlib.sha256(repr((slug, report.period.name, drawn)).encode()).hexdigest()


def chart_png(report: Report, slug: str) -> bytes:
    """One chart ("classes", "weeks" or "titles") as PNG bytes, from the cache when its figures are unchanged.

    KeyError for an unknown slug; NoChineseFont when no CJK font is installed.
    """
    key = chart_key(report, slug)
    with _cache_lock:
        png = _cache.get(key)
        if png is not None:
            _cache.move_to_end(key)
            return png
    png = CHARTS[slug][1](report)  # drawn outside the lock: two first requests may both draw, harmlessly
    with _cache_lock:
        _cache[key] = png
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return png


def report_charts(report: Report) -> dict[str, bytes]:
    """All three charts, slug → PNG bytes, in the order the page and the workbook show them."""
    return {slug: chart_png(report, slug) for slug in CHARTS}


def write_charts(report: Report, folder: Path, stem: str = "report") -> list[Path]:
    """Save the three charts as PNG files; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for slug, png in report_charts(report).items():
        path = folder / f"{stem}-{CHARTS[slug][0]}.png"
        path.write_bytes(png)
        out.append(path)
    return out


def warm_up() -> bool:
    """Import matplotlib, find the Chinese font and draw one small chart with it, so the first report a
    server draws does not pay for them (about half a second on a 2-core machine; issue 16's target is
    the first view after a start). Returns False, and does nothing more, when no Chinese font is installed.
    """
    from core.reports.fonts import NoChineseFont

    try:
        bar_chart("书香阅读之星", ["一年级", "二年级"], [1, 2])
    except NoChineseFont:
        return False
    return True


def bar_chart(title: str, labels: list[str], values: list[int], ylabel: str = "册数") -> bytes:
    """A small bar chart (the per-student reading report uses it)."""
    fig, ax = _figure(6, 3.2)
    bars = ax.bar(labels, values, color="#4C9A6A")
    ax.bar_label(bars, fontsize=8)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return _png(fig)
