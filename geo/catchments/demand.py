"""One demand point per LSOA: the postcode-weighted centre of its population, else a point inside it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.spatial import BNG

__all__ = ["demand_points"]


def _find_col(df: pd.DataFrame, name: str) -> str:
    """``name`` if present, else the one column equal to it ignoring case."""
    if name in df.columns:
        return name
    hits = [c for c in df.columns if isinstance(c, str) and c.lower() == name.lower()]
    if len(hits) == 1:
        return hits[0]
    raise KeyError(f"column {name!r} not found (columns: {list(df.columns)})")


def demand_points(
    lsoa: gpd.GeoDataFrame,
    postcodes: pd.DataFrame | None,
    *,
    code_col: str = "lsoa21cd",
    x_col: str = "easting",
    y_col: str = "northing",
) -> gpd.GeoDataFrame:
    """One demand point per LSOA: the mean of its postcode centroids.

    The mean of the postcode-unit centroids inside an LSOA stands in for the ONS
    population-weighted centroid (each postcode unit counts once; Code-Point Open has no
    household counts). A postcode on the boundary of two LSOAs counts for the first of them
    in ``lsoa`` order. LSOAs with no postcode get ``representative_point()`` (a point
    guaranteed to lie inside the polygon). When the postcode mean falls outside its LSOA
    (concave or multi-part shapes), the point is moved to the LSOA's postcode centroid
    nearest to that mean (ties: the first postcode in ``postcodes`` order); the source is
    still ``"postcode_mean"`` and ``demand_point_snapped`` is True.

    Parameters
    ----------
    lsoa : GeoDataFrame
        LSOA polygons with a CRS (reprojected to EPSG:27700 if needed).
    postcodes : DataFrame or None
        Postcode centroids with ``x_col`` / ``y_col`` in EPSG:27700 metres, or a
        GeoDataFrame of points. Rows with missing coordinates are ignored. ``None`` or an
        empty frame gives representative points everywhere.
    code_col : str, default "lsoa21cd"
        LSOA code column (matched ignoring case, so ``LSOA21CD`` is found).
    x_col, y_col : str
        Coordinate columns of ``postcodes``.

    Returns
    -------
    GeoDataFrame
        Indexed like ``lsoa``, EPSG:27700, with columns ``<code_col>``, ``n_postcodes``
        (int), ``demand_point_source`` (``"postcode_mean"`` or ``"representative_point"``),
        ``demand_point_snapped`` (bool) and point ``geometry``.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> lsoa = gpd.GeoDataFrame({"lsoa21cd": ["A", "B"]},
    ...                         geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
    ...                         crs="EPSG:27700")
    >>> pc = pd.DataFrame({"easting": [10, 30], "northing": [10, 50]})
    >>> pts = demand_points(lsoa, pc)
    >>> pts[["n_postcodes", "demand_point_source"]].to_dict("list")
    {'n_postcodes': [2, 0], 'demand_point_source': ['postcode_mean', 'representative_point']}
    >>> pts.geometry.iloc[0].wkt
    'POINT (20 30)'
    """
    if lsoa.crs is None:
        raise ValueError("lsoa has no CRS; set it (EPSG:27700 for British National Grid)")
    gdf = lsoa if lsoa.crs.equals(BNG) else lsoa.to_crs(BNG)
    col = _find_col(gdf, code_col)
    n = len(gdf)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    if n and (pd.isna(geoms).any() or shapely.is_empty(geoms).any()):
        raise ValueError("lsoa has missing or empty geometries")

    pc_xy = _postcode_xy(postcodes, x_col, y_col)
    counts = np.zeros(n, dtype=np.int64)
    px = np.full(n, np.nan)
    py = np.full(n, np.nan)
    snapped = np.zeros(n, dtype=bool)

    if len(pc_xy) and n:
        pts = shapely.points(pc_xy)
        pc_i, poly_i = gdf.sindex.query(pts, predicate="intersects")
        # a postcode on a shared boundary counts once: for the first LSOA in row order
        order = np.lexsort((poly_i, pc_i))
        pc_i, poly_i = pc_i[order], poly_i[order]
        first = np.ones(len(pc_i), dtype=bool)
        first[1:] = pc_i[1:] != pc_i[:-1]
        pc_i, poly_i = pc_i[first], poly_i[first]

        counts = np.bincount(poly_i, minlength=n)
        has = counts > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            px = np.bincount(poly_i, weights=pc_xy[pc_i, 0], minlength=n) / counts
            py = np.bincount(poly_i, weights=pc_xy[pc_i, 1], minlength=n) / counts
        outside = np.zeros(n, dtype=bool)
        outside[has] = ~shapely.intersects_xy(geoms[has], px[has], py[has])
        if outside.any():
            sel = outside[poly_i]
            sp, sc = poly_i[sel], pc_i[sel]
            d2 = (pc_xy[sc, 0] - px[sp]) ** 2 + (pc_xy[sc, 1] - py[sp]) ** 2
            o = np.lexsort((sc, d2, sp))
            sp, sc = sp[o], sc[o]
            _, firsts = np.unique(sp, return_index=True)
            px[sp[firsts]] = pc_xy[sc[firsts], 0]
            py[sp[firsts]] = pc_xy[sc[firsts], 1]
            snapped[sp[firsts]] = True

    has = counts > 0
    if (~has).any():
        rep = shapely.point_on_surface(geoms[~has])
        px[~has] = shapely.get_x(rep)
        py[~has] = shapely.get_y(rep)

    source = np.where(has, "postcode_mean", "representative_point")
    return gpd.GeoDataFrame(
        {
            col: gdf[col].to_numpy(),
            "n_postcodes": counts.astype(np.int64),
            "demand_point_source": pd.array(source, dtype="str") if n else pd.array([], dtype="str"),
            "demand_point_snapped": snapped,
        },
        geometry=shapely.points(px, py) if n else [],
        index=gdf.index,
        crs=BNG,
    )


def _postcode_xy(postcodes: pd.DataFrame | None, x_col: str, y_col: str) -> np.ndarray:
    if postcodes is None or len(postcodes) == 0:
        return np.empty((0, 2), dtype=float)
    if isinstance(postcodes, gpd.GeoDataFrame) and not {x_col, y_col} <= set(postcodes.columns):
        geom = postcodes.geometry
        if geom.crs is not None and not geom.crs.equals(BNG):
            geom = geom.to_crs(BNG)
        geom = geom[geom.notna() & ~geom.is_empty]
        return np.column_stack([geom.x.to_numpy(float), geom.y.to_numpy(float)])
    xc, yc = _find_col(postcodes, x_col), _find_col(postcodes, y_col)
    xy = np.column_stack(
        [
            pd.to_numeric(postcodes[xc], errors="coerce").to_numpy(float),
            pd.to_numeric(postcodes[yc], errors="coerce").to_numpy(float),
        ]
    )
    return xy[np.isfinite(xy).all(axis=1)]
