"""XYZ basemap tiles under the print maps (the config's ``[map]`` tiles, when no GeoTIFF is named).

The tiles covering a map's extent are fetched at the zoom that gives about one tile pixel per
printed pixel (capped by ``max_zoom``), from the configured URL only, each tile once per export
(kept in memory, never on disk). They are stitched in Web Mercator (EPSG:3857), reprojected onto
the map's British National Grid (EPSG:27700) with :func:`rasterio.warp.reproject`, and muted
(blended half-way to white) so the fills over them stay readable. A tile server that fails
leaves the map without tiles, and the map's source line (and the pack's notes) say so.

Examples
--------
>>> tile_zoom(1200.0, 1200, max_zoom=19)     # 1 m per pixel
17
>>> tile_zoom(1200.0, 1200, max_zoom=12)
12
>>> tile_range((-20037508.342789244, 0.0, 0.0, 20037508.342789244), 1)
(0, 0, 0, 0)
"""

from __future__ import annotations

import io
import math
import urllib.request
from dataclasses import dataclass, field

import numpy as np

__all__ = ["PrintTiles", "tile_zoom", "tile_range", "prefetch_hubs", "draw_tiles", "MUTE", "TIMEOUT"]

#: half the Web Mercator world's width, in metres
_HALF = 20037508.342789244
#: share of white blended into the tiles (0: as served, 1: white)
MUTE = 0.5
#: seconds to wait for one tile
TIMEOUT = 10.0
#: more tiles than this for one map is a misconfiguration (the zoom is capped to stay under it)
MAX_TILES = 400


def tile_zoom(metres: float, pixels: int, *, max_zoom: int) -> int:
    """The zoom giving about one tile pixel per printed pixel across ``metres`` (Web Mercator) in ``pixels``."""
    per_pixel = max(metres, 1.0) / max(pixels, 1)
    z = round(math.log2(2 * _HALF / (256 * per_pixel)))  # the nearest zoom to one tile pixel per pixel
    return int(min(max(z, 0), max_zoom))


def tile_range(bounds3857, z: int) -> tuple[int, int, int, int]:
    """Tiles ``(x0, x1, y0, y1)`` (inclusive) covering ``bounds3857`` (west, south, east, north) at zoom ``z``."""
    n = 2 ** z
    w, s, e, nn = bounds3857
    size = 2 * _HALF / n

    def col(v):
        return int(min(max(math.floor((v + _HALF) / size), 0), n - 1))

    def row(v):
        return int(min(max(math.floor((_HALF - v) / size), 0), n - 1))

    return col(w), col(e - 1e-6), row(nn), row(s + 1e-6)


