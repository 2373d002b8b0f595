"""PNG charts with Chinese labels for the term summary (matplotlib, Agg, a CJK font)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from core.reports.fonts import use_chinese_font
from core.reports.stats import Report

DPI = 150


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
    fig, ax = _figure(max(6.0, 0.5 * len(report.classes) + 2))
    names = [c.name for c in report.classes]
    values = [round(c.per_student, 2) for c in report.classes]
    colours = ["#4C9A6A" if c.reached is not False else "#D9A441" for c in report.classes]
    bars = ax.bar(names, values, color=colours)
    ax.bar_label(bars, fmt="%.1f", fontsize=8)
    targets = [(i, c.target) for i, c in enumerate(report.classes) if c.target]
    if targets:
        ax.hlines([t for _, t in targets], [i - 0.4 for i, _ in targets], [i + 0.4 for i, _ in targets],
                  colors="#333333", linewidths=2, label="生均目标")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"{report.period.name} 各班生均借阅与目标（册）")
    ax.set_ylabel("生均借阅（册）")
    ax.tick_params(axis="x", labelrotation=45)
    return _png(fig)


def trend_chart(report: Report) -> bytes:
    """Loans per week across the period."""
    fig, ax = _figure()
    labels = [f"{m.month}/{m.day}" for m, _ in report.weeks]
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


def write_charts(report: Report, folder: Path, stem: str = "report") -> list[Path]:
    """Save the three charts as PNG files; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, render in (("班级生均借阅", class_chart), ("每周趋势", trend_chart), ("热门图书", top_titles_chart)):
        path = folder / f"{stem}-{name}.png"
        path.write_bytes(render(report))
        out.append(path)
    return out


def bar_chart(title: str, labels: list[str], values: list[int], ylabel: str = "册数") -> bytes:
    """A small bar chart (the per-student reading report uses it)."""
    fig, ax = _figure(6, 3.2)
    bars = ax.bar(labels, values, color="#4C9A6A")
    ax.bar_label(bars, fontsize=8)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return _png(fig)
