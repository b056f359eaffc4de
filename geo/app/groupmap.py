"""The map layer "Review take-up of a group": each hub catchment coloured by one group's published take-up.

Only hub catchments are drawn (LSOAs and wards are not published by group): the values are the
hub cells of :func:`geo.equity.publish.published_equity`, so a cell the Equity tab withholds is
"withheld" here too (white with a dashed outline, its own legend entry), never a colour that
implies a value. Classes have fixed breaks (under 40%, 40-50%, 50-60%, 60-70%, 70% or more);
the tooltip names the hub, the group, the take-up with its 95% interval and counts as
published, and the flag in words with a symbol (▼ lower, ▲ higher).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from geo.maps.style import Layer
from geo.maps.webmap import MapBase

__all__ = ["GROUP_LAYER", "WITHHELD", "group_options", "take_up_class", "group_layer", "group_map_base"]

#: the key of the layer in the sidebar's layer choice (offered only when the build has a group column)
GROUP_LAYER = "review take-up of a group"
WITHHELD = "◌ withheld (small numbers)"
BREAKS = (0.4, 0.5, 0.6, 0.7)
CLASSES = (("0-40", "under 40%"), ("40-50", "40% to under 50%"), ("50-60", "50% to under 60%"),
           ("60-70", "60% to under 70%"), ("70-100", "70% or more"), ("withheld", WITHHELD))
COLOURS = ("#08519c", "#3182bd", "#6baed6", "#bdd7e7", "#eff3ff", "#ffffff")  # low take-up darkest, as "review take-up"
FLAGS = {"lower": "▼ lower than the rest of the catchment", "higher": "▲ higher than the rest of the catchment",
         "no clear difference": "● no clear difference from the rest of the catchment"}


def group_options(groups: dict) -> dict[str, str]:
    """``"column|group" -> label`` of every group of review take-up (``inputs.groups`` of a build).

    Examples
    --------
    >>> rows = pd.DataFrame({"ethnic_group": ["White", "Black", "White"]})
    >>> group_options({("review_takeup", "ethnic_group"): rows, ("hub_attendance", "ethnic_group"): rows})
    {'ethnic_group|Black': 'Black', 'ethnic_group|White': 'White'}
    >>> group_options({})
    {}
    """
    columns = sorted(col for kind, col in groups if kind == "review_takeup")
    out = {}
    for col in columns:
        for g in sorted(groups[("review_takeup", col)][col].dropna().astype(str).unique()):
            out[f"{col}|{g}"] = g if len(columns) == 1 else f"{g} ({col.replace('_', ' ')})"
    return out


def take_up_class(rate: float) -> str:
    """The fixed class of a published take-up (``"withheld"`` when not published).

    >>> [take_up_class(r) for r in (0.0, 0.4, 0.55, 0.7, 1.0, float("nan"))]
    ['0-40', '40-50', '50-60', '70-100', '70-100', 'withheld']
    """
    if rate is None or pd.isna(rate):
        return "withheld"
    return CLASSES[int(np.searchsorted(BREAKS, float(rate), side="right"))][0]


def group_layer(group: str) -> Layer:
    """The categorical :class:`geo.maps.style.Layer` of one group's take-up by hub catchment."""
    return Layer("group_take_up_class", f"Review take-up of {group} children (hub catchments)", "{}", COLOURS,
                 higher_is_worse=False, categories=CLASSES)


def _tip(hub: str, label: str, cell) -> str:
    e = html.escape
    lines = [f"<b>{e(hub)}</b> (hub catchment figure)", f"Group: {e(label)}"]
    if cell is None:
        return "<br>".join([*lines, "Review take-up: no children of this group in the extract"])
    if pd.isna(cell["rate_num"]):
        lines.append("Review take-up: withheld (small numbers)")
    else:
        lines.append(f"Review take-up: {cell['rate_num']:.0%} (95% interval {cell['lo_num']:.0%} to {cell['hi_num']:.0%})")
    lines.append(f"Reviews completed: {_count(cell['numerator'])} of {_count(cell['denominator'])} eligible")
    if str(cell["flag"]) in FLAGS:
        lines.append(FLAGS[str(cell["flag"])])
    lines.append(f"Periods: {e(str(cell['periods']))}")
    return "<br>".join(lines)


def _count(value) -> str:
    """A published count as text (``"<5"`` and ``"c"`` as they are).

    >>> _count(8.0), _count("<5"), _count(1234.0)
    ('8', '&lt;5', '1,234')
    """
    return f"{float(value):,.0f}" if isinstance(value, (int, float, np.number)) else html.escape(str(value))


def hub_cells(published, option: str) -> pd.DataFrame:
    """The published hub cells of one group (``option`` = ``"column|group"``), indexed by hub id."""
    column, group = option.split("|", 1)
    d, n = published.display, published.numeric
    keep = (d["level"] == "hub") & (d["measure"] == "review") & (d["group_column"] == column) & (d["group"] == group)
    cells = d[keep].assign(rate_num=n.loc[keep, "rate"], lo_num=n.loc[keep, "rate_lo"], hi_num=n.loc[keep, "rate_hi"])
    return cells.set_index("area_code")


def group_map_base(base: MapBase, published, option: str, label: str) -> MapBase:
    """``base`` with its hub catchments as the areas, classed by one group's published take-up.

    The areas of ``base`` (LSOAs or wards) are not drawn: the group figures are published per hub
    catchment only. ``base.catchments`` (the catchments in view) gives the shapes.
    """
    if base.catchments is None or published is None:
        return MapBase(base.level, base.areas.iloc[:0].assign(group_take_up_class=pd.Series(dtype=object)),
                       None, base.gaps, base.hubs)
    cells = hub_cells(published, option)
    names = published.display.drop_duplicates("area_code").set_index("area_code")["area_name"].astype(str)
    c = base.catchments
    rows = [cells.loc[h] if h in cells.index else None for h in c["hub_id"]]
    areas = pd.DataFrame({"code": c["hub_id"].astype(str).to_numpy()}, index=c.index)
    areas["group_take_up_class"] = [None if r is None else take_up_class(r["rate_num"]) for r in rows]
    hub_names = [names.get(h, str(h)) for h in c["hub_id"]]
    areas["tip"] = [_tip(n, label, r) for n, r in zip(hub_names, rows)]
    flags = [FLAGS.get(str(r["flag"]), "") if r is not None else "" for r in rows]
    areas["label"] = [f"{n}, {label}{', ' + f if f else ''}" for n, f in zip(hub_names, flags)]
    areas["geometry"] = c["geometry"].to_numpy()
    areas["extent"] = c["extent"].to_numpy()
    bounds = np.array([_bounds(g) for g in areas["geometry"]]).reshape(-1, 4)
    for i, col in enumerate(("minx", "miny", "maxx", "maxy")):
        areas[col] = bounds[:, i]
    return MapBase(base.level, areas, None, base.gaps, base.hubs)


def _bounds(geometry: dict) -> tuple[float, float, float, float]:
    import shapely.geometry

    return shapely.geometry.shape(geometry).bounds
