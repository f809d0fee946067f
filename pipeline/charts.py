"""The report's charts, drawn by matplotlib as SVG text to be written inline into the page.

Why matplotlib to SVG: the charts are drawn here, in Python, without a browser, a JavaScript
runtime or a network (Vega-Lite would need a renderer such as vl-convert and its own runtime to
draw); the page then needs no script at all, which lets its Content-Security-Policy forbid
scripts outright. Inline SVG prints to PDF as vectors and scales to the page width. Text stays
text (``svg.fonttype = 'none'``), so chart labels are searchable, selectable and use the reader's
fonts; a fixed ``svg.hashsalt`` and no date in the metadata make the same run give the same page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

WIDTH_IN = 7.0  # fits an A4 or Letter page between ordinary margins
LABEL_CHARS = 48
_SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "cluster-lessons", "font.size": 9}
_ID_REF = re.compile(r'(\bid="|url\(#|href="#)')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def plain_label(text: str, limit: int = LABEL_CHARS) -> str:
    """Text as matplotlib shows it literally: one line, shortened, ``$`` not read as the start of math."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.replace("$", r"\$")


def to_svg(fig: Figure, chart_id: str) -> str:
    """The figure as an ``<svg>`` element to put inline in HTML.

    The XML prolog and its DTD address go, and so does the metadata block; every id gets the
    chart's own prefix, because matplotlib numbers elements the same way in every figure and
    one page holds several."""
    buf = io.StringIO()
    with matplotlib.rc_context(_SVG_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = buf.getvalue()
    svg = _METADATA.sub("", svg[svg.index("<svg"):])
    return _ID_REF.sub(lambda m: f"{m.group(1)}{chart_id}-", svg)


def _figure(height_in: float) -> Figure:
    with matplotlib.rc_context(_SVG_RC):
        return Figure(figsize=(WIDTH_IN, max(height_in, 1.6)), layout="constrained")


def bar_chart(labels: Sequence[str], series: dict[str, Sequence[int]], *, xlabel: str, chart_id: str) -> str:
    """Horizontal grouped bars: one group per label (top to bottom in the given order), one bar per series."""
    fig = _figure(0.25 + 0.22 * len(labels) * len(series))
    with matplotlib.rc_context(_SVG_RC):
        ax = fig.subplots()
        height = 0.8 / len(series)
        colours = ["#9ecae1", "#08519c", "#fd8d3c", "#31a354"]
        for i, (name, values) in enumerate(series.items()):
            ys = [n + i * height for n in range(len(labels))]
            bars = ax.barh(ys, values, height=height, label=name, color=colours[i % len(colours)])
            ax.bar_label(bars, padding=2, fontsize=7)
        ax.set_yticks([n + height * (len(series) - 1) / 2 for n in range(len(labels))],
                      [plain_label(x) for x in labels])
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(xlabel)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="lower right", frameon=False)
    return to_svg(fig, chart_id)


def heatmap(rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[int]], *, chart_id: str) -> str:
    """A grid of counts, darker for more, with the count written in each non-empty cell (so no colour scale)."""
    fig = _figure(0.9 + 0.24 * len(rows) + 0.06 * max((len(c) for c in cols), default=0))
    with matplotlib.rc_context(_SVG_RC):
        ax = fig.subplots()
        top = max((v for row in values for v in row), default=0) or 1
        # pcolormesh, not imshow: each cell is a vector shape, where imshow would embed a bitmap
        ax.pcolormesh(values, cmap="Blues", vmin=0, vmax=top, edgecolors="white", linewidth=0.5)
        ax.invert_yaxis()
        ax.set_xticks([x + 0.5 for x in range(len(cols))], [plain_label(c, 24) for c in cols], rotation=45,
                      ha="right", rotation_mode="anchor")
        ax.set_yticks([y + 0.5 for y in range(len(rows))], [plain_label(r) for r in rows])
        for y, row in enumerate(values):
            for x, v in enumerate(row):
                if v:
                    ax.text(x + 0.5, y + 0.5, str(v), ha="center", va="center", fontsize=7,
                            color="white" if v > top / 2 else "black")
        ax.tick_params(length=0)
        ax.spines[:].set_visible(False)
    return to_svg(fig, chart_id)
