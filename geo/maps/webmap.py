"""Interactive web maps (folium/Leaflet) of a build: choropleth, hubs, catchments, gaps, venues.

Analysis stays in EPSG:27700; geometry is simplified there and converted to EPSG:4326 only
for the web. Every name shown is HTML-escaped and every small count suppressed.

:func:`area_map` draws a map in one call. It is :func:`map_base` (the work that does not depend
on the layer shown: simplification, reprojection, tooltips, hub positions), then
:func:`layer_map` (classes, colours, legend, markers): the app keeps the base per study area and
geography level and only recolours it when the user changes the layer.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.disclosure import DisclosureRule, format_count
from geo.display import rate_text
from geo.maps.assets import use_local_leaflet
from geo.maps.elements import (
    AREA_KEYBOARD,
    Attribution,
    Legend,
    VerbatimGeoJson,
    ZoomableMap,
    feature_extents,
    overall_extent,
)
from geo.maps.overlays import (
    add_hub_markers,
    add_outlines,
    add_venue_markers,
    crowding_metres,
    feature_list,
    legend_symbols,
)
from geo.maps.reproject import to_crs
from geo.maps.style import ATTRIBUTION, LAYERS, TILES_ATTRIBUTION, Layer, classify_layer
from geo.maps.tiles import TileSettings, add_tiles

__all__ = ["to_web", "tooltip_html", "area_map", "MapBase", "map_base", "layer_map", "site_markers"]

def to_web(gdf: gpd.GeoDataFrame, tolerance: float = 8.0, precision: int = 5) -> gpd.GeoDataFrame:
    """Simplify in metres (EPSG:27700) then convert to EPSG:4326 with rounded coordinates.

    Parameters
    ----------
    gdf : GeoDataFrame
        In EPSG:27700.
    tolerance : float
        Douglas-Peucker tolerance in metres (topology-preserving per polygon).
    precision : int
        Decimal places kept in degrees (5 ≈ 1 m).

    Examples
    --------
    >>> web = to_web(lsoa_gdf)           # doctest: +SKIP
    >>> web.crs.to_epsg()                # doctest: +SKIP
    4326
    """
    import shapely

    out = gdf.copy()
    if tolerance > 0:
        out["geometry"] = out.geometry.simplify(tolerance, preserve_topology=True)
    out = to_crs(out, 4326)
    out["geometry"] = shapely.set_precision(out.geometry.to_numpy(), 10 ** -precision)
    return out


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


@dataclass(frozen=True)
class MapBase:
    """The layer-independent parts of an area map, ready for the web (EPSG:4326).

    :func:`map_base` makes it (simplification, reprojection, tooltips, marker positions: the
    slow part of a map); :func:`layer_map` colours it by one layer and builds the folium map
    (cheap). The app keeps one per study area and geography level, takes the rows of the areas,
    catchments and gaps a user selected (:meth:`take`) and recolours it when the layer changes.

    Attributes
    ----------
    level : {"lsoa", "ward"}
    areas : DataFrame
        One row per area, in the input's order and with its index: ``code``, every
        :data:`LAYERS` column present, ``tip`` (tooltip HTML), ``geometry`` (a GeoJSON
        geometry dict), its bounds ``minx, miny, maxx, maxy`` (degrees) and ``extent``
        (the same as folium computes them, ``[[lat_min, lon_min], [lat_max, lon_max]]``).
    catchments : DataFrame or None
        ``hub_id`` (as given), ``label`` (hub id as text), ``geometry`` (GeoJSON dict), ``extent``.
    gaps : DataFrame or None
        ``hub_id`` (if given), ``gap_type`` (as text), ``geometry`` (GeoJSON dict), ``extent``.
    hubs : DataFrame or None
        ``lat, lon, hub_id, name, site_type``.
    """

    level: str
    areas: pd.DataFrame
    catchments: pd.DataFrame | None = None
    gaps: pd.DataFrame | None = None
    hubs: pd.DataFrame | None = None

    def take(self, areas=None, catchments=None, gaps=None) -> MapBase:
        """The same base with only these rows (index labels of the frames it was made from).

        ``None`` keeps every row. Rows come in the order given, so taking the index of a
        filtered frame gives exactly the map :func:`area_map` draws for that frame.
        """
        def rows(frame, labels):
            return frame if frame is None or labels is None else frame.loc[list(labels)]

        return MapBase(self.level, rows(self.areas, areas), rows(self.catchments, catchments), rows(self.gaps, gaps), self.hubs)

    def total_bounds(self) -> np.ndarray:
        """``minx, miny, maxx, maxy`` of the areas (as ``GeoSeries.total_bounds``)."""
        if not len(self.areas):
            return np.full(4, np.nan)
        b = self.areas[["minx", "miny", "maxx", "maxy"]].to_numpy(dtype=float)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
            return np.array([np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]), np.nanmax(b[:, 3])])


def _geojson_geometries(geoms: np.ndarray) -> list[dict]:
    import json

    import shapely

    return [json.loads(g) for g in shapely.to_geojson(geoms)]


def map_base(
    areas: gpd.GeoDataFrame,
    *,
    level: str = "lsoa",
    hubs: gpd.GeoDataFrame | None = None,
    catchments: gpd.GeoDataFrame | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    rule: DisclosureRule = DisclosureRule(),
    tolerance: float = 8.0,
) -> MapBase:
    """Prepare everything of an area map that does not depend on the layer shown.

    Parameters
    ----------
    areas : GeoDataFrame
        Scored LSOAs or wards (EPSG:27700), with a unique index.
    level : {"lsoa", "ward"}
    hubs, catchments, gaps : GeoDataFrame, optional
        As :func:`area_map`.
    rule : DisclosureRule
        Small-number suppression for tooltips.
    tolerance : float
        Simplification tolerance in metres (EPSG:27700) for the web geometry.

    Returns
    -------
    MapBase

    Raises
    ------
    ValueError
        If an index is not unique (:meth:`MapBase.take` selects rows by index label).

    Examples
    --------
    >>> base = map_base(result.lsoa, level="lsoa", hubs=result.hubs)    # doctest: +SKIP
    >>> m = layer_map(base.take(areas=view.areas.index), "need")          # doctest: +SKIP
    """
    import shapely

    for name, frame in (("areas", areas), ("catchments", catchments), ("gaps", gaps)):
        if frame is not None and not frame.index.is_unique:
            raise ValueError(f"map_base: the {name} index is not unique")
    code_col = "lsoa21cd" if level == "lsoa" else "ward_code"
    layer_cols = [spec.column for spec in LAYERS.values() if spec.column in areas.columns]
    tip_cols = [c for c in _TOOLTIP_COLUMNS if c in areas.columns]
    keep = list(dict.fromkeys([code_col, *layer_cols, *tip_cols]))
    web = to_web(areas[keep + ["geometry"]], tolerance)
    geoms = web.geometry.to_numpy()
    bounds = shapely.bounds(geoms).reshape(-1, 4)
    table = pd.DataFrame({"code": web[code_col].to_numpy()}, index=web.index)
    for c in layer_cols:
        table[c] = web[c]
    table["tip"] = [tooltip_html(r, rule, level) for r in web[tip_cols].to_dict("records")]
    name_col = "lsoa21nm" if level == "lsoa" else "ward_name"
    names = web[name_col] if name_col in web.columns else web[code_col]
    table["label"] = [f"{n} ({c})" for n, c in zip(names.astype(str), web[code_col].astype(str))]  # accessible name
    table["geometry"] = _geojson_geometries(geoms)
    table["extent"] = feature_extents(table["geometry"].tolist())
    for i, c in enumerate(("minx", "miny", "maxx", "maxy")):
        table[c] = bounds[:, i]

    catch = None
    if catchments is not None:
        c = to_web(catchments[["hub_id", "geometry"]], tolerance)
        catch = pd.DataFrame({"hub_id": c["hub_id"], "label": c["hub_id"].astype(str),
                              "geometry": _geojson_geometries(c.geometry.to_numpy())}, index=c.index)
        catch["extent"] = feature_extents(catch["geometry"].tolist())
    gap = None
    if gaps is not None:
        g = to_web(gaps[[*(["hub_id"] if "hub_id" in gaps.columns else []), "gap_type", "geometry"]], tolerance)
        gap = pd.DataFrame({"gap_type": g["gap_type"].astype(str), "geometry": _geojson_geometries(g.geometry.to_numpy())}, index=g.index)
        gap["extent"] = feature_extents(gap["geometry"].tolist())
        if "hub_id" in g.columns:
            gap.insert(0, "hub_id", g["hub_id"])
    points = None
    if hubs is not None:
        h = to_crs(hubs, 4326)
        points = pd.DataFrame({"lat": h.geometry.y, "lon": h.geometry.x, "hub_id": h["hub_id"], "name": h["name"],
                               "site_type": h["site_type"]}, index=h.index)
    return MapBase(level, table, catch, gap, points)


def site_markers(sites: gpd.GeoDataFrame | None) -> pd.DataFrame | None:
    """Suggested venues as map markers: ``lat, lon, rank, name, type`` (from points in any CRS).

    Examples
    --------
    >>> pts = gpd.GeoDataFrame({"rank": [1], "name": ["Library"], "type": ["library"]},
    ...                        geometry=gpd.points_from_xy([530000], [180000]), crs=27700)
    >>> site_markers(pts)[["rank", "name"]].to_dict("records")
    [{'rank': 1, 'name': 'Library'}]
    """
    if sites is None:
        return None
    s = to_crs(sites, 4326)
    return pd.DataFrame({"lat": s.geometry.y, "lon": s.geometry.x, "rank": s["rank"], "name": s["name"], "type": s["type"]},
                        index=s.index)


def area_map(
    areas: gpd.GeoDataFrame,
    *,
    layer: str = "priority",
    level: str = "lsoa",
    hubs: gpd.GeoDataFrame | None = None,
    catchments: gpd.GeoDataFrame | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    rule: DisclosureRule = DisclosureRule(),
    tiles: str | None = None,
    tolerance: float = 8.0,
    leaflet_prefix: str | None = None,
) -> folium.Map:
    """Build the interactive map of a study area.

    The same as ``layer_map(map_base(areas, ...), layer, sites=site_markers(sites), ...)``:
    to draw several layers of one selection, make the :class:`MapBase` once.

    Parameters
    ----------
    areas : GeoDataFrame
        Scored LSOAs or wards (EPSG:27700).
    layer : str
        A key of :data:`LAYERS`.
    level : {"lsoa", "ward"}
    hubs : GeoDataFrame, optional
        ``hub_id, name, site_type`` points.
    catchments : GeoDataFrame, optional
        Hub catchment polygons (``hub_id``).
    gaps : GeoDataFrame, optional
        Gap polygons (``gap_type``).
    sites : GeoDataFrame, optional
        Suggested venues with ``rank, name, type``.
    rule : DisclosureRule
        Small-number suppression for tooltips.
    tiles : geo.maps.tiles.TileSettings, str or None
        Basemap tiles (the config's ``[map]`` table, ``config.tiles``); the default ``None`` draws
        no tiles and no tile credit, so the map requests nothing from any other host.
    tolerance : float
        Simplification tolerance in metres (EPSG:27700) for the web geometry.
    leaflet_prefix : str, optional
        URL of the app's ``static/`` folder: Leaflet is then loaded from there instead of a CDN
        (see :mod:`geo.maps.assets`; for a self-contained file use
        :func:`geo.maps.assets.standalone_html`).

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> m = area_map(result.lsoa, layer="need", hubs=result.hubs)    # doctest: +SKIP
    >>> m.save("map.html")                                              # doctest: +SKIP
    """
    LAYERS[layer]  # an unknown layer fails before any work
    base = map_base(areas, level=level, hubs=hubs, catchments=catchments, gaps=gaps, rule=rule, tolerance=tolerance)
    return layer_map(base, layer, sites=site_markers(sites), tiles=tiles, leaflet_prefix=leaflet_prefix)


#: outlines of the change classes: told apart on the map without colour (legend and tooltips name them too)
_CLASS_OUTLINE = {"▲ improving": {"weight": 2.0, "color": "#000"}, "▼ worsening": {"weight": 2.0, "color": "#000", "dashArray": "5 4"},
                  "◌ withheld (small numbers)": {"weight": 1.5, "color": "#000", "dashArray": "2 4"}}


def layer_map(
    base: MapBase,
    layer: str = "priority",
    *,
    sites: pd.DataFrame | None = None,
    tiles: str | None = None,
    leaflet_prefix: str | None = None,
    spec: Layer | None = None,
) -> folium.Map:
    """The folium map of a :class:`MapBase` coloured by one layer (classes, legend, markers).

    Parameters
    ----------
    base : MapBase
    layer : str
        A key of :data:`LAYERS`.
    sites : DataFrame, optional
        Suggested venues from :func:`site_markers`.
    tiles, leaflet_prefix
        As :func:`area_map`.
    spec : Layer, optional
        A layer not in :data:`LAYERS` (``layer`` is then ignored), e.g. :func:`geo.app.groupmap.group_layer`.

    Returns
    -------
    folium.Map
        A new map on every call (folium and streamlit-folium alter the maps they render).
    """
    spec = LAYERS[layer] if spec is None else spec
    areas = base.areas
    cls, labels, colors = classify_layer(spec, areas[spec.column]) if spec.column in areas.columns else \
        (np.full(len(areas), -1), [], [])
    fill = np.array([colors[c] if c >= 0 else "#cccccc" for c in cls])
    class_of = np.array([labels[c] if c >= 0 else "no data" for c in cls], dtype=object)
    names = [f"{a}, {spec.title}: {c}" for a, c in zip(areas["label"], class_of)]
    tips = areas["tip"].tolist()
    if spec.categories:  # the class in words in every tooltip too
        tips = [f"{t}<br>{html.escape(spec.title)}: {html.escape(c)}" for t, c in zip(tips, class_of)]
    features = feature_list(areas["geometry"].tolist(), {"code": areas["code"].tolist(), "fill": fill.tolist(),
                                                         "tip": tips, "label": names})
    catchments, gaps = base.catchments, base.gaps

    minx, miny, maxx, maxy = base.total_bounds()
    # SVG rather than canvas: Leaflet's canvas hit-testing lets unfilled outlines swallow clicks
    m = ZoomableMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=True, zoom_snap=0.25, zoom_delta=0.5)
    if leaflet_prefix is not None:
        use_local_leaflet(m, leaflet_prefix)
    if isinstance(tiles, TileSettings):  # the config's [map] basemap (geo.maps.tiles)
        add_tiles(m, tiles)
    elif tiles:
        folium.TileLayer(tiles, attr=TILES_ATTRIBUTION, name="Basemap").add_to(m)
    m.add_child(Attribution(ATTRIBUTION))
    VerbatimGeoJson(
        features,
        bounds=overall_extent(areas["extent"]),
        name=spec.title,
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#555", "weight": 0.4, "fillOpacity": 0.75,
                                  **_CLASS_OUTLINE.get(f["properties"]["label"].rsplit(": ", 1)[-1], {})},
        highlight_function=lambda f: {"weight": 2, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        on_each_feature=AREA_KEYBOARD,
    ).add_to(m)
    add_outlines(m, catchments, gaps)
    if base.hubs is not None and len(base.hubs):
        add_hub_markers(m, base.hubs)
    if sites is not None and len(sites):
        # markers closer than about 30 px at the first view share one (each keeps a 24 px target)
        add_venue_markers(m, sites, within_m=crowding_metres(minx, miny, maxx, maxy))
    items = list(zip(colors, labels)) + ([("#cccccc", "no data")] if (cls < 0).any() else [])
    symbols = legend_symbols(catchments is not None and len(catchments) > 0, gaps is not None and len(gaps) > 0,
                              sites is not None and len(sites) > 0)
    m.add_child(Legend(spec.title, items, symbols))  # a child of the map, so streamlit-folium renders it too
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m
