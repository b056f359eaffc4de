"""The exported web map: :func:`geo.maps.webmap.area_map`, suppressed tooltips, Leaflet inlined.

The map is the app's map without tiles. Its LSOA tooltips are rebuilt from the suppressed LSOA
table (the same values as the exported ``tables/lsoas.csv``); the areas handed to
:func:`geo.maps.webmap.area_map` have their count columns blanked, so its own tooltips never see a
raw count. Leaflet is inlined from ``static/vendor`` (:mod:`geo.maps.assets`) and every other external script and
style sheet is dropped, so the page works offline and loads nothing; folium's random element
ids are renumbered so the same inputs give the same bytes.

Examples
--------
>>> page = map_html(result, tables, sites, ["WCC-BES"])      # doctest: +SKIP
>>> Path("map.html").write_text(page, encoding="utf-8")        # doctest: +SKIP
"""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.disclosure import DisclosureRule
from geo.display import fmt_value
from geo.export.tables import ExportTables
from geo.maps.assets import standalone_html
from geo.maps.basemap import Basemap
from geo.maps.elements import Attribution
from geo.maps.webmap import area_map

__all__ = ["map_html", "map_inputs", "render_map_html", "write_map_html", "add_basemap"]



def _tooltip(d: pd.Series, n_areas: int) -> str:
    """A web-map tooltip from one row of the suppressed LSOA table (names escaped)."""
    e = html.escape
    rate = d.get("review_rate")
    if isinstance(rate, str):
        take_up = f"{e(rate)} (small numbers)"
    elif pd.notna(rate):
        take_up = fmt_value(rate, "pct")
        lo, hi = d.get("review_rate_lo"), d.get("review_rate_hi")
        if not isinstance(lo, str) and not isinstance(hi, str) and pd.notna(lo) and pd.notna(hi):
            take_up += f" (95% CI {lo:.0%}–{hi:.0%})"
    else:
        take_up = "no data"
    lines = [
        f"<b>{e(str(d['lsoa21nm']))}</b> <span style='color:#666'>{e(str(d['lsoa21cd']))}</span>",
        f"Ward: {e(str(d.get('ward_name', '')))}",
        f"Priority rank {fmt_value(d['priority_rank'], 'int')} of {n_areas:,} · score {fmt_value(d['priority_score'], 'score')}"
        f" · {e(str(d.get('quadrant', '')))}",
        f"Need {fmt_value(d.get('need_score'), 'score')}/100 · IMD score {d.get('imd_score', float('nan')):.1f}",
        f"Review take-up: {take_up} · reviewed {e(fmt_value(d['review_completed'], 'count'))} of "
        f"{e(fmt_value(d['review_eligible'], 'count'))} eligible",
        f"Smoothed take-up {e(fmt_value(d.get('review_rate_smoothed'), 'pct'))} · funnel: {e(str(d.get('review_funnel_flag', '')))}",
        f"Hub reach (smoothed): {e(fmt_value(d.get('reach_rate_smoothed'), 'pct'))} · children attending: "
        f"{e(fmt_value(d['hub_children'], 'count'))}",
        f"Under-5s (estimate): {fmt_value(d.get('under5_est'), 'count')}",
    ]
    if pd.notna(d.get("travel_minutes_to_hub")):
        lines.append(f"Travel to {e(str(d.get('hub_id', '')))}: {fmt_value(d['travel_minutes_to_hub'], 'minutes')} min")
    if isinstance(d.get("gap_type"), str) and d["gap_type"]:
        lines.append(f"<span style='color:#b00'>Gap: {e(d['gap_type'])}</span>")
    return "<br>".join(lines)


_RAW_COUNTS = ["review_eligible", "review_completed", "children_not_reviewed", "hub_children", "review_rate", "review_rate_lo",
               "review_rate_hi", "review_rate_smoothed", "reach_rate", "reach_rate_smoothed", "children_not_reached"]


_PUBLISHED = ["priority_score", "engagement_score", "priority_rank", "quadrant", "gap_type", "review_funnel_flag"]


