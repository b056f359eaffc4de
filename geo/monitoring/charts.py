"""Trend charts (matplotlib PNG with alt text) of the published trends: small multiples per area.

Each panel is one hub catchment or ward: the quarterly rate with its 95% Wilson interval (points
and bars), the pooled window's rate as a dashed line across its quarters, and the target as a
dotted line. Only published cells are drawn (a withheld quarter is left out and counted in
the panel's title), so a chart shows nothing the tables withhold. Shapes and line styles, not
colours, tell the parts apart (the pack prints in greyscale).
"""

from __future__ import annotations

import io
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

__all__ = ["MEASURE_NAMES", "trend_chart", "describe_trend"]

MEASURE_NAMES = {"review": "2-2½ year review take-up", "reach": "hub reach (under-5s attending in a quarter)"}


def _series(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    quarters = rows[~rows["period"].str.contains(" to ")].sort_values("period")
    windows = rows[rows["period"].str.contains(" to ")].sort_values("period")
    return quarters, windows


def describe_trend(rows: pd.DataFrame, name: str) -> str:
    """One sentence on one area's published series (for alt text and tables).

    Examples
    --------
    >>> rows = pd.DataFrame({"period": ["2025-Q1", "2025-Q2", "2025-Q1 to 2025-Q2"], "rate": [0.4, 0.5, 0.45],
    ...                      "rate_lo": [0.3, 0.4, 0.38], "rate_hi": [0.5, 0.6, 0.52]})
    >>> describe_trend(rows, "North hub")
    'North hub: 40% in 2025-Q1, 50% in 2025-Q2; 2025-Q1 to 2025-Q2 pooled 45% (95% interval 38% to 52%)'
    """
    quarters, windows = _series(rows)
    shown = quarters.dropna(subset=["rate"])
    withheld = len(quarters) - len(shown)
    if shown.empty:
        text = f"{name}: no quarter published"
    else:
        first, last = shown.iloc[0], shown.iloc[-1]
        text = f"{name}: {first['rate']:.0%} in {first['period']}, {last['rate']:.0%} in {last['period']}"
    if withheld:
        text += f" ({withheld} quarter(s) withheld)"
    latest = windows.dropna(subset=["rate"]).tail(1)
    if len(latest):
        w = latest.iloc[0]
        text += f"; {w['period']} pooled {w['rate']:.0%} (95% interval {w['rate_lo']:.0%} to {w['rate_hi']:.0%})"
    return text


def _panel(ax, rows: pd.DataFrame, name: str, target: float | None) -> None:
    quarters, windows = _series(rows)
    labels = list(quarters["period"])
    x = np.arange(len(labels))
    shown = quarters["rate"].notna().to_numpy()
    rate, lo, hi = (quarters[c].to_numpy(float) for c in ("rate", "rate_lo", "rate_hi"))
    ax.errorbar(x[shown], rate[shown], yerr=[rate[shown] - lo[shown], hi[shown] - rate[shown]], fmt="o", color="#000",
                ecolor="#777", elinewidth=1, capsize=2, markersize=3, label="quarter (95% interval)")
    pos = {p: i for i, p in enumerate(labels)}
    for w in windows.dropna(subset=["rate"]).itertuples(index=False):
        a, b = w.period.split(" to ")
        if a in pos and b in pos:
            ax.hlines(w.rate, pos[a] - 0.3, pos[b] + 0.3, colors="#333", linestyles="--", lw=1.2)
            ax.fill_between([pos[a] - 0.3, pos[b] + 0.3], w.rate_lo, w.rate_hi, color="#bbb", alpha=0.4, lw=0)
    if target is not None and np.isfinite(target):
        ax.axhline(target, color="#000", ls=":", lw=1.2)
    withheld = int((~shown).sum())
    ax.set_title(name[:38] + (f"\n({withheld} quarter(s) withheld)" if withheld else ""), fontsize=8)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xticks(x[:: max(1, len(x) // 4)], [labels[i] for i in range(0, len(x), max(1, len(x) // 4))], fontsize=8)
    ax.tick_params(axis="y", labelsize=8)


def trend_chart(trends: pd.DataFrame, *, measure: str, areas: dict[str, str], target: float | None = None,
                target_label: str = "target", cols: int = 3) -> tuple[bytes, str]:
    """Small multiples of one measure for some areas of one level, as a PNG and its alt text.

    Parameters
    ----------
    trends : DataFrame
        Published trend rows (:attr:`geo.disclosure.periods.PublishedTrends.numeric`) of one level:
        ``area_code, measure, period, rate, rate_lo, rate_hi`` (NaN where withheld).
    measure : {"review", "reach"}
    areas : dict
        Area code -> name, in panel order.
    target : float, optional
        Drawn as a dotted line and named in the alt text.

    Returns
    -------
    (bytes, str)
    """
    n = max(1, len(areas))
    cols = min(cols, n)
    rows_n = int(np.ceil(n / cols))
    width = max(2.6 * cols, 5.2)   # one area: a wider panel, and room for the heading
    fig = Figure(figsize=(width, (1.9 if cols > 1 else 2.6) * rows_n + 0.6), dpi=110)
    axes = fig.subplots(rows_n, cols, squeeze=False)
    mine = trends[trends["measure"] == measure]
    sentences = []
    for ax, (code, name) in zip(axes.ravel(), areas.items()):
        rows = mine[mine["area_code"] == code]
        _panel(ax, rows, str(name), target)
        sentences.append(describe_trend(rows, str(name)))
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    title = MEASURE_NAMES.get(measure, measure).capitalize()
    heading = textwrap.wrap(f"{title}: quarters (points, 95% intervals), pooled windows (dashed)"
                            + (f", {target_label} {target:.0%} (dotted)" if target is not None else ""), width=int(15 * width))
    fig.set_figheight(fig.get_figheight() + 0.18 * (len(heading) - 1))  # a wrapped heading, never cut at the edges
    fig.suptitle("\n".join(heading), fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 * len(heading) / fig.get_figheight()))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    alt = (f"Small multiples of {MEASURE_NAMES.get(measure, measure)} by quarter for {n} area(s)"
           + (f", with the {target_label} of {target:.0%} as a dotted line" if target is not None else "") + ". "
           + "; ".join(sentences) + ".")
    return buf.getvalue(), alt
