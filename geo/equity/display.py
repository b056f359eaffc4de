"""Published equity rows for people: a table of text cells and a chart with its alt text.

Both read only the published table (:func:`geo.equity.publish.published_equity`): withheld
cells stay ``"<5"`` / ``"c"``, and a withheld row is left out of the chart (the alt text says so).

Examples
--------
>>> rows = pd.DataFrame({"group": ["Black", "White"], "numerator": [40.0, "c"], "denominator": [100.0, 200.0],
...     "rate": [0.4, "c"], "rate_lo": [0.31, "c"], "rate_hi": [0.5, "c"], "difference": [-0.2, "c"],
...     "difference_lo": [-0.3, "c"], "difference_hi": [-0.1, "c"], "flag": ["lower", "c"],
...     "children_to_area_rate": [13.0, "c"]})
>>> people_table(rows).iloc[0].tolist()
['Black', '40', '100', '40%', '31% to 50%', '-20.0', '-30.0 to -10.0', 'lower', '13']
>>> people_table(rows).iloc[1, 3]
'c'
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["HEADERS", "people_table", "equity_chart", "chart_alt"]

HEADERS = ["Group", "Reviews completed", "Children eligible", "Take-up", "Take-up 95% interval",
           "Difference from the rest (percentage points)", "Difference 95% interval", "Compared with the rest",
           "Children short of the area's take-up"]


def _num(v) -> float | None:
    return float(v) if isinstance(v, (int, float, np.integer, np.floating)) and np.isfinite(v) else None


def _text(v, fmt) -> str:
    x = _num(v)
    if x is not None:
        return fmt(x)
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def _range(lo, hi, fmt) -> str:
    a, b = _num(lo), _num(hi)
    if a is None or b is None:
        return _text(lo, fmt)
    return f"{fmt(a)} to {fmt(b)}"


def people_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One area's published group rows as text cells under :data:`HEADERS`."""
    def pct(x):
        return f"{100 * x:.0f}%"

    def pp(x):
        return f"{100 * x:.1f}"

    def count(x):
        return f"{x:,.0f}"

    out = pd.DataFrame({
        HEADERS[0]: rows["group"].astype(str).to_numpy(),
        HEADERS[1]: [_text(v, count) for v in rows["numerator"]],
        HEADERS[2]: [_text(v, count) for v in rows["denominator"]],
        HEADERS[3]: [_text(v, pct) for v in rows["rate"]],
        HEADERS[4]: [_range(a, b, pct) for a, b in zip(rows["rate_lo"], rows["rate_hi"])],
        HEADERS[5]: [_text(v, pp) for v in rows["difference"]],
        HEADERS[6]: [_range(a, b, pp) for a, b in zip(rows["difference_lo"], rows["difference_hi"])],
        HEADERS[7]: [_text(v, str) for v in rows["flag"]],
        HEADERS[8]: [_text(v, count) for v in rows["children_to_area_rate"]],
    })
    return out


def chart_alt(rows: pd.DataFrame, area: str) -> str:
    """What :func:`equity_chart` shows, in words (every plotted group, and the groups withheld)."""
    parts, withheld = [], []
    for r in rows.itertuples(index=False):
        rate, lo, hi = _num(r.rate), _num(r.rate_lo), _num(r.rate_hi)
        if rate is None or lo is None or hi is None:
            withheld.append(str(r.group))
            continue
        flag = f", {r.flag} than the rest" if r.flag in ("lower", "higher") else (", no clear difference" if r.flag == "no clear difference" else "")
        parts.append(f"{r.group} {100 * rate:.0f}% (95% interval {100 * lo:.0f} to {100 * hi:.0f}%){flag}")
    text = f"Review take-up by group in {area}: " + ("; ".join(parts) if parts else "no group can be shown")
    if withheld:
        text += f". Not shown (disclosure control): {', '.join(withheld)}"
    return text + "."


def equity_chart(rows: pd.DataFrame, area: str, *, area_rate: float | None = None) -> bytes:
    """A greyscale dot-and-interval PNG of take-up by group (withheld rows left out)."""
    shown = rows[[(_num(r) is not None) for r in rows["rate"]]]
    fig = Figure(figsize=(6.4, 0.5 + 0.45 * max(len(shown), 1) + 0.8), dpi=110)
    ax = fig.subplots()
    y = np.arange(len(shown))[::-1]
    rate = shown["rate"].astype(float).to_numpy()
    lo, hi = shown["rate_lo"].astype(float).to_numpy(), shown["rate_hi"].astype(float).to_numpy()
    markers = {"lower": "v", "higher": "^"}
    for yi, r, a, b, flag in zip(y, rate, lo, hi, shown["flag"]):
        ax.plot([a, b], [yi, yi], color="0.35", lw=2)
        ax.plot([r], [yi], marker=markers.get(flag, "o"), color="black", ms=7, ls="none")
    if area_rate is not None and np.isfinite(area_rate):
        ax.axvline(area_rate, color="0.5", ls="--", lw=1, label=f"{area} overall {100 * area_rate:.0f}%")
        ax.legend(fontsize=8, loc="lower right")
    ax.set_yticks(y, [str(g) for g in shown["group"]])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    ax.set_xlabel("Review take-up with 95% interval (▼ lower, ▲ higher than the rest of the area)")
    ax.set_title(f"Take-up by group: {area}", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