def map_inputs(result, tables: ExportTables, sites: pd.DataFrame, hub_ids: list[str], *, whole_area: bool = True) -> tuple:
    """The arguments of :func:`render_map_html` for a build (see :func:`map_html`)."""
    lsoa = result.lsoa
    keep = lsoa["hub_id"].isin(hub_ids).to_numpy() if not whole_area else np.ones(len(lsoa), dtype=bool)
    areas = lsoa[keep].copy()
    for c in _RAW_COUNTS:  # belt and braces: the stock tooltips never see a raw count
        if c in areas.columns:
            areas[c] = float("nan")
    published = tables.lsoa.numeric.set_index("lsoa21cd")
    for c in _PUBLISHED:  # colours and classes from the published bands (NaN where withheld), never the exact scores
        if c in areas.columns and c in published.columns:
            areas[c] = areas["lsoa21cd"].map(published[c])
    catch, gaps = result.catchments(), result.gaps()
    if not whole_area:
        catch = None if catch is None else catch[catch["hub_id"].isin(hub_ids)]
        gaps = None if gaps is None else gaps[gaps["hub_id"].isin(hub_ids)]
    pts = None
    if len(sites):
        named = sites.assign(name=[f"{n} (for {h})" for n, h in zip(sites["name"], sites["hub_id"])])
        pts = gpd.GeoDataFrame(named, geometry=gpd.points_from_xy(named["lon"], named["lat"]), crs=4326).to_crs(27700)
    export = result.config.export
    basemap = Basemap.open(export.basemap, export.basemap_attribution) if export.basemap is not None else None
    return areas, result.hubs, catch, gaps, pts, tables.lsoa.display, DisclosureRule.from_config(result.config), basemap


def map_html(result, tables: ExportTables, sites: pd.DataFrame, hub_ids: list[str], *, whole_area: bool = True) -> str:
    """The interactive map as one self-contained HTML page.

    Built with :func:`geo.maps.webmap.area_map` (no tiles); its LSOA tooltips are replaced by
    ones from the suppressed LSOA table (the same values as the exported tables), Leaflet is
    inlined from ``static/vendor`` (:mod:`geo.maps.assets`) and no other script or style sheet is linked.

    Parameters
    ----------
    result : geo.build.BuildResult
    tables : ExportTables
    sites : DataFrame
        Suggested venues (:data:`geo.export.tables.SITES_EXPORT_COLUMNS`).
    hub_ids : list of str
        Hubs in the pack.
    whole_area : bool
        Show every LSOA (True) or only the catchments of ``hub_ids``.

    Returns
    -------
    str
    """
    return render_map_html(*map_inputs(result, tables, sites, hub_ids, whole_area=whole_area))


def render_map_html(areas: gpd.GeoDataFrame, hubs, catchments, gaps, sites, lsoa_display: pd.DataFrame,
                    rule: DisclosureRule, basemap: Basemap | None = None) -> str:
    """:func:`map_html` from its parts (what a helper process is sent).

    ``areas`` are the LSOAs to show (their count columns already blanked), ``sites`` the
    suggested venues as EPSG:27700 points, ``lsoa_display`` the suppressed LSOA table,
    ``basemap`` a local GeoTIFF shown under the areas as an image layer (with its attribution).
    """
    keep = len(areas)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
        m = area_map(areas, layer="priority", level="lsoa", hubs=hubs, catchments=catchments, gaps=gaps, sites=sites,
                     rule=rule, tiles=None)
    Attribution(rule.statement()).add_to(m)
    display = lsoa_display.set_index("lsoa21cd", drop=False)
    n_areas = len(display)
    replaced = 0
    for child in m._children.values():
        data = getattr(child, "data", None)
        if isinstance(data, dict) and data.get("features") and "tip" in data["features"][0].get("properties", {}):
            for f in data["features"]:
                f["properties"]["tip"] = _tooltip(display.loc[f["properties"]["code"]], n_areas)
                replaced += 1
    if replaced != keep:
        raise RuntimeError(f"web map: replaced {replaced} tooltips for {keep} LSOAs (geo.maps.webmap.area_map changed?)")
    if basemap is not None:
        add_basemap(m, basemap, tuple(areas.to_crs(4326).total_bounds))
    return _self_contained(m)


def write_map_html(inputs: tuple, html_path: str | Path) -> Path:
    """Write ``map.html`` from :func:`map_inputs` (a job for the export's helper process)."""
    Path(html_path).write_text(render_map_html(*inputs), encoding="utf-8")
    return Path(html_path)


def add_basemap(m, basemap: Basemap, bounds: tuple[float, float, float, float]) -> bool:
    """Put ``basemap`` under the map's areas as one image (embedded, offline) and add its attribution.

    ``bounds`` = ``(west, south, east, north)`` in degrees (padded by 10%). Returns False (and
    adds nothing) when the basemap does not cover them.
    """
    from geo.maps.tiles import add_image_layer, image_layer  # one way to embed a raster, app and pack alike

    layer = image_layer(basemap, bounds)
    add_image_layer(m, layer)
    return layer is not None


def _self_contained(m) -> str:
    """The map as one page (Leaflet inlined by :func:`geo.maps.assets.standalone_html`), random element ids renumbered."""
    text = standalone_html(m)
    ids: dict[str, str] = {}
    return re.sub(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", lambda mt: ids.setdefault(mt.group(0), f"{len(ids) + 1:032x}"), text)
