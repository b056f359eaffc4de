"""How the maps look, shared by the web map and the printed hub maps: layers, classes, colours, attribution.

Nothing here draws: :mod:`geo.maps.webmap` (folium) and :mod:`geo.maps.printmap` (matplotlib)
use the same layers, classes and colours, so a pack's printed maps and its web map agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.sources.attribution import MAP_ATTRIBUTION as ATTRIBUTION  # one home for the wording

__all__ = ["ATTRIBUTION", "TILES_ATTRIBUTION", "Layer", "LAYERS", "CHANGE_CLASSES", "classify", "classify_layer"]

TILES_ATTRIBUTION = "© OpenStreetMap contributors"


@dataclass(frozen=True)
class Layer:
    """A choropleth layer: which column, how to read it, and its colours."""

    column: str
    title: str
    fmt: str
    colors: tuple[str, ...]
    higher_is_worse: bool = True
    #: a categorical layer: ``(value, legend label)`` per class, in the order of ``colors`` (the
    #: labels carry a symbol, so the legend, tooltips and accessible names do not rely on colour)
    categories: tuple[tuple[str, str], ...] = ()


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

#: Change between the analysis window and the same window a year earlier (ward level, false
#: discovery rate controlled; :mod:`geo.monitoring.changes`), as published by the gate.
CHANGE_CLASSES = (("improving", "▲ improving"), ("no clear change", "● no clear change"), ("worsening", "▼ worsening"))
_CHANGE_COLOURS = ("#08519c", "#f2f0f7", "#e6550d")  # dark / light / mid: apart in greyscale too
LAYERS.update({
    "review take-up change": Layer("review_change", "Change in review take-up on a year earlier (ward)", "{}",
                                   _CHANGE_COLOURS, categories=CHANGE_CLASSES),
    "hub reach change": Layer("reach_change", "Change in hub reach on a year earlier (ward)", "{}",
                              _CHANGE_COLOURS, categories=CHANGE_CLASSES),
})


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


def classify_layer(layer: Layer, values: pd.Series) -> tuple[np.ndarray, list[str], list[str]]:
    """Class index (-1: no data), legend labels and colours of one layer's values.

    Numeric layers are classed by :func:`classify`; a categorical layer by its categories.

    Examples
    --------
    >>> cls, labels, colours = classify_layer(LAYERS["review take-up change"], pd.Series(["worsening", None, "improving"]))
    >>> cls.tolist(), labels[0]
    ([2, -1, 0], '▲ improving')
    """
    if layer.categories:
        order = {v: i for i, (v, _) in enumerate(layer.categories)}
        cls = np.array([order.get(v, -1) for v in values.astype(object).tolist()], dtype=int)
        return cls, [label for _, label in layer.categories], list(layer.colors)
    cls, labels, _ = classify(values)
    colours = list(layer.colors[: len(labels)]) if len(labels) < 5 else list(layer.colors)
    return cls, labels, colours