@dataclass
class PrintTiles:
    """The ``[map]`` tiles of one export: settings, the tiles fetched so far, the zoom per hub and any failure.

    Attributes
    ----------
    settings : geo.maps.tiles.TileSettings
    cache : dict
        ``(z, x, y)`` -> RGB array (in memory only).
    zooms : dict
        ``hub_id`` -> zoom chosen for that hub's map.
    failed : str or None
        Why tiles were unavailable (then no tile is drawn or requested again).
    """

    settings: object
    cache: dict = field(default_factory=dict)
    zooms: dict = field(default_factory=dict)
    failed: str | None = None

    @property
    def attribution(self) -> str:
        """The tiles' credit for the map's source line, or the note that they were unavailable."""
        if self.failed:
            return f"Basemap tiles were unavailable ({self.settings.host}), so the map has none."
        return f"Basemap tiles: {self.settings.attribution.rstrip('.')}."

    def fetch(self, bounds3857, z: int) -> bool:
        """Fetch (once) the tiles covering ``bounds3857`` at zoom ``z``; ``False`` (and :attr:`failed` set) on failure."""
        if self.failed:
            return False
        x0, x1, y0, y1 = tile_range(bounds3857, z)
        if (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_TILES:
            self.failed = f"more than {MAX_TILES} tiles at zoom {z}"
            return False
        template = self.settings.tile_url().replace("{s}", "a")
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                if (z, x, y) in self.cache:
                    continue
                url = template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
                try:
                    self.cache[(z, x, y)] = _read_tile(url)
                except Exception as exc:  # any failure of the server or the image: the map has no tiles
                    self.failed = f"{type(exc).__name__}"
                    return False
        return True

    def mosaic(self, bounds3857, z: int):
        """The stitched tiles covering ``bounds3857`` at ``z``: ``(rgb array, west, north, metres per pixel)``."""
        x0, x1, y0, y1 = tile_range(bounds3857, z)
        rows = [np.concatenate([self.cache[(z, x, y)] for x in range(x0, x1 + 1)], axis=1) for y in range(y0, y1 + 1)]
        size = 2 * _HALF / 2 ** z
        return np.concatenate(rows, axis=0), -_HALF + x0 * size, _HALF - y0 * size, size / 256


def _read_tile(url: str) -> np.ndarray:
    """One tile as a 256 x 256 x 3 uint8 array."""
    from PIL import Image

    with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:  # noqa: S310 - the configured http(s) URL only
        data = resp.read()
    img = Image.open(io.BytesIO(data)).convert("RGB")
    if img.size != (256, 256):
        img = img.resize((256, 256))
    return np.asarray(img, dtype=np.uint8)


def _to_3857(extent) -> tuple[float, float, float, float]:
    """An EPSG:27700 extent ``(xmin, xmax, ymin, ymax)`` as Web Mercator bounds (west, south, east, north)."""
    from rasterio.warp import transform_bounds

    x0, x1, y0, y1 = extent
    return transform_bounds("EPSG:27700", "EPSG:3857", x0, y0, x1, y1, densify_pts=21)


def _zoom(tiles: PrintTiles, extent, width: int) -> int:
    w, _, e, _ = _to_3857(extent)
    return tile_zoom(e - w, width, max_zoom=tiles.settings.max_zoom)


def prefetch_hubs(tiles: PrintTiles | None, layers, hub_ids, *, hub_view, width: int = 1260) -> None:
    """Fetch the tiles of each hub's map before the maps are drawn (so a failure is known to the pack's notes).

    Covers the hub's view at any aspect from 0.7 to 1.5 (the map's axes are about square;
    ``hub_view(layers, hub_id, aspect)`` gives the extent, :func:`geo.maps.printmap.hub_view`);
    the zoom is chosen for ``width`` printed pixels across the map.
    """
    if tiles is None:
        return
    for hub_id in hub_ids:
        wide, tall = hub_view(layers, hub_id, 1.5), hub_view(layers, hub_id, 0.7)
        square = hub_view(layers, hub_id, 1.0)
        z = tiles.zooms.setdefault(hub_id, _zoom(tiles, square, width))
        union = (min(wide[0], tall[0]), max(wide[1], tall[1]), min(wide[2], tall[2]), max(wide[3], tall[3]))
        if not tiles.fetch(_to_3857(union), z):
            return


def draw_tiles(ax, tiles: PrintTiles | None, hub_id: str, extent, *, width: int, zorder: float = 0) -> bool:
    """Draw the muted tiles under a hub's map in ``ax`` (EPSG:27700); ``False`` when there are none to draw."""
    if tiles is None or tiles.failed:
        return False
    z = tiles.zooms.get(hub_id) or _zoom(tiles, extent, width)
    bounds = _to_3857(extent)
    if not tiles.fetch(bounds, z):
        return False
    rgb, west, north, res = tiles.mosaic(bounds, z)
    image = _reproject(rgb, west, north, res, extent, width)
    muted = (image.astype(np.float32) * (1 - MUTE) + 255 * MUTE).round().astype(np.uint8)
    x0, x1, y0, y1 = extent
    ax.imshow(muted, extent=(x0, x1, y0, y1), origin="upper", interpolation="bilinear", zorder=zorder)
    return True


def _reproject(rgb: np.ndarray, west: float, north: float, res: float, extent, width: int) -> np.ndarray:
    """Web Mercator pixels onto a ``width``-wide EPSG:27700 grid over ``extent`` (white where nothing falls)."""
    from rasterio.transform import from_bounds, from_origin
    from rasterio.warp import Resampling, reproject

    x0, x1, y0, y1 = extent
    height = max(1, round(width * (y1 - y0) / (x1 - x0)))
    dst = np.full((3, height, width), 255, dtype=np.uint8)
    reproject(np.moveaxis(rgb, 2, 0), dst, src_transform=from_origin(west, north, res, res), src_crs="EPSG:3857",
              dst_transform=from_bounds(x0, y0, x1, y1, width, height), dst_crs="EPSG:27700",
              resampling=Resampling.bilinear, init_dest_nodata=False)
    return np.moveaxis(dst, 0, 2)
