"""Static (print) maps of a hub's catchment with matplotlib (tiles only where ``[map]`` names them).

A hub map shows the priority score of every LSOA in view as a classed choropleth (the same
quantile classes and colours as the web map, over the whole study area so that every page
of a pack shares one legend), LSOAs outside the hub's catchment in grey, the catchment
outline, catchment gaps as light patterns with their own outlines, ward boundaries, hubs and spokes
as distinct markers, the suggested venues numbered by rank, a scale bar, a north arrow and the
attribution.

Maps are made to be printed at :data:`MAP_FIGSIZE` (the ILT pack places them at that size), so
every label is at least :data:`MIN_LABEL_PT` points on paper; ward labels that would collide with
another label are dropped, never shrunk. The catchment (solid), ward (dashed) and gap (dotted,
dash-dot) boundaries differ in line style, not only colour, so the maps read in greyscale.

Everything is drawn in EPSG:27700 (British National Grid, metres), so the scale bar is exact
and grid north is within a degree of true north across England.

Examples
--------
>>> layers = map_layers(result)                                    # doctest: +SKIP
>>> fig = hub_map_figure(layers, "WCC-BES", venues, title="Bessborough")   # doctest: +SKIP
>>> fig.savefig("WCC-BES.png", dpi=300)                             # doctest: +SKIP
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from geo.maps.basemap import Basemap
from geo.maps.furniture import north_arrow, scale_bar
from geo.maps.labels import label_wards_in_view
from geo.maps.printshapes import fill_polygons, frame_view, in_view, outline_polygons, print_width
from geo.maps.printtiles import PrintTiles, draw_tiles
from geo.maps.style import ATTRIBUTION, LAYERS, classify

__all__ = ["MapLayers", "map_layers", "hub_view", "draw_hub_map", "legend_handles",
           "hub_map_figure", "write_hub_pngs", "plain", "COLOURS", "MAP_FIGSIZE", "MIN_LABEL_PT"]

#: colours shared with the web map (geo.maps.webmap; its layers' colours are in geo.maps.style)
COLOURS = {
    "hub": "#1b4f9c", "spoke": "#6aa0e8", "catchment": "#1b4f9c", "outside": "#e6e6e6", "no data": "#cccccc",
    "beyond reach": "#1a1a1a", "near but not engaged": "#1a1a1a", "venue": "#111111", "venue edge": "#ffd400",
    "ward": "#4d4d4d",
}
#: size in inches of a hub map (maps/<hub_id>.png: 1920 x 1590 pixels at 300 dpi), and its printed size in the pack
MAP_FIGSIZE = (6.4, 5.3)
#: smallest text on a map, in points at its printed size
MIN_LABEL_PT = 8.0
#: light patterns over the fill (sparse, thin, half-transparent) and distinct outlines per gap type
GAP_HATCH = {"beyond reach": "//", "near but not engaged": ".."}
GAP_LINE = {"beyond reach": (0, (1, 1.6)), "near but not engaged": (0, (6, 2, 1.2, 2))}
HATCH_RGBA = (0.1, 0.1, 0.1, 0.55)
GAP_LABEL = {"beyond reach": "Gap: beyond reach", "near but not engaged": "Gap: near but not engaged"}


#: control characters but the line feed
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def plain(text) -> str:
    """Text for matplotlib: ``$`` would start mathtext, so it is escaped; a tab or CR is a space
    and any other control character (no font has a glyph for it) is shown as U+FFFD.

    Examples
    --------
    >>> plain("Costs $5 & <b>"), plain("Hub\\tA\\x07")
    ('Costs \\\\$5 & <b>', 'Hub A\ufffd')
    """
    return _CONTROL.sub(lambda m: " " if m.group(0) in "\t\r" else "\ufffd", str(text)).replace("$", r"\$")


@dataclass(frozen=True)
class MapLayers:
    """What every hub map of a study area draws (EPSG:27700), classified once.

    Attributes
    ----------
    lsoa : GeoDataFrame
        ``lsoa21cd, hub_id, priority_score, fill`` (class colour) and geometry.
    labels, colours : list of str
        Class labels and colours of the priority legend.
    has_missing : bool
        Whether some LSOA has no priority score (drawn as "no data").
    wards : GeoDataFrame
        ``ward_code, ward_name`` boundaries.
    catchments, gaps : GeoDataFrame or None
        Catchment polygons (``hub_id``) and gap polygons (``hub_id, gap_type``).
    hubs : GeoDataFrame or None
        ``hub_id, name, site_type`` points.
    basemap : geo.maps.basemap.Basemap or None
        A local GeoTIFF drawn under the areas (the config's ``[export] basemap``).
    """

    lsoa: gpd.GeoDataFrame
    labels: list[str]
    colours: list[str]
    has_missing: bool
    wards: gpd.GeoDataFrame
    catchments: gpd.GeoDataFrame | None
    gaps: gpd.GeoDataFrame | None
    hubs: gpd.GeoDataFrame | None
    basemap: Basemap | None = None
    tiles: PrintTiles | None = None

    @property
    def attribution(self) -> str:
        """The maps' attribution: the boundaries' and IoD's, and the basemap's (or tiles') if there is one."""
        if self.basemap is None:
            return ATTRIBUTION if self.tiles is None else f"{ATTRIBUTION} {self.tiles.attribution}"
        return f"{ATTRIBUTION} Basemap: {self.basemap.attribution.rstrip('.')}."


def map_layers(result, *, priority: pd.Series | None = None) -> MapLayers:
    """Classify the priority score over the whole study area and gather the layers.

    Parameters
    ----------
    result : geo.build.BuildResult
    priority : Series, optional
        The published priority per LSOA row (bands, NaN where withheld: "no data"), used
        instead of the exact scores so that a map's colours say no more than the tables.

    Returns
    -------
    MapLayers

    Examples
    --------
    >>> layers = map_layers(result)          # doctest: +SKIP
    >>> layers.labels[:2]                     # doctest: +SKIP
    ['0.5 – 12.1', '12.1 – 30.2']
    """
    spec = LAYERS["priority"]
    lsoa = result.lsoa if priority is None else result.lsoa.assign(**{spec.column: priority.to_numpy()})
    cls, labels, _ = classify(lsoa[spec.column])
    labels = [re.sub(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", lambda m: _num(float(m.group(0))), lbl) for lbl in labels]
    colours = list(spec.colors[: len(labels)]) if len(labels) < len(spec.colors) else list(spec.colors)
    fill = np.array([colours[c] if c >= 0 else COLOURS["no data"] for c in cls], dtype=object)
    cols = ["lsoa21cd", spec.column] + (["hub_id"] if "hub_id" in lsoa.columns else [])
    areas = gpd.GeoDataFrame(lsoa[cols].assign(fill=fill), geometry=lsoa.geometry.to_numpy(), crs=27700)
    if "hub_id" not in areas.columns:
        areas["hub_id"] = None
    wards = gpd.GeoDataFrame(result.wards[["ward_code", "ward_name"]], geometry=result.wards.geometry.to_numpy(), crs=27700)
    export = result.config.export
    basemap = Basemap.open(export.basemap, export.basemap_attribution) if export.basemap is not None else None
    tiles = PrintTiles(result.config.tiles) if basemap is None and result.config.tiles is not None else None
    return MapLayers(areas, labels, colours, bool((cls < 0).any()), wards, result.catchments(), result.gaps(), result.hubs,
                     basemap, tiles)


def _num(v: float) -> str:
    """A class bound for a legend: whole numbers from 10, one decimal below.

    Examples
    --------
    >>> _num(0.0), _num(0.00643), _num(4.78), _num(38.31)
    ('0', '0.0', '4.8', '38')
    """
    if v == int(v) or abs(v) >= 10:
        return f"{v:.0f}"
    return f"{v:.1f}"


def hub_view(layers: MapLayers, hub_id: str, aspect: float, margin: float = 0.06) -> tuple[float, float, float, float]:
    """Map extent (xmin, xmax, ymin, ymax) around a hub's catchment with the axes' aspect (width / height).

    Falls back to the hub's own location (2 km square) when its catchment is empty.
    """
    sel = layers.lsoa[layers.lsoa["hub_id"] == hub_id]
    if len(sel):
        x0, y0, x1, y1 = sel.total_bounds
    else:
        pt = layers.hubs[layers.hubs["hub_id"] == hub_id].geometry.iloc[0]
        x0, y0, x1, y1 = pt.x - 1000, pt.y - 1000, pt.x + 1000, pt.y + 1000
    w, h = max(x1 - x0, 200.0), max(y1 - y0, 200.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = w * (1 + 2 * margin), h * (1 + 2 * margin)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2


def legend_handles(layers: MapLayers, *, venues: bool = True, gaps: bool = True) -> list:
    """Legend entries: priority classes, outside-catchment, outline, gaps, hub, spoke, venue."""
    h = [Patch(facecolor=c, edgecolor="#666666", linewidth=0.4, label=lbl) for c, lbl in zip(layers.colours, layers.labels)]
    if layers.has_missing:
        h.append(Patch(facecolor=COLOURS["no data"], edgecolor="#666666", linewidth=0.4, label="no data"))
    h.append(Patch(facecolor=COLOURS["outside"], edgecolor="white", label="Other hubs' catchments"))
    h.append(Line2D([], [], color=COLOURS["catchment"], linewidth=2.2, label="This hub's catchment"))
    h.append(Line2D([], [], color=COLOURS["ward"], linewidth=0.7, linestyle=(0, (4, 2)), label="Ward boundary"))
    if gaps:
        for gap in ("beyond reach", "near but not engaged"):
            h.append(Patch(facecolor="white", edgecolor=COLOURS[gap], hatch=GAP_HATCH[gap], linewidth=1.3,
                           linestyle=GAP_LINE[gap], label=GAP_LABEL[gap]))
    h.append(Line2D([], [], marker="s", linestyle="none", markersize=8, markerfacecolor=COLOURS["hub"],
                    markeredgecolor="white", label="Family Hub"))
    h.append(Line2D([], [], marker="o", linestyle="none", markersize=7, markerfacecolor=COLOURS["spoke"],
                    markeredgecolor="white", label="Spoke"))
    if venues:
        h.append(Line2D([], [], marker="o", linestyle="none", markersize=9, markerfacecolor=COLOURS["venue"],
                        markeredgecolor=COLOURS["venue edge"], markeredgewidth=1.4, label="Suggested venue (by rank)"))
    return h


def draw_hub_map(ax, layers: MapLayers, hub_id: str, venues: gpd.GeoDataFrame | None = None, *,
                 fontsize: float = MIN_LABEL_PT, label_wards: bool = True) -> tuple[float, float, float, float]:
    """Draw one hub's catchment map into ``ax`` (no legend); return the extent drawn.

    Parameters
    ----------
    ax : matplotlib Axes
    layers : MapLayers
    hub_id : str
        A hub with ``site_type == "hub"``.
    venues : GeoDataFrame, optional
        Suggested venues (``rank``, points in EPSG:27700), numbered on the map.
    fontsize : float
        Size of every label in points (at the figure's own size).
    label_wards : bool
        Write ward names at their centres (in view, inside the catchment); a name that would
        overlap another label, a marker or the map's edge is dropped.

    Returns
    -------
    tuple
        ``(xmin, xmax, ymin, ymax)`` in metres.
    """
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    aspect = (bbox.width * fig_w) / (bbox.height * fig_h)
    extent = hub_view(layers, hub_id, aspect)
    ax.set_xticks([])
    ax.set_yticks([])
    tol = (extent[1] - extent[0]) / 1500  # about half a printed pixel at 300 dpi on a 5-inch map
    areas, inside = _draw_areas(ax, layers, hub_id, extent, tol)
    wards = in_view(layers.wards, extent)
    if wards is not None and len(wards):
        outline_polygons(ax, wards.geometry.simplify(tol), color=COLOURS["ward"], linewidth=0.5, linestyle=(0, (4, 2)),
                         zorder=4)
    if layers.catchments is not None and len(layers.catchments):
        c = layers.catchments[layers.catchments["hub_id"] == hub_id]
        if len(c):
            outline_polygons(ax, c.geometry.simplify(tol), color=COLOURS["catchment"], linewidth=2.0, zorder=5)
    _draw_sites(ax, in_view(layers.hubs, extent), hub_id, fontsize=fontsize)
    if venues is not None and len(venues):
        _draw_venues(ax, venues, fontsize=fontsize)
    frame_view(ax, extent)
    scale_bar(ax, extent, fontsize=fontsize)
    north_arrow(ax, fontsize=fontsize + 1.5)
    if label_wards and wards is not None and len(wards):
        catchment = areas[inside].geometry.union_all() if inside.any() else None
        label_wards_in_view(ax, wards.assign(ward_name=wards["ward_name"].map(plain)), catchment, extent, fontsize=fontsize)
    return extent


def _draw_areas(ax, layers: MapLayers, hub_id: str, extent, tol: float) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The basemap, the LSOAs in view (the catchment's coloured by class, the rest grey) and the hub's gaps hatched.

    Returns the LSOAs in view and which of them are in the hub's catchment.
    """
    areas = in_view(layers.lsoa, extent)
    inside = (areas["hub_id"] == hub_id).to_numpy()
    geoms = areas.geometry.simplify(tol)
    # over a basemap the areas are translucent so that streets and places show through
    under = (layers.basemap is not None and layers.basemap.draw(ax, extent, width=print_width(ax), zorder=0)) or \
        draw_tiles(ax, layers.tiles, hub_id, extent, width=print_width(ax), zorder=0)
    fill_polygons(ax, geoms[~inside], COLOURS["outside"], edgecolor="white", linewidth=0.3, zorder=1,
                  alpha=0.45 if under else None)
    fill_polygons(ax, geoms[inside], list(areas["fill"][inside]), edgecolor="#7a7a7a", linewidth=0.25, zorder=2,
                  alpha=0.72 if under else None)
    gaps = layers.gaps
    if gaps is not None and len(gaps):
        g = gaps[gaps["hub_id"] == hub_id]
        for gap, part in g.groupby("gap_type"):
            if gap in GAP_HATCH and len(part):
                shapes = part.geometry.simplify(tol)
                fill_polygons(ax, shapes, "none", edgecolor=[HATCH_RGBA], linewidth=0.0, zorder=3, hatch=GAP_HATCH[gap])
                outline_polygons(ax, shapes, color=COLOURS[gap], linewidth=1.3, linestyle=GAP_LINE[gap], zorder=3.5)
    return areas, inside


def _draw_sites(ax, hubs: gpd.GeoDataFrame | None, hub_id: str, *, fontsize: float) -> None:
    """Hubs (squares) and spokes (circles) in view, labelled with their ids (``hub_id`` in bold)."""
    if hubs is None or not len(hubs):
        return
    is_hub = (hubs["site_type"].astype(str) == "hub").to_numpy()
    for sel, marker, size, colour in ((~is_hub, "o", 55, COLOURS["spoke"]), (is_hub, "s", 85, COLOURS["hub"])):
        if sel.any():
            ax.scatter(hubs.geometry.x[sel], hubs.geometry.y[sel], marker=marker, s=size, c=colour,
                       edgecolors="white", linewidths=1.2, zorder=8)
    for hid, geom, hub in zip(hubs["hub_id"], hubs.geometry, is_hub):
        ax.annotate(plain(hid), (geom.x, geom.y), xytext=(5, 5), textcoords="offset points",
                    fontsize=fontsize, fontweight="bold" if hid == hub_id else "normal",
                    color=COLOURS["hub"] if hub else "#2f5f9e", zorder=9, clip_on=True,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.4})


def _draw_venues(ax, venues: gpd.GeoDataFrame, *, fontsize: float) -> None:
    """Suggested venues as dark discs numbered by rank."""
    v = venues.sort_values("rank")
    ax.scatter(v.geometry.x, v.geometry.y, s=150, c=COLOURS["venue"], edgecolors=COLOURS["venue edge"],
               linewidths=1.5, zorder=10)
    for rank, geom in zip(v["rank"], v.geometry):
        ax.text(geom.x, geom.y, f"{int(rank)}", color="white", fontsize=fontsize, fontweight="bold",
                ha="center", va="center", zorder=11)


def hub_map_figure(layers: MapLayers, hub_id: str, venues: gpd.GeoDataFrame | None = None, *, title: str = "",
                   subtitle: str = "", synthetic: bool = False, attribution: str | None = None) -> Figure:
    """A hub map (``maps/<hub_id>.png``, and the map of the hub's page in the pack): map, legend, title, attribution.

    Drawn at :data:`MAP_FIGSIZE`, the size the pack prints it at, with no text under
    :data:`MIN_LABEL_PT` points; the subtitle and the attribution wrap.

    Examples
    --------
    >>> fig = hub_map_figure(layers, "WCC-BES", venues, title="Bessborough Family Hub")   # doctest: +SKIP
    >>> fig.savefig("maps/WCC-BES.png", dpi=300)                                         # doctest: +SKIP
    """
    size = MIN_LABEL_PT
    fig = Figure(figsize=MAP_FIGSIZE)
    width_in, height_in = MAP_FIGSIZE
    chars = int(width_in * 72 / (size * 0.55))  # characters per line of the figure's width
    sub = textwrap.wrap(plain(subtitle), chars)[:2] if subtitle else []
    attrib = textwrap.wrap(attribution_lines(layers.attribution if attribution is None else attribution).replace("\n", " "),
                           chars)
    line = size * 1.35 / 72 / height_in
    top = 1 - (0.33 / height_in + len(sub) * line) - 0.012
    bottom = (len(attrib) + 0.6) * line
    ax = fig.add_axes((0.012, bottom, 0.655, top - bottom))
    draw_hub_map(ax, layers, hub_id, venues, fontsize=size)
    lax = fig.add_axes((0.68, bottom, 0.315, top - bottom))
    lax.axis("off")
    handles = legend_handles(layers, venues=venues is not None and len(venues) > 0)
    for h in handles:
        h.set_label("\n".join(textwrap.wrap(h.get_label(), 19)))
    lax.legend(handles=handles, loc="upper left", title="Priority score (0-100),\nquantile classes of\nthe study area",
               title_fontsize=size, fontsize=size, frameon=False, alignment="left", handlelength=2.0, handleheight=1.2,
               borderaxespad=0, labelspacing=0.45)
    fig.text(0.012, 1 - 0.17 / height_in, plain(title), fontsize=11, fontweight="bold", va="center")
    for i, ln in enumerate(sub):
        fig.text(0.012, 1 - 0.33 / height_in - (i + 0.5) * line, ln, fontsize=size, va="center", color="#333333")
    if synthetic:
        fig.text(0.99, 1 - 0.17 / height_in, " SYNTHETIC DATA ", fontsize=9, fontweight="bold", color="white", ha="right",
                 va="center", bbox={"facecolor": "#c0392b", "edgecolor": "none", "pad": 2})
    fig.text(0.012, (len(attrib) - 0.2) * line, "\n".join(attrib), fontsize=size, va="top", color="#333333",
             linespacing=1.25)
    return fig


def write_hub_pngs(layers: MapLayers, jobs: list[dict], dpi: int = 300) -> list[str]:
    """Render stand-alone hub maps to PNG files (runs in a helper process during an export).

    Parameters
    ----------
    layers : MapLayers
    jobs : list of dict
        ``hub_id, path, title, subtitle, synthetic`` and ``venues`` (GeoDataFrame or None).
    dpi : int

    Returns
    -------
    list of str
        The paths written, in job order.
    """
    written = []
    for job in jobs:
        fig = hub_map_figure(layers, job["hub_id"], job["venues"], title=job["title"], subtitle=job["subtitle"],
                             synthetic=job["synthetic"])
        fig.savefig(job["path"], dpi=dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
        written.append(str(job["path"]))
    return written


def attribution_lines(attribution: str = ATTRIBUTION) -> str:
    """The attribution, one sentence per line.

    Examples
    --------
    >>> attribution_lines("A b. C d.")
    'A b.\\nC d.'
    """
    parts = [p.strip() for p in attribution.replace(". ", ".\n").splitlines() if p.strip()]
    return "\n".join(parts)
