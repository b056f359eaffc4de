"""Static charts (matplotlib) for the app and the ILT packs: funnel plot, distance decay."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from models.stats import funnel_limits

__all__ = ["funnel_plot", "distance_decay_plot"]

FLAG_COLOURS = {"significantly low": "#c0392b", "within limits": "#7f8c8d", "significantly high": "#2471a3", "no data": "#dddddd"}


def funnel_plot(areas: pd.DataFrame, *, level: str = "lsoa", ax=None, threshold: int = 5, p0: float | None = None):
    """Funnel plot of review take-up with 95% and 99.8% limits around the study-area rate.

    Points are coloured by the 99.8% flag. A point's position gives its counts away (eligible on
    the x axis, rate on the y axis), so areas where reviewed or not reviewed is a small count
    (1 to ``threshold - 1``) are not plotted; the title says how many were left out.

    Counts withheld by disclosure control (NaN) are not plotted and are counted with them.
    ``p0`` is the rate the limits are drawn around (default: the areas' pooled rate; pass the
    published study-area rate when some counts are withheld).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = (ax.figure, ax) if ax is not None else _figure()
    n = areas["review_eligible"].to_numpy(float)
    k = areas["review_completed"].to_numpy(float)
    withheld = ~np.isfinite(n) | ~np.isfinite(k)  # withheld by disclosure control (published tables)
    ok = (n > 0) | withheld
    n, k = np.nan_to_num(n), np.nan_to_num(k)
    if p0 is None:
        p0 = k[ok].sum() / n[ok].sum() if ok.any() and n[ok].sum() > 0 else np.nan
    small = ok & (withheld | ((k > 0) & (k < threshold)) | ((n - k > 0) & (n - k < threshold)))
    grid = np.linspace(max(1, n[ok].min() if ok.any() else 1), max(n.max(), 2), 200)
    lim = funnel_limits(p0, grid)
    ax.plot(grid, lim["lower_95"], color="#555", lw=1, ls="--", label="95% limits")
    ax.plot(grid, lim["upper_95"], color="#555", lw=1, ls="--")
    ax.plot(grid, lim["lower_99_8"], color="#000", lw=1.2, label="99.8% limits")
    ax.plot(grid, lim["upper_99_8"], color="#000", lw=1.2)
    ax.axhline(p0, color="#2c3e50", lw=1, label=f"study-area rate {p0:.0%}")
    flags = areas.get("review_funnel_flag", pd.Series("within limits", index=areas.index)).astype(str)
    for flag, colour in FLAG_COLOURS.items():
        sel = ok & ~small & (flags == flag).to_numpy()
        if sel.any():
            ax.scatter(n[sel], k[sel] / n[sel], s=14, color=colour, alpha=0.8, label=flag, edgecolor="none")
    ax.set_xlabel(f"Children eligible for the review ({'ward' if level == 'ward' else 'LSOA'})")
    ax.set_ylabel("Review take-up")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Funnel plot: 2-2½ year review take-up"
                 + (f"\n({int(small.sum())} of {int(ok.sum())} areas with small numbers not plotted)" if small.any() else ""),
                 fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def distance_decay_plot(lsoa: pd.DataFrame, mode: str, *, ax=None):
    """Hub reach against travel time to the nearest hub, binned, with the LSOA scatter."""
    fig, ax = (ax.figure, ax) if ax is not None else _figure()
    t = lsoa["travel_minutes_to_hub"].to_numpy(float)
    r = lsoa["reach_rate_smoothed"].to_numpy(float)
    ok = np.isfinite(t) & np.isfinite(r)
    ax.scatter(t[ok], r[ok], s=10, color="#7fb3d5", alpha=0.7, edgecolor="none", label="LSOA (smoothed reach)")
    if ok.sum() >= 10:
        edges = np.unique(np.quantile(t[ok], np.linspace(0, 1, 9)))
        idx = np.clip(np.digitize(t[ok], edges[1:-1]), 0, len(edges) - 2)
        u5 = lsoa["under5_est"].to_numpy(float)[ok]
        ch = np.minimum(lsoa["hub_children"].to_numpy(float)[ok], u5)
        mids = [(edges[i] + edges[i + 1]) / 2 for i in range(len(edges) - 1)]
        rate = [ch[idx == i].sum() / max(u5[idx == i].sum(), 1) for i in range(len(edges) - 1)]
        ax.plot(mids, rate, color="#1b4f72", marker="o", lw=2, label="pooled reach by travel-time band")
    ax.set_xlabel(f"Travel time to nearest hub, minutes ({mode})")
    ax.set_ylabel("Under-5s attending a hub")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    ax.set_title("Distance decay of hub attendance")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _figure():
    """A chart's own figure and axes (object-oriented: no pyplot, no global backend)."""
    fig = Figure(figsize=(6.4, 4.2), dpi=110)
    return fig, fig.subplots()
