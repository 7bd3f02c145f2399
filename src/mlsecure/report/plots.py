"""Draw ``Figure`` data as inline SVG with matplotlib (Agg backend, no display, no network)."""

from __future__ import annotations

import io
import math
import re
from typing import Any

from mlsecure.errors import require
from mlsecure.findings import Figure


def figure_to_svg(figure: Figure) -> str:
    """An ``<svg>`` element (no XML prolog) for embedding directly in HTML."""
    matplotlib = require("matplotlib", "all")
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9,
                                "svg.hashsalt": "mlsecure"}):
        fig, ax = plt.subplots(figsize=(6.0, 3.6), dpi=100)
        try:
            _draw(ax, figure)
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", bbox_inches="tight")
        finally:
            plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)


def _draw(axes: Any, figure: Figure) -> None:
    """``axes`` is a matplotlib Axes (typed Any: matplotlib is an optional dependency)."""
    if figure.kind == "bar":
        width = 0.8 / max(len(figure.series), 1)
        for i, s in enumerate(figure.series):
            axes.bar([x + i * width for x in range(len(s.x))], s.y, width=width, label=s.name)
        # ticks in the middle of each group of bars, labelled by the first series' x values
        first = figure.series[0] if figure.series else None
        if first is not None:
            offset = width * (len(figure.series) - 1) / 2
            labels = list(figure.x_ticks) if len(figure.x_ticks) == len(first.x) else [_fmt(x) for x in first.x]
            axes.set_xticks([x + offset for x in range(len(first.x))], labels)
            if sum(len(str(t)) for t in labels) > 60:  # long or many labels would overprint: slant them
                axes.tick_params(axis="x", labelrotation=45)
                for tick in axes.get_xticklabels():
                    tick.set_horizontalalignment("right")
    else:
        for s in figure.series:
            points = [(x, y) for x, y in zip(s.x, s.y, strict=True) if math.isfinite(x) and math.isfinite(y)]
            if figure.log:
                points = [(x, y) for x, y in points if x > 0 and y > 0]
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            axes.plot(xs, ys, marker="o" if len(xs) <= 12 else None, markersize=3, label=s.name)
        if figure.kind == "roc":
            low = 1e-4 if figure.log else 0.0
            axes.plot([low, 1], [low, 1], linestyle="--", color="grey", linewidth=0.8, label="chance")
        if figure.log:
            axes.set_xscale("log")
            axes.set_yscale("log")
    axes.set_title(figure.title)
    axes.set_xlabel(figure.x_label)
    axes.set_ylabel(figure.y_label)
    axes.grid(True, alpha=0.3)
    if figure.series:
        axes.legend(fontsize=7)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"
