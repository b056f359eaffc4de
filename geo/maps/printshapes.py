"""Shapely geometries onto a print map's matplotlib axes: polygon fills, outlines, the frame and the print width.

What :mod:`geo.maps.printmap` draws a hub map with; nothing here knows about hubs, classes or
colours. Polygons go in as one collection per call (no per-shape redraws, unlike
``GeoSeries.plot``); coordinates are the axes' own (EPSG:27700 on the hub maps).

Examples
--------
>>> from shapely.geometry import box
>>> path = polygon_path(box(0, 0, 2, 2).difference(box(0.5, 0.5, 1.5, 1.5)))
>>> len(path.vertices)        # the exterior and the hole: 5 points each
10
>>> len(polygon_path(box(0, 0, 1, 1).boundary).vertices)   # not a polygon: nothing to fill
0
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_rgba_array
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

__all__ = ["polygon_path", "fill_polygons", "outline_polygons", "in_view", "frame_view", "print_width"]


def polygon_path(geom) -> MplPath:
    """A compound path of a (multi)polygon: exterior and hole rings."""
    rings = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        rings.append(MplPath(np.asarray(poly.exterior.coords)[:, :2], closed=True))
        rings += [MplPath(np.asarray(r.coords)[:, :2], closed=True) for r in poly.interiors]
    return MplPath.make_compound_path(*rings) if rings else MplPath(np.zeros((0, 2)))


def fill_polygons(ax, geoms, facecolor, *, edgecolor="none", linewidth=0.0, zorder=1, hatch=None, alpha=None) -> None:
    """Add polygons as one collection (no per-call redraws, unlike GeoSeries.plot).

    Parameters
    ----------
    ax : matplotlib Axes
    geoms : iterable of shapely geometries
        Polygons and multipolygons; ``None`` and empty ones are skipped.
    facecolor : colour or list of colours
        One colour, or one per non-empty geometry.
    edgecolor, linewidth, zorder, hatch
        As for a matplotlib ``PatchCollection``.
    alpha : float, optional
        Makes the fills translucent and leaves the edges opaque.
    """
    patches = [PathPatch(polygon_path(g)) for g in geoms if g is not None and not g.is_empty]
    if not patches:
        return
    coll = PatchCollection(patches, facecolor=facecolor, edgecolor=edgecolor, linewidth=linewidth, zorder=zorder,
                           match_original=False)
    if alpha is not None:  # translucent fills, opaque edges
        coll.set_facecolor(to_rgba_array(facecolor, alpha=alpha))
    if hatch:
        coll.set_hatch(hatch)
    ax.add_collection(coll)


def outline_polygons(ax, geoms, *, color, linewidth, linestyle="solid", zorder=4) -> None:
    """Draw polygon boundaries as one line collection."""
    segs = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        b = g.boundary
        for line in getattr(b, "geoms", [b]):
            segs.append(np.asarray(line.coords)[:, :2])
    if segs:
        ax.add_collection(LineCollection(segs, colors=color, linewidths=linewidth, linestyles=linestyle, zorder=zorder))


def in_view(gdf: gpd.GeoDataFrame | None, extent) -> gpd.GeoDataFrame | None:
    """The rows of ``gdf`` whose bounds meet ``extent`` (``xmin, xmax, ymin, ymax``); ``None`` or empty as given."""
    if gdf is None or not len(gdf):
        return gdf
    x0, x1, y0, y1 = extent
    return gdf.cx[x0:x1, y0:y1]


def frame_view(ax, extent) -> None:
    """Fix the view to ``extent`` at equal scale, without ticks, in a thin grey frame."""
    x0, x1, y0, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_linewidth(0.6)
        s.set_color("#555555")


def print_width(ax) -> int:
    """Pixels across a map's axes at 300 dpi (capped): a basemap under it is read at print resolution.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> print_width(Figure(figsize=(6.4, 5.3)).add_axes((0.0, 0.0, 0.5, 1.0)))    # 3.2 inches
    960
    """
    bbox = ax.get_position()
    return int(min(3000, max(600, bbox.width * ax.figure.get_size_inches()[0] * 300)))
