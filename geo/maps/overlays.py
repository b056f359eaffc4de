"""What the web map draws over its areas: catchment and gap outlines, hub and venue markers, legend symbols.

Every marker and outline is named and styled for people who cannot see colour differences or
do not use a mouse (WCAG 2.2 AA): markers carry their name as text for screen readers, and each
outline has its own dash pattern (:data:`OUTLINES`).
"""

from __future__ import annotations

import html

import folium
import numpy as np
import pandas as pd

from geo.maps.elements import VerbatimDivIcon, VerbatimGeoJson, VerbatimTooltip, overall_extent

__all__ = [
    "OUTLINES",
    "CASING",
    "feature_list",
    "add_outlines",
    "add_hub_markers",
    "venue_spots",
    "crowding_metres",
    "add_venue_markers",
    "legend_symbols",
]


def feature_list(geometries, props: dict[str, list]) -> dict:
    """A FeatureCollection of GeoJSON geometry dicts (shared, never altered) and new property dicts."""
    names = list(props)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": dict(zip(names, values)), "geometry": g}
            for g, values in zip(geometries, zip(*props.values()))
        ],
    }


#: Outline styles: each has its own dash pattern as well as its colour, so they stay distinct under
#: colour-vision deficiency; each is drawn over a white casing (:data:`CASING`), so it shows on every
#: layer's colours, light or dark (the near-but-not-engaged line is near-black, not orange, so it
#: also shows on the orange travel-time layer).
OUTLINES = {
    "catchment": {"color": "#1b4f9c", "weight": 2.5, "dashArray": "8 5"},
    "beyond reach": {"color": "#7a0047", "weight": 3.0, "dashArray": "1 6", "lineCap": "round"},
    "near but not engaged": {"color": "#222222", "weight": 2.5, "dashArray": "12 4 2 4"},
}
#: the white line under every outline, this much wider
CASING = {"color": "#ffffff", "extra": 3.0, "opacity": 0.9}


def _cased(group: folium.FeatureGroup, features: dict, bounds, style) -> None:
    """An outline layer over its white casing, both in ``group``."""
    casing = {"fill": False, "color": CASING["color"], "opacity": CASING["opacity"]}
    VerbatimGeoJson(
        features,
        bounds=bounds,
        interactive=False,
        style_function=lambda f: {**casing, "weight": style(f)["weight"] + CASING["extra"]},
    ).add_to(group)
    VerbatimGeoJson(
        features, bounds=bounds, interactive=False, style_function=lambda f: {"fill": False, **style(f)}
    ).add_to(group)


def add_outlines(m: folium.Map, catchments: pd.DataFrame | None, gaps: pd.DataFrame | None) -> None:
    """Hub catchments and catchment gaps, as :data:`OUTLINES` over a :data:`CASING`."""
    if catchments is not None and len(catchments):
        group = folium.FeatureGroup(name="Hub catchments").add_to(m)
        _cased(
            group,
            feature_list(catchments["geometry"].tolist(), {"hub_id": catchments["label"].tolist()}),
            overall_extent(catchments["extent"]),
            lambda f: OUTLINES["catchment"],
        )
    if gaps is not None and len(gaps):
        group = folium.FeatureGroup(name="Catchment gaps").add_to(m)
        _cased(
            group,
            feature_list(gaps["geometry"].tolist(), {"gap_type": gaps["gap_type"].tolist()}),
            overall_extent(gaps["extent"]),
            lambda f: OUTLINES.get(f["properties"]["gap_type"], OUTLINES["near but not engaged"]),
        )


def add_hub_markers(m: folium.Map, hubs: pd.DataFrame) -> folium.FeatureGroup:
    """Family Hubs (blue squares) and spokes (light blue circles), with escaped names in their tooltips (their group)."""
    fg = folium.FeatureGroup(name="Hubs and spokes").add_to(m)
    for r in hubs.itertuples(index=False):
        is_hub = r.site_type == "hub"
        name = f"{'Family Hub' if is_hub else 'Spoke'}: {html.escape(str(r.name))} ({html.escape(str(r.hub_id))})"
        folium.Marker(
            [r.lat, r.lon],
            tooltip=VerbatimTooltip(name),
            icon=VerbatimDivIcon(  # white and black rings: visible on every class colour
                html=f"<div class='hub-marker {'hub' if is_hub else 'spoke'}' aria-hidden='true' style='width:{18 if is_hub else 14}px;height:{18 if is_hub else 14}px;"
                f"background:{'#1b4f9c' if is_hub else '#6aa0e8'};border:2px solid white;border-radius:{'3px' if is_hub else '50%'};"
                f"box-shadow:0 0 0 1.5px #000;margin:{1 if is_hub else 3}px'></div><span class='sr-only'>{name}</span>",
                icon_size=(24, 24),
                icon_anchor=(12, 12),
            ),  # a 24 px target (WCAG 2.5.8)
        ).add_to(fg)
    return fg


#: the width in pixels a map is assumed to have at its first view, and the least distance between
#: two venue markers there (a 26 px marker keeps a 24 px target clear of its neighbours, WCAG 2.5.8)
MAP_PIXELS, MARKER_GAP_PX = 900, 30


def crowding_metres(minx: float, miny: float, maxx: float, maxy: float) -> float:
    """The ground distance of :data:`MARKER_GAP_PX` when the bounds (degrees) fill :data:`MAP_PIXELS`.

    >>> round(crowding_metres(-0.22, 51.48, -0.11, 51.54))
    332
    """
    width_m = (maxx - minx) * 111_320 * np.cos(np.radians((miny + maxy) / 2))
    height_m = (maxy - miny) * 110_574
    return max(width_m, height_m * 1.5) / MAP_PIXELS * MARKER_GAP_PX


