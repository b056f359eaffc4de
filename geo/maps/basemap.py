"""A local basemap (GeoTIFF) under the exported maps, read offline with rasterio.

Councils often hold a licensed raster basemap (an OS VectorMap or OpenStreetMap rendering, an
aerial mosaic) as a GeoTIFF. Named in the config, it is drawn under the choropleth of every
hub map (``maps/<hub_id>.png`` and the pack's pages) and as an image layer of the exported
``map.html``; its attribution is added to every map's attribution. Nothing is downloaded.

::

    [export]
    basemap = "basemaps/westminster.tif"           # relative to the config file
    basemap_attribution = "Contains OS data © Crown copyright and database right 2025"

The raster may be in any projected or geographic CRS (it is warped to EPSG:27700 for print
and to EPSG:3857 for the web map); 1 band (grey or with a colour table), 3 bands (RGB) or
4 bands (RGBA); 8-bit, or any other type scaled from its 2nd to 98th percentile. Only the
window around each map is read, at about the map's resolution (overviews are used when the
file has them).

Examples
--------
>>> bm = Basemap.open("basemaps/westminster.tif", "© OS")                  # doctest: +SKIP
>>> rgba, extent = bm.read((525000, 531000, 177000, 182000), width=1200)    # doctest: +SKIP
>>> rgba.shape                                                               # doctest: +SKIP
(1000, 1200, 4)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geo.errors import DataError

__all__ = ["Basemap", "WEB_MAX_PIXELS"]

#: longest side, in pixels, of the basemap image in the exported web map
WEB_MAX_PIXELS = 2048


@dataclass(frozen=True)
class Basemap:
    """A GeoTIFF basemap and its attribution (read lazily: only a path crosses processes).

    Use :meth:`open` to check the file first.
    """

    path: Path
    attribution: str

    @classmethod
    def open(cls, path: str | Path, attribution: str) -> Basemap:
        """Check that ``path`` is a georeferenced raster rasterio can read.

        Raises
        ------
        DataError
            Naming the file: unreadable, not a raster, no coordinate reference system, or a
            band count other than 1, 3 or 4.
        """
        import rasterio
        from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

        path = Path(path)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)  # said below, as an error naming the file
                src = rasterio.open(path)
            with src:
                if src.crs is None:
                    raise DataError(f"{path}: the basemap has no coordinate reference system (a GeoTIFF needs one)")
                if src.count not in (1, 3, 4):
                    raise DataError(f"{path}: the basemap has {src.count} bands; expected 1 (grey or colour table), "
                                    "3 (RGB) or 4 (RGBA)")
                if src.transform.is_identity:
                    raise DataError(f"{path}: the basemap is not georeferenced (no geotransform)")
        except RasterioIOError as exc:
            raise DataError(f"{path}: cannot read the basemap as a raster ({exc})") from None
        return cls(path, attribution)

    def read(self, extent: tuple[float, float, float, float], width: int, crs: int | str = 27700,
             height: int | None = None) -> tuple[np.ndarray, tuple[float, float, float, float]] | None:
        """The basemap warped onto a grid covering ``extent`` in ``crs``.

        Parameters
        ----------
        extent : tuple
            ``(xmin, xmax, ymin, ymax)`` in ``crs`` units.
        width : int
            Pixels across; ``height`` defaults to keep pixels square.
        crs : int or str
            EPSG code or CRS string of the grid.

        Returns
        -------
        (ndarray, tuple) or None
            An ``(height, width, 4)`` uint8 RGBA image (transparent where the basemap has no
            data) and ``extent``; None when the basemap does not reach the extent.
        """
        import rasterio
        from affine import Affine
        from rasterio.crs import CRS
        from rasterio.errors import WindowError
        from rasterio.transform import from_bounds
        from rasterio.warp import Resampling, reproject, transform_bounds
        from rasterio.windows import Window
        from rasterio.windows import from_bounds as window_from_bounds

        x0, x1, y0, y1 = (float(v) for v in extent)
        width = max(1, int(width))
        height = max(1, int(height if height is not None else round(width * (y1 - y0) / (x1 - x0))))
        dst_crs = CRS.from_user_input(f"EPSG:{crs}" if isinstance(crs, int) else crs)
        dst_transform = from_bounds(x0, y0, x1, y1, width, height)
        with rasterio.open(self.path) as src:
            left, bottom, right, top = transform_bounds(dst_crs, src.crs, x0, y0, x1, y1, densify_pts=21)
            whole = Window(0, 0, src.width, src.height)
            exact = window_from_bounds(left, bottom, right, top, transform=src.transform)
            c0, r0 = math.floor(exact.col_off) - 1, math.floor(exact.row_off) - 1  # a pixel more each side
            c1, r1 = math.ceil(exact.col_off + exact.width) + 1, math.ceil(exact.row_off + exact.height) + 1
            try:
                win = Window(c0, r0, c1 - c0, r1 - r0).intersection(whole)
            except WindowError:  # no overlap
                return None
            if win.width < 1 or win.height < 1:
                return None
            # read at about the output resolution (decimated reads use the file's overviews)
            scale = max(1.0, min(win.width / width, win.height / height) / 1.5)
            out_w, out_h = max(1, int(round(win.width / scale))), max(1, int(round(win.height / scale)))
            data = src.read(window=win, out_shape=(src.count, out_h, out_w), resampling=Resampling.bilinear)
            valid = src.dataset_mask(window=win, out_shape=(out_h, out_w), resampling=Resampling.nearest)
            colormap = None
            if src.count == 1:
                try:
                    colormap = src.colormap(1)
                except ValueError:
                    colormap = None
            src_transform = src.window_transform(win) @ Affine.scale(win.width / out_w, win.height / out_h)
            src_crs = src.crs
        rgba = _to_rgba(data, valid, colormap)
        out = np.zeros((4, height, width), dtype=np.uint8)
        for b in range(4):
            reproject(rgba[b], out[b], src_transform=src_transform, src_crs=src_crs, dst_transform=dst_transform,
                      dst_crs=dst_crs, resampling=Resampling.nearest if b == 3 else Resampling.bilinear,
                      src_nodata=None, dst_nodata=0)
        if not out[3].any():
            return None
        return np.moveaxis(out, 0, -1), (x0, x1, y0, y1)

    def draw(self, ax, extent: tuple[float, float, float, float], *, width: int = 1600, zorder: float = 0) -> bool:
        """Draw the basemap under a matplotlib map in EPSG:27700; True if anything was drawn."""
        got = self.read(extent, width)
        if got is None:
            return False
        rgba, (x0, x1, y0, y1) = got
        ax.imshow(rgba, extent=(x0, x1, y0, y1), origin="upper", interpolation="bilinear", zorder=zorder)
        return True

    def web_overlay(self, bounds: tuple[float, float, float, float],
                    max_pixels: int = WEB_MAX_PIXELS) -> tuple[np.ndarray, list[list[float]]] | None:
        """The basemap for a Leaflet image overlay over ``bounds`` = ``(west, south, east, north)`` in degrees.

        Returns an RGBA image on a Web Mercator (EPSG:3857) grid, which Leaflet stretches
        correctly between its corners, and the corners as ``[[south, west], [north, east]]``.
        """
        from pyproj import Transformer

        w, s, e, n = bounds
        to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
        (x0, x1), (y0, y1) = to_merc.transform([w, e], [s, n])
        aspect = (y1 - y0) / (x1 - x0)
        width = max_pixels if aspect <= 1 else max(1, int(max_pixels / aspect))
        got = self.read((x0, x1, y0, y1), width, crs=3857)
        if got is None:
            return None
        return got[0], [[s, w], [n, e]]


def _to_rgba(data: np.ndarray, valid: np.ndarray, colormap: dict | None) -> np.ndarray:
    """Bands ``(count, h, w)`` of any type -> ``(4, h, w)`` uint8 RGBA (alpha 0 where ``valid`` is 0)."""
    count = data.shape[0]
    if count == 1 and colormap:
        lut = np.zeros((256, 4), dtype=np.uint8)
        for k, rgba in colormap.items():
            if 0 <= int(k) < 256:
                lut[int(k)] = rgba
        img = np.moveaxis(lut[np.clip(data[0], 0, 255).astype(np.uint8)], -1, 0)
    else:
        img = _bytes(data)
        if count == 1:
            img = np.concatenate([img, img, img, np.full_like(img, 255)])
        elif count == 3:
            img = np.concatenate([img, np.full_like(img[:1], 255)])
    alpha = np.where(valid > 0, img[3], 0).astype(np.uint8)
    return np.concatenate([img[:3], alpha[None]]).astype(np.uint8)


def _bytes(data: np.ndarray) -> np.ndarray:
    """8-bit bands as they are; any other type scaled from its 2nd to 98th percentile."""
    if data.dtype == np.uint8:
        return data
    finite = data[np.isfinite(data)] if data.dtype.kind == "f" else data.ravel()
    if not finite.size:
        return np.zeros(data.shape, dtype=np.uint8)
    lo, hi = np.percentile(finite, [2, 98])
    scaled = (data.astype(float) - lo) / (hi - lo if hi > lo else 1.0)
    return (np.clip(np.nan_to_num(scaled), 0, 1) * 255).round().astype(np.uint8)
