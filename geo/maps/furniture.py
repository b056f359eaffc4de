"""Map furniture of the printed maps: a scale bar and a north arrow (EPSG:27700, metres).

Examples
--------
>>> _nice_length(12_000), _nice_length(900)
(2500, 200)
"""

from __future__ import annotations

import math

from matplotlib.patches import FancyArrow, Rectangle

__all__ = ["scale_bar", "north_arrow"]


def _nice_length(width_m: float) -> float:
    target = width_m / 5
    steps = [50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000, 100000]
    return min(steps, key=lambda s: abs(math.log(s / target)))


def scale_bar(ax, extent: tuple[float, float, float, float], *, fontsize: float = 6.5) -> float:
    """Draw a two-segment scale bar in the lower right corner; return its length in metres."""
    x0, x1, y0, y1 = extent
    length = _nice_length(x1 - x0)
    h = (y1 - y0) * 0.012
    right = x1 - (x1 - x0) * 0.04
    left = right - length
    base = y0 + (y1 - y0) * 0.045
    pad = (x1 - x0) * 0.015
    ax.add_patch(Rectangle((left - pad, base - h * 1.6), length + 2 * pad, h * 5.2, facecolor="white", edgecolor="none",
                           alpha=0.85, zorder=20))
    for i in range(2):
        ax.add_patch(Rectangle((left + i * length / 2, base), length / 2, h, facecolor="black" if i == 0 else "white",
                               edgecolor="black", linewidth=0.6, zorder=21))
    unit = (lambda v: f"{v / 1000:g}") if length >= 1000 else (lambda v: f"{v:g}")
    suffix = "km" if length >= 1000 else "m"
    for v in (0, length / 2, length):
        label = unit(v) + (f" {suffix}" if v == length else "")
        ax.text(left + v, base + h * 1.6, label, ha="center", va="bottom", fontsize=fontsize, zorder=22)
    return length


def north_arrow(ax, *, fontsize: float = 8) -> None:
    """Draw a north arrow in the upper right corner (grid north of EPSG:27700)."""
    ax.add_patch(FancyArrow(0.955, 0.86, 0, 0.07, width=0.012, head_width=0.035, head_length=0.035,
                            length_includes_head=True, transform=ax.transAxes, color="black", zorder=22))
    ax.text(0.955, 0.835, "N", transform=ax.transAxes, ha="center", va="top", fontsize=fontsize, fontweight="bold",
            zorder=22, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 0.5})
