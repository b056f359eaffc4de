"""How the web maps show each area: its tooltip, its class in a layer, its style and accessible name.

Shared by the whole map drawn at once (:func:`geo.maps.webmap.layer_map`) and the app's map
redrawn in place (:mod:`geo.maps.livemap`), so both show the same classes, colours and words.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import numpy as np
import pandas as pd

from geo.disclosure import DisclosureRule, format_count
from geo.display import rate_text
from geo.maps.elements import AREA_KEYBOARD, VerbatimGeoJson, overall_extent
from geo.maps.overlays import feature_list
from geo.maps.style import Layer, classify_layer

__all__ = ["tooltip_html", "AreaClasses", "area_classes", "area_style", "areas_geojson", "AREA_LINE", "HIGHLIGHT"]

_TOOLTIP_COLUMNS = [
    "lsoa21nm", "lsoa21cd", "ward_name", "ward_code", "priority_rank", "priority_score", "quadrant", "need_score", "imd_score",
    "review_completed", "review_eligible", "review_rate", "review_rate_lo", "review_rate_hi", "review_rate_smoothed",
    "review_funnel_flag", "reach_rate_smoothed", "hub_children", "under5_est", "travel_minutes_to_hub", "hub_id", "gap_type",
]


def tooltip_html(row, rule: DisclosureRule, level: str = "lsoa") -> str:
    """The tooltip of one area: escaped names, suppressed small counts, rates with intervals.

    ``row`` is a mapping (a dict record or a Series) of the area's columns.
    """
    e = html.escape
    name = row.get("lsoa21nm") if level == "lsoa" else row.get("ward_name")
    code = row.get("lsoa21cd") if level == "lsoa" else row.get("ward_code")
    lines = [f"<b>{e(str(name))}</b> <span style='color:#666'>{e(str(code))}</span>"]
    if level == "lsoa":
        lines.append(f"Ward: {e(str(row.get('ward_name', '')))}")
    if "priority_rank" in row:
        rank, score = row["priority_rank"], row.get("priority_score")
        rank = "c" if pd.isna(rank) else f"{int(rank)}"
        score = "c" if score is None or pd.isna(score) else f"{score:.0f}"
        quadrant = row.get("quadrant")
        lines.append(f"Priority rank {rank} · score {score} · {e('c' if quadrant is None or pd.isna(quadrant) else str(quadrant))}")
    lines.append(f"Need {row.get('need_score', float('nan')):.0f}/100 · IMD score {row.get('imd_score', float('nan')):.1f}")
    comp, elig = row.get("review_completed"), row.get("review_eligible")
    small = 0 < (comp or 0) < rule.threshold or 0 < ((elig or 0) - (comp or 0)) < rule.threshold
    review = "suppressed (small numbers)" if small else rate_text(row.get("review_rate"), row.get("review_rate_lo"), row.get("review_rate_hi"))
    # when reviewed or not reviewed is small, the completed count is withheld too ("6 of 8" gives away 2)
    shown = format_count(comp, rule) if not small or 0 < (comp or 0) < rule.threshold else "c"
    lines.append(f"Review take-up: {review} · {shown} of {format_count(elig, rule)}")
    if pd.notna(row.get("review_rate_smoothed")):
        lines.append(f"Smoothed take-up {row['review_rate_smoothed']:.0%} · funnel: {e(str(row.get('review_funnel_flag', '')))}")
    lines.append(f"Hub reach: {rate_text(row.get('reach_rate_smoothed'))} (smoothed) · children attending {format_count(row.get('hub_children'), rule)}")
    lines.append(f"Under-5s (estimate): {row.get('under5_est', float('nan')):.0f}")
    if pd.notna(row.get("travel_minutes_to_hub")):
        lines.append(f"Travel to {e(str(row.get('hub_id', '')))}: {row['travel_minutes_to_hub']:.0f} min")
    if isinstance(row.get("gap_type"), str) and row.get("gap_type"):
        lines.append(f"<span style='color:#b00'>Gap: {e(str(row['gap_type']))}</span>")
    return "<br>".join(lines)


#: the outline of an area, and of the area under the mouse
AREA_LINE = {"color": "#555", "weight": 0.4, "fillOpacity": 0.75}
HIGHLIGHT = {"weight": 2, "color": "#000"}

#: outlines of the change classes: told apart on the map without colour (legend and tooltips name them too)
_CLASS_OUTLINE = {"▲ improving": {"weight": 2.0, "color": "#000"}, "▼ worsening": {"weight": 2.0, "color": "#000", "dashArray": "5 4"},
                  "◌ withheld (small numbers)": {"weight": 1.5, "color": "#000", "dashArray": "2 4"}}


def area_style(fill: str, class_label: str) -> dict:
    """The Leaflet style of an area of class ``class_label`` filled with ``fill``.

    Examples
    --------
    >>> area_style("#fee5d9", "0 – 20")
    {'fillColor': '#fee5d9', 'color': '#555', 'weight': 0.4, 'fillOpacity': 0.75}
    >>> area_style("#08519c", "▼ worsening")["dashArray"]
    '5 4'
    """
    return {"fillColor": fill, **AREA_LINE, **_CLASS_OUTLINE.get(class_label, {})}


@dataclass(frozen=True)
class AreaClasses:
    """The areas of a map coloured by one layer, one entry per area in the areas' order.

    Attributes
    ----------
    fill : list of str
        Fill colour (``#cccccc`` where the area has no value).
    classes : list of str
        The class in words (``"no data"`` where the area has no value).
    labels : list of str
        Accessible names: ``"<area label>, <layer title>: <class>"``.
    tips : list of str
        Tooltip HTML (the class in words added for a categorical layer).
    legend : list of tuple
        ``(colour, class label)`` of the legend, ``no data`` last if any area has none.
    """

    fill: list[str]
    classes: list[str]
    labels: list[str]
    tips: list[str]
    legend: list[tuple[str, str]]

    def styles(self) -> list[dict]:
        """Each area's style (:func:`area_style`)."""
        return [area_style(f, c) for f, c in zip(self.fill, self.classes)]


def area_classes(areas: pd.DataFrame, spec: Layer) -> AreaClasses:
    """Class, colour, accessible name and tooltip of each area (``code, label, tip`` and the layer's column).

    Examples
    --------
    >>> from geo.maps.style import LAYERS
    >>> areas = pd.DataFrame({"label": ["A (E1)", "B (E2)"], "tip": ["<b>A</b>", "<b>B</b>"],
    ...                       "review_change": ["worsening", None]})
    >>> c = area_classes(areas, LAYERS["review take-up change"])
    >>> c.classes, c.labels[0]
    (['▼ worsening', 'no data'], 'A (E1), Change in review take-up on a year earlier (ward): ▼ worsening')
    >>> c.tips[0]
    '<b>A</b><br>Change in review take-up on a year earlier (ward): ▼ worsening'
    """
    cls, labels, colors = classify_layer(spec, areas[spec.column]) if spec.column in areas.columns else \
        (np.full(len(areas), -1), [], [])
    fill = [colors[c] if c >= 0 else "#cccccc" for c in cls]
    class_of = [labels[c] if c >= 0 else "no data" for c in cls]
    names = [f"{a}, {spec.title}: {c}" for a, c in zip(areas["label"], class_of)]
    tips = areas["tip"].tolist()
    if spec.categories:  # the class in words in every tooltip too
        tips = [f"{t}<br>{html.escape(spec.title)}: {html.escape(c)}" for t, c in zip(tips, class_of)]
    legend = list(zip(colors, labels)) + ([("#cccccc", "no data")] if (np.asarray(cls) < 0).any() else [])
    return AreaClasses(fill, class_of, names, tips, legend)


def areas_geojson(areas: pd.DataFrame, classes: AreaClasses, name: str) -> VerbatimGeoJson:
    """The areas as one GeoJSON layer: styled by class, tooltips, keyboard access (:data:`AREA_KEYBOARD`)."""
    features = feature_list(areas["geometry"].tolist(), {"code": areas["code"].tolist(), "fill": classes.fill,
                                                         "tip": classes.tips, "label": classes.labels})
    return VerbatimGeoJson(
        features,
        bounds=overall_extent(areas["extent"]),
        name=name,
        style_function=lambda f: area_style(f["properties"]["fill"], f["properties"]["label"].rsplit(": ", 1)[-1]),
        highlight_function=lambda f: HIGHLIGHT,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        on_each_feature=AREA_KEYBOARD,
    )
