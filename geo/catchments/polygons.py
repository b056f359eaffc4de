"""LSOAs dissolved into catchment and gap polygons for maps, and the per-hub summary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.spatial import BNG, dissolve, sum_min_count_1
from models.risk import PRIORITY_QUADRANT

__all__ = ["catchment_polygons", "gap_polygons", "hub_summary"]


def _aligned(lsoa_gdf: gpd.GeoDataFrame, table: pd.DataFrame, name: str) -> gpd.GeoDataFrame:
    if lsoa_gdf.crs is not None and not lsoa_gdf.crs.equals(BNG):
        lsoa_gdf = lsoa_gdf.to_crs(BNG)
    missing = lsoa_gdf.index.difference(table.index)
    if len(missing):
        raise ValueError(
            f"{len(missing)} LSOA(s) have no row in {name} (they are matched on the index): {list(missing[:5])}"
        )
    cols = [c for c in table.columns if c != "geometry"]
    return gpd.GeoDataFrame(
        table.loc[lsoa_gdf.index, cols], geometry=lsoa_gdf.geometry.values, index=lsoa_gdf.index, crs=lsoa_gdf.crs
    )


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index)
    return pd.to_numeric(df[col], errors="coerce")


def _high_need(df: pd.DataFrame) -> pd.Series | None:
    if "high_need" in df.columns:
        return df["high_need"].astype("boolean").fillna(False).astype(bool)
    if "quadrant" in df.columns:
        return df["quadrant"].astype("str").str.strip().str.lower().str.startswith("high need")
    return None


def catchment_polygons(lsoa_gdf: gpd.GeoDataFrame, assignment: pd.DataFrame) -> gpd.GeoDataFrame:
    """Dissolve LSOAs into one (multi)polygon per catchment hub.

    Parameters
    ----------
    lsoa_gdf : GeoDataFrame
        LSOA polygons.
    assignment : DataFrame
        Output of :func:`assign_hubs` (or any frame with ``hub_id``), indexed like
        ``lsoa_gdf``; every LSOA must have a row.

    Returns
    -------
    GeoDataFrame
        One row per hub, sorted by ``hub_id``: ``hub_id``, ``lsoas`` (count),
        ``under5`` (sum of ``under5_est`` if present), ``geometry``; EPSG:27700.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> lsoa = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
    ...                         crs="EPSG:27700")
    >>> poly = catchment_polygons(lsoa, pd.DataFrame({"hub_id": ["A", "A", "B"]}))
    >>> poly[["hub_id", "lsoas"]].to_dict("list"), poly.area.tolist()
    ({'hub_id': ['A', 'B'], 'lsoas': [2, 1]}, [2.0, 1.0])
    """
    g = _aligned(lsoa_gdf, assignment, "assignment")
    if "hub_id" not in g.columns:
        raise KeyError("assignment needs a 'hub_id' column")
    g["lsoas"] = 1
    agg = {"lsoas": "sum"}
    if "under5_est" in g.columns:
        g["under5"] = _num(g, "under5_est")
        agg["under5"] = "sum"
    return dissolve(g[["hub_id", *agg, "geometry"]], "hub_id", agg)


def gap_polygons(
    lsoa_gdf: gpd.GeoDataFrame,
    areas: pd.DataFrame,
    *,
    include_no_gap: bool = False,
) -> gpd.GeoDataFrame:
    """Dissolve LSOAs by ``(hub_id, gap_type)`` with child counts.

    Parameters
    ----------
    lsoa_gdf : GeoDataFrame
        LSOA polygons.
    areas : DataFrame
        Indexed like ``lsoa_gdf`` with ``hub_id`` and ``gap_type`` (see :func:`gap_types`);
        optional ``under5_est`` and ``hub_children``.
    include_no_gap : bool, default False
        Keep the areas without a gap (``gap_type == ""``).

    Returns
    -------
    GeoDataFrame
        ``hub_id``, ``gap_type``, ``lsoas``, ``under5`` (sum of ``under5_est``),
        ``children_reached`` (sum of ``hub_children``), ``children_not_reached`` (sum over
        areas of ``max(under5_est - hub_children, 0)``), ``geometry``. Sums skip missing
        values; columns whose source column is absent are all NaN.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> lsoa = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:27700")
    >>> areas = pd.DataFrame({"hub_id": ["A", "A"], "gap_type": ["beyond reach", "beyond reach"],
    ...                       "under5_est": [10.0, 20.0], "hub_children": [4.0, 25.0]})
    >>> g = gap_polygons(lsoa, areas)
    >>> g[["gap_type", "lsoas", "under5", "children_reached", "children_not_reached"]].to_dict("records")
    [{'gap_type': 'beyond reach', 'lsoas': 2, 'under5': 30.0, 'children_reached': 29.0, 'children_not_reached': 6.0}]
    """
    g = _aligned(lsoa_gdf, areas, "areas")
    for col in ("hub_id", "gap_type"):
        if col not in g.columns:
            raise KeyError(f"areas needs a {col!r} column")
    g["gap_type"] = g["gap_type"].fillna("").astype("str")
    if not include_no_gap:
        g = g[g["gap_type"] != ""]
    u5, kids = _num(g, "under5_est"), _num(g, "hub_children")
    g = g.assign(
        lsoas=1,
        under5=u5,
        children_reached=kids,
        children_not_reached=(u5 - kids.fillna(0)).clip(lower=0),
    )
    cols = ["lsoas", "under5", "children_reached", "children_not_reached"]
    agg = {"lsoas": "sum"} | dict.fromkeys(cols[1:], sum_min_count_1)
    out = dissolve(g[["hub_id", "gap_type", *cols, "geometry"]], ["hub_id", "gap_type"], agg)
    out["lsoas"] = out["lsoas"].astype(np.int64)
    return out[["hub_id", "gap_type", *cols, "geometry"]]


def hub_summary(areas: pd.DataFrame) -> pd.DataFrame:
    """One row per catchment hub.

    Parameters
    ----------
    areas : DataFrame
        One row per LSOA with ``hub_id`` and ``within_threshold`` (from
        :func:`assign_hubs`) and optionally ``under5_est``, ``hub_children`` (children seen
        at the hub) and ``quadrant`` (or a boolean ``high_need``).

    Returns
    -------
    DataFrame
        Sorted by ``hub_id`` with columns:

        - ``hub_id``, ``lsoas``
        - ``under5``: sum of ``under5_est``
        - ``under5_within_threshold`` and ``share_under5_within_threshold``: under-5s
          living within the travel threshold of a hub or spoke, and their share of ``under5``
        - ``children_reached``: sum of ``hub_children``
        - ``priority_children``: under-5s in "high need, low engagement" areas
        - ``children_not_reached_high_need``: sum over high-need areas (quadrant starting
          "high need", or ``high_need`` True) of ``max(under5_est - hub_children, 0)``

        Columns whose inputs are absent are NaN; missing values are skipped in sums.

    Examples
    --------
    >>> areas = pd.DataFrame({"hub_id": ["A", "A", "B"], "within_threshold": [True, False, True],
    ...                       "under5_est": [10.0, 30.0, 5.0], "hub_children": [2.0, 1.0, 5.0],
    ...                       "quadrant": ["high need, low engagement", "low need, high engagement",
    ...                                    "high need, high engagement"]})
    >>> s = hub_summary(areas)
    >>> s[["hub_id", "under5", "share_under5_within_threshold", "priority_children",
    ...    "children_not_reached_high_need"]].values.tolist()
    [['A', 40.0, 0.25, 10.0, 8.0], ['B', 5.0, 1.0, 0.0, 0.0]]
    """
    if "hub_id" not in areas.columns:
        raise KeyError("areas needs a 'hub_id' column")
    df = areas
    u5 = _num(df, "under5_est")
    kids = _num(df, "hub_children")
    within = (
        df["within_threshold"].astype("boolean").fillna(False).astype(bool)
        if "within_threshold" in df.columns
        else pd.Series(np.nan, index=df.index)
    )
    high = _high_need(df)
    if "quadrant" in df.columns:
        prio = df["quadrant"].astype("str").str.strip().str.lower() == PRIORITY_QUADRANT
        priority = u5.where(prio, 0.0)
    else:
        priority = pd.Series(np.nan, index=df.index)
    not_reached = (u5 - kids.fillna(0)).clip(lower=0)
    t = pd.DataFrame(
        {
            "hub_id": df["hub_id"].to_numpy(),
            "lsoas": 1,
            "under5": u5.to_numpy(),
            "under5_within_threshold": (
                u5.where(within.astype(bool), 0.0)
                if "within_threshold" in df.columns
                else pd.Series(np.nan, index=df.index)
            ).to_numpy(),
            "children_reached": kids.to_numpy(),
            "priority_children": priority.to_numpy(),
            "children_not_reached_high_need": (
                not_reached.where(high, 0.0) if high is not None else pd.Series(np.nan, index=df.index)
            ).to_numpy(),
        }
    )
    sums = {c: (lambda s: s.sum(min_count=1)) for c in t.columns if c not in ("hub_id", "lsoas")}
    out = t.groupby("hub_id", sort=True).agg({"lsoas": "sum", **sums}).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = out["under5_within_threshold"] / out["under5"].where(out["under5"] > 0)
    out.insert(out.columns.get_loc("under5_within_threshold") + 1, "share_under5_within_threshold", share)
    out["lsoas"] = out["lsoas"].astype(np.int64)
    return out
