"""Labels of the printed maps that never collide: a label that would overlap another label, a marker
or the map's edge is dropped, never shrunk (issue 17: at least 8 pt at the printed size).

Examples
--------
>>> from matplotlib.figure import Figure
>>> _renderer(Figure()) is not None
True
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.transforms import Bbox

__all__ = ["label_wards_in_view"]


def _renderer(fig):
    """A renderer to measure text with (an Agg canvas is attached to a bare Figure)."""
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def label_wards_in_view(ax, wards: gpd.GeoDataFrame, catchment, extent, *, fontsize: float) -> int:
    """Ward names at their representative points, for wards in view and inside ``catchment`` (if any).

    ``wards["ward_name"]`` is printed as it is (escape it for matplotlib first). Larger wards are labelled first; a name whose box would overlap a label or marker already on
    the map, or cross the map's edge, is dropped (never shrunk). Returns the number dropped.
    """
    x0, x1, y0, y1 = extent
    renderer = _renderer(ax.figure)
    frame = ax.get_window_extent(renderer)
    taken = [t.get_window_extent(renderer) for t in ax.texts if t.get_visible()]
    for c in ax.collections:
        if isinstance(c, PathCollection):
            taken += _marker_boxes(ax, c, renderer)
    order = wards.assign(_area=wards.geometry.area).sort_values("_area", ascending=False, kind="stable")
    dropped = 0
    for name, geom in zip(order["ward_name"], order.geometry):
        p = geom.representative_point()
        if not (x0 < p.x < x1 and y0 < p.y < y1 and (catchment is None or catchment.contains(p))):
            continue
        t = ax.text(p.x, p.y, name, fontsize=fontsize, color="#222222", ha="center", va="center", zorder=6,
                    clip_on=True, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.65, "pad": 0.3})
        box = t.get_window_extent(renderer)
        inside_frame = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        if not inside_frame or any(box.overlaps(b) for b in taken):
            t.remove()
            dropped += 1
            continue
        taken.append(box)
    return dropped


def _marker_boxes(ax, coll, renderer) -> list:
    """Screen boxes of each marker of a scatter collection (about the marker's size)."""
    pts = ax.transData.transform(coll.get_offsets())
    r = np.sqrt(np.max(coll.get_sizes())) / 72 * ax.figure.dpi / 2 + 1
    return [Bbox.from_extents(x - r, y - r, x + r, y + r) for x, y in pts]