def venue_spots(sites: pd.DataFrame, *, within_m: float = 0.0) -> pd.DataFrame:
    """One row per marker of suggested venues: ``lat, lon, label, name`` (escaped HTML).

    Venues at one spot (GP practices sharing a postcode, one venue suggested for two hubs), or
    closer than ``within_m`` metres to a better-ranked venue's marker, share that marker, which
    names them all and is labelled with the best rank and "+", so no two markers overlap at the
    map's first view (each keeps a 24 px target, WCAG 2.5.8).

    Examples
    --------
    >>> s = pd.DataFrame({"lat": [51.5, 51.5, 51.6], "lon": [-0.1, -0.1, -0.2], "rank": [3, 1, 2],
    ...                   "name": ["A", "B", "C"], "type": ["GP practice"] * 3})
    >>> venue_spots(s)[["label", "name"]].values.tolist()
    [['1+', 'Suggested venues 1 and 3, at one place: B (GP practice); A (GP practice)'], ['2', 'Suggested venue 2: C (GP practice)']]
    >>> venue_spots(s, within_m=20_000)["label"].tolist()
    ['1+']
    """
    ordered = sites.sort_values("rank", kind="stable").reset_index(drop=True)
    lat, lon = ordered["lat"].to_numpy(float), ordered["lon"].to_numpy(float)
    anchor = np.full(len(ordered), -1)
    for i in range(len(ordered)):  # each venue joins the first better-ranked marker within reach
        for a in np.unique(anchor[:i][anchor[:i] >= 0]) if i else []:
            d = np.hypot((lat[i] - lat[a]) * 110_574, (lon[i] - lon[a]) * 111_320 * np.cos(np.radians(lat[a])))
            if d <= max(within_m, 0.5):
                anchor[i] = a
                break
        if anchor[i] < 0:
            anchor[i] = i
    rows = []
    for a in sorted(set(anchor.tolist())):
        group = ordered[anchor == a]
        named = "; ".join(f"{html.escape(str(v.name))} ({html.escape(str(v.type))})" for v in group.itertuples())
        ranks = [int(v) for v in group["rank"]]
        same = bool((group["lat"].round(6) == lat[a].round(6)).all() and (group["lon"].round(6) == lon[a].round(6)).all())
        where = "at one place" if same else "close together"
        name = (f"Suggested venue {ranks[0]}: {named}" if len(group) == 1 else
                f"Suggested venues {', '.join(map(str, ranks[:-1]))} and {ranks[-1]}, {where}: {named}")
        rows.append({"lat": lat[a], "lon": lon[a], "label": f"{ranks[0]}" if len(group) == 1 else f"{ranks[0]}+", "name": name})
    return pd.DataFrame(rows, columns=["lat", "lon", "label", "name"])


def add_venue_markers(m: folium.Map, sites: pd.DataFrame, *, within_m: float = 0.0) -> None:
    """Suggested venues, numbered by rank, with escaped names in their tooltips (:func:`venue_spots`)."""
    fg = folium.FeatureGroup(name="Suggested venues").add_to(m)
    for r in venue_spots(sites, within_m=within_m).itertuples(index=False):
        name, label = r.name, r.label
        folium.Marker(
            [r.lat, r.lon],
            tooltip=VerbatimTooltip(name),
            icon=VerbatimDivIcon(
                html=f"<div class='venue-marker' style='width:22px;height:22px;line-height:22px;text-align:center;background:#111;color:#fff;"
                f"font:bold 12px sans-serif;border-radius:50%;border:2px solid #ffd400' aria-hidden='true'>{label}</div>"
                f"<span class='sr-only'>{name}</span>",
                icon_size=(26, 26),
                icon_anchor=(13, 13),
            ),
        ).add_to(fg)


def legend_symbols(catchments: bool, gaps: bool, sites: bool) -> list[tuple[str, str]]:
    """The legend's symbol lines (HTML of the symbol, label) for what the map shows."""
    symbols = [
        (
            "<span style='display:inline-block;width:12px;height:12px;background:#1b4f9c;border-radius:2px'></span>",
            "Family Hub",
        ),
        (
            "<span style='display:inline-block;width:10px;height:10px;background:#6aa0e8;border-radius:50%'></span>",
            "Spoke",
        ),
    ]
    if catchments:
        symbols.append((_line_symbol(OUTLINES["catchment"]), "Hub catchment"))
    if gaps:
        symbols.append((_line_symbol(OUTLINES["beyond reach"]), "Gap: beyond reach of every hub and spoke"))
        symbols.append((_line_symbol(OUTLINES["near but not engaged"]), "Gap: near but not engaged"))
    if sites:
        symbols.append(
            (
                "<span style='display:inline-block;width:14px;height:14px;border-radius:50%;background:#111;color:#fff;font-size:9px;text-align:center'>1</span>",
                "Suggested venue (rank)",
            )
        )
    return symbols


def _line_symbol(style: dict) -> str:
    """A legend symbol drawing an outline exactly as the map does (colour, width and dash pattern)."""
    return (
        f"<svg aria-hidden='true' width='28' height='8' style='vertical-align:middle'><line x1='1' y1='4' x2='27' y2='4' "
        f"stroke='{style['color']}' stroke-width='{style['weight']}' stroke-dasharray='{style['dashArray']}' "
        f"stroke-linecap='{style.get('lineCap', 'butt')}'/></svg>"
    )
