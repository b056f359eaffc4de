"""Interactive web maps (folium/Leaflet) of a build: choropleth, hubs, catchments, gaps, venues.

Analysis stays in EPSG:27700; geometry is simplified there and converted to EPSG:4326 only
for the web. Every name shown is HTML-escaped and every small count suppressed.

:func:`area_map` draws a map in one call. It is :func:`map_base` (the work that does not depend
on the layer shown: simplification, reprojection, tooltips, hub positions), then
:func:`layer_map` (classes, colours, legend, markers): the app keeps the base per study area and
geography level and only recolours it when the user changes the layer.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.disclosure import DisclosureRule
from geo.maps.areastyle import _TOOLTIP_COLUMNS, area_classes, areas_geojson, tooltip_html
from geo.maps.assets import use_local_leaflet
from geo.maps.elements import Attribution, Legend, ZoomableMap, feature_extents
from geo.maps.overlays import add_hub_markers, add_outlines, add_venue_markers, crowding_metres, legend_symbols
from geo.maps.reproject import to_crs
from geo.maps.style import ATTRIBUTION, LAYERS, TILES_ATTRIBUTION, Layer
from geo.maps.tiles import TileSettings, add_tiles

__all__ = ["to_web", "tooltip_html", "area_map", "MapBase", "map_base", "layer_map", "site_markers", "blank_map"]

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


def blank_map(bounds, *, tiles=None, leaflet_prefix: str | None = None) -> folium.Map:
    """A map centred on ``bounds`` (``minx, miny, maxx, maxy`` in degrees) with its tiles and credits, nothing drawn.

    ``tiles`` and ``leaflet_prefix`` as :func:`area_map`.
    """
    minx, miny, maxx, maxy = bounds
    # SVG rather than canvas: Leaflet's canvas hit-testing lets unfilled outlines swallow clicks
    m = ZoomableMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=True, zoom_snap=0.25, zoom_delta=0.5)
    if leaflet_prefix is not None:
        use_local_leaflet(m, leaflet_prefix)
    if isinstance(tiles, TileSettings):  # the config's [map] basemap (geo.maps.tiles)
        add_tiles(m, tiles)
    elif tiles:
        folium.TileLayer(tiles, attr=TILES_ATTRIBUTION, name="Basemap").add_to(m)
    m.add_child(Attribution(ATTRIBUTION))
    return m


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
    classes = area_classes(areas, spec)
    catchments, gaps = base.catchments, base.gaps

    minx, miny, maxx, maxy = base.total_bounds()
    m = blank_map((minx, miny, maxx, maxy), tiles=tiles, leaflet_prefix=leaflet_prefix)
    areas_geojson(areas, classes, spec.title).add_to(m)
    add_outlines(m, catchments, gaps)
    if base.hubs is not None and len(base.hubs):
        add_hub_markers(m, base.hubs)
    if sites is not None and len(sites):
        # markers closer than about 30 px at the first view share one (each keeps a 24 px target)
        add_venue_markers(m, sites, within_m=crowding_metres(minx, miny, maxx, maxy))
    symbols = legend_symbols(catchments is not None and len(catchments) > 0, gaps is not None and len(gaps) > 0,
                              sites is not None and len(sites) > 0)
    m.add_child(Legend(spec.title, classes.legend, symbols))  # a child of the map, so streamlit-folium renders it too
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m
