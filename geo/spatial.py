"""Coordinate reference systems and small spatial helpers shared across the package.

Analysis is in British National Grid (:data:`BNG`, EPSG:27700, metres); web maps are in
:data:`WGS84` (EPSG:4326). :func:`dissolve` unions polygons by key (LSOAs into wards,
catchments and gaps) with the attributes aggregated as GeoPandas does.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException

__all__ = ["BNG", "WGS84", "as_xy", "dissolve", "sum_min_count_1"]

#: British National Grid: every analysis layer is in this CRS (metres).
BNG = "EPSG:27700"
#: WGS84 longitude/latitude: web maps and GeoJSON.
WGS84 = "EPSG:4326"


def as_xy(points: Any) -> np.ndarray:
    """Return points as a float64 ``(n, 2)`` array of EPSG:27700 eastings and northings.

    Parameters
    ----------
    points : array-like of shape (n, 2), GeoSeries or GeoDataFrame
        Coordinates in metres, or point geometries. Geometries with a CRS other than
        EPSG:27700 are reprojected; geometries without a CRS are taken as EPSG:27700.
        Non-point geometries are replaced by their ``representative_point()``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> as_xy([[1, 2], [3, 4]])
    array([[1., 2.],
           [3., 4.]])
    """
    if isinstance(points, gpd.GeoSeries | gpd.GeoDataFrame):
        geom = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if geom.crs is not None and not geom.crs.equals(BNG):
            geom = geom.to_crs(BNG)
        if len(geom) == 0:
            return np.empty((0, 2), dtype=float)
        if geom.isna().any() or geom.is_empty.any():
            raise ValueError("points include missing or empty geometries")
        if not (geom.geom_type == "Point").all():
            geom = geom.representative_point()
        return np.column_stack([geom.x.to_numpy(float), geom.y.to_numpy(float)])
    xy = np.asarray(points, dtype=float)
    if xy.ndim == 1 and xy.size == 2:
        xy = xy.reshape(1, 2)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"expected an (n, 2) array of x, y coordinates, got shape {xy.shape}")
    if not np.isfinite(xy).all():
        raise ValueError("coordinates include NaN or infinite values")
    return xy


def _union(geoms: np.ndarray):
    """Union of one group of LSOA polygons: coverage union, or a full union if that fails.

    The coverage union is fast but needs exactly matching shared edges. Boundaries that went
    through WGS84 (the national LSOA file) do not always match: GEOS then either refuses
    ("incorrectly noded") or returns an invalid shape (parts touching along a line, a hole
    outside its shell). Only those groups pay for the full union (7 + 7 of 1,000 national
    catchments; none in the bi-borough or county study areas).
    """
    try:
        merged = shapely.coverage_union_all(geoms)
    except GEOSException:
        return shapely.union_all(geoms)
    return merged if shapely.is_valid(merged) else shapely.union_all(geoms)


def sum_min_count_1(s: pd.Series) -> float:
    """``s.sum(min_count=1)``: the sum skipping missing values, NaN if all are missing."""
    return s.sum(min_count=1)


def _group_sums_min1(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """:func:`sum_min_count_1` of each slice ``values[starts[i]:starts[i + 1]]``, computed as
    pandas does (NaN set to 0, then numpy's pairwise sum), so the results are identical."""
    nan = np.isnan(values)
    filled = np.where(nan, 0.0, values)
    out = np.empty(len(starts) - 1)
    for i, (a, b) in enumerate(zip(starts[:-1].tolist(), starts[1:].tolist())):
        out[i] = filled[a:b].sum() if not nan[a:b].all() else np.nan
    return out


def dissolve(gdf: gpd.GeoDataFrame, by: str | list[str], aggfunc: dict) -> gpd.GeoDataFrame:
    """``gdf.dissolve(by, aggfunc=aggfunc, sort=True, method="coverage").reset_index()``,
    with a full union for any group the coverage union refuses or gets wrong (see :func:`_union`).

    Attributes are aggregated by pandas as :meth:`GeoDataFrame.dissolve` does (columns
    aggregated with :func:`sum_min_count_1` without a Python call per group); each group's
    geometries are unioned in row order. Rows with a missing key are dropped.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"k": ["a", "b", "a"], "n": [1, 2, 3]},
    ...                      geometry=[box(0, 0, 1, 1), box(5, 0, 6, 1), box(1, 0, 2, 1)], crs=27700)
    >>> d = dissolve(g, "k", {"n": "sum"})
    >>> d["k"].tolist(), d["n"].tolist(), d.area.tolist()
    (['a', 'b'], [4, 2], [2.0, 1.0])
    """
    keys = [by] if isinstance(by, str) else list(by)
    geom_col = gdf.geometry.name
    data = gdf.drop(columns=geom_col)
    grouped = data.groupby(keys, sort=True, dropna=True)
    codes = grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64)  # -1 (NaN before): missing key
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    starts = np.searchsorted(codes[order], np.arange(n_groups + 1))
    # sum_min_count_1 on float columns: the same sums without a Python call per group and column
    fast = {c: f for c, f in aggfunc.items() if f is sum_min_count_1 and data[c].dtype == np.float64}
    rest = {c: f for c, f in aggfunc.items() if c not in fast}
    aggregated = grouped.agg(rest) if rest else pd.DataFrame(index=grouped.size().index)
    for c in fast:
        aggregated[c] = _group_sums_min1(data[c].to_numpy()[order], starts)
    aggregated = aggregated[list(aggfunc)]
    aggregated.columns = aggregated.columns.to_flat_index()
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    merged = [_union(geoms[order[a:b]]) for a, b in zip(starts[:-1], starts[1:])]
    out = gpd.GeoDataFrame({geom_col: merged}, geometry=geom_col, index=aggregated.index, crs=gdf.crs)
    return out.join(aggregated).reset_index()
