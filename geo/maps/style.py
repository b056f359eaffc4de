"""How the maps look, shared by the web map and the printed hub maps: layers, classes, colours, attribution.

Nothing here draws: :mod:`geo.maps.webmap` (folium) and :mod:`geo.maps.printmap` (matplotlib)
use the same layers, classes and colours, so a pack's printed maps and its web map agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.sources.attribution import MAP_ATTRIBUTION as ATTRIBUTION  # one home for the wording

__all__ = ["ATTRIBUTION", "TILES_ATTRIBUTION", "Layer", "LAYERS", "classify"]

TILES_ATTRIBUTION = "© OpenStreetMap contributors"


@dataclass(frozen=True)
class Layer:
    """A choropleth layer: which column, how to read it, and its colours."""

    column: str
    title: str
    fmt: str
    colors: tuple[str, ...]
    higher_is_worse: bool = True


# ColorBrewer sequential palettes (5 classes)
_REDS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
_PURPLES = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
_BLUES_R = ("#08519c", "#3182bd", "#6baed6", "#bdd7e7", "#eff3ff")
_GREENS_R = ("#006d2c", "#31a354", "#74c476", "#bae4b3", "#edf8e9")
_ORANGES = ("#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603")

LAYERS: dict[str, Layer] = {
    "priority": Layer("priority_score", "Priority (high need × low engagement), 0-100", "{:.0f}", _REDS),
    "need": Layer("need_score", "Need (percentile in study area), 0-100", "{:.0f}", _PURPLES),
    "review take-up": Layer("review_rate_smoothed", "Review take-up (smoothed)", "{:.0%}", _BLUES_R, higher_is_worse=False),
    "hub reach": Layer("reach_rate_smoothed", "Hub reach: under-5s attending (smoothed)", "{:.0%}", _GREENS_R, higher_is_worse=False),
    "travel time": Layer("travel_minutes_to_hub", "Travel time to nearest hub (minutes)", "{:.0f}", _ORANGES),
}


def classify(values: pd.Series, k: int = 5, scheme: str = "Quantiles") -> tuple[np.ndarray, list[str], list[float]]:
    """Class each value with mapclassify; returns (class index or -1 for missing, labels, bins).

    Where many areas share the lowest value (e.g. a priority of 0 for every area engaged at or
    above the study-area rate), that value gets a class of its own and the rest are classed
    into ``k - 1`` classes, so no class is empty or repeated.

    Examples
    --------
    >>> cls, labels, _ = classify(pd.Series([0, 0, 0, 0, 1, 2, 3, 4, 5, 6]), k=3)
    >>> labels
    ['0', '1 – 3.5', '3.5 – 6']
    >>> cls.tolist()
    [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    """
    v = pd.to_numeric(values, errors="coerce")
    ok = v.notna().to_numpy()
    cls = np.full(len(v), -1)
    if ok.sum() == 0:
        return cls, [], []
    x = v[ok].to_numpy(dtype=float)
    k = int(min(k, max(1, len(np.unique(x)))))
    if k == 1:
        cls[ok] = 0
        return cls, [f"{x[0]:.3g}"], [float(x[0])]
    low = x == x.min()
    if low.mean() >= 1.0 / k and k > 2:  # the lowest value is a class of its own
        rest_cls, rest_labels, rest_bins = classify(pd.Series(x[~low]), k - 1, scheme)
        inner = np.zeros(len(x), dtype=int)
        inner[~low] = rest_cls + 1
        cls[ok] = inner
        return cls, [f"{x.min():.3g}"] + rest_labels, [float(x.min())] + rest_bins
    import mapclassify  # on first use, not at import: it imports matplotlib.pyplot (~0.8 s)

    c = getattr(mapclassify, scheme)(x, k=k)
    cls[ok] = c.yb
    lo = [float(x.min())] + list(c.bins[:-1])
    return cls, [f"{a:.3g} – {b:.3g}" for a, b in zip(lo, c.bins)], list(c.bins)
