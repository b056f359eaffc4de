"""Hub catchments, reach and catchment gaps.

- :func:`assign_hubs` gives every demand point (one per LSOA) a catchment hub and the
  travel time to the nearest site (hub or spoke).
- :func:`gap_types` labels areas "beyond reach" or "near but not engaged".
- :func:`catchment_polygons`, :func:`gap_polygons` dissolve LSOAs for maps;
  :func:`hub_summary` gives one row per hub.

Catchments are by **hub**: an LSOA belongs to the nearest site whose ``site_type`` is
``"hub"`` (or to the hub the council names for its ward, see ``hub_areas``). Spokes count
for **reach** (``nearest_site_id``, ``travel_minutes_to_site``, ``within_threshold``) but
do not own catchments. When the sites table has a ``parent_hub_id`` column, an LSOA whose
nearest site is a spoke with a parent belongs to that parent hub instead.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> from geo.config import Travel
>>> demand = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(3000, 0)], crs="EPSG:27700")
>>> hubs = gpd.GeoDataFrame({"hub_id": ["H1", "S1"], "site_type": ["hub", "spoke"]},
...                         geometry=[Point(500, 0), Point(2800, 0)], crs="EPSG:27700")
>>> a = assign_hubs(demand, hubs, Travel())
>>> a[["hub_id", "nearest_site_id", "within_threshold"]].to_dict("list")
{'hub_id': ['H1', 'H1'], 'nearest_site_id': ['H1', 'S1'], 'within_threshold': [True, True]}
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException

from geo.config import Travel
from geo.travel import BNG, Network, as_xy, paired_minutes, travel_minutes, travel_nearest

__all__ = [
    "BEYOND_REACH",
    "NEAR_NOT_ENGAGED",
    "PRIORITY_QUADRANT",
    "assign_hubs",
    "gap_types",
    "catchment_polygons",
    "gap_polygons",
    "hub_summary",
    "dissolve",
]

BEYOND_REACH = "beyond reach"
NEAR_NOT_ENGAGED = "near but not engaged"
PRIORITY_QUADRANT = "high need, low engagement"


def _sites(hubs: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Validated sites in EPSG:27700 and a boolean mask of hub-type sites."""
    if "hub_id" not in hubs.columns:
        raise KeyError("hubs needs a 'hub_id' column")
    if len(hubs) == 0:
        raise ValueError("hubs is empty")
    if hubs["hub_id"].isna().any():
        raise ValueError("hubs has rows without a hub_id")
    if hubs["hub_id"].duplicated().any():
        dup = sorted(hubs.loc[hubs["hub_id"].duplicated(), "hub_id"].astype(str).unique())
        raise ValueError(f"hubs has duplicate hub_id values: {dup}")
    if hubs.crs is not None and not hubs.crs.equals(BNG):
        hubs = hubs.to_crs(BNG)
    if "site_type" in hubs.columns:
        st = hubs["site_type"].astype("str").str.strip().str.lower()
        bad = sorted(set(st) - {"hub", "spoke"})
        if bad:
            raise ValueError(f"hubs.site_type must be 'hub' or 'spoke', found {bad}")
        is_hub = (st == "hub").to_numpy()
    else:
        is_hub = np.ones(len(hubs), dtype=bool)
    if not is_hub.any():
        raise ValueError("hubs has no site with site_type == 'hub'; catchments need at least one hub")
    return hubs, is_hub


def assign_hubs(
    demand: gpd.GeoDataFrame,
    hubs: gpd.GeoDataFrame,
    travel: Travel,
    *,
    hub_areas: pd.DataFrame | None = None,
    ward_col: str = "ward_code",
    mode: str | None = None,
    network: Network | None = None,
) -> pd.DataFrame:
    """Assign every demand point to a catchment hub and measure reach.

    Parameters
    ----------
    demand : GeoDataFrame
        One point per area (e.g. from :func:`geo.travel.demand_points`); polygons are
        replaced by representative points. Needs ``ward_col`` when ``hub_areas`` is given.
    hubs : GeoDataFrame
        Sites: ``hub_id`` (unique), ``site_type`` (``"hub"``/``"spoke"``; all hubs when
        absent), optional ``parent_hub_id`` (for spokes), point geometry.
    travel : geo.config.Travel
        Mode, speeds, threshold and optional network (see :func:`geo.travel.travel_minutes`).
    hub_areas : DataFrame, optional
        The council's own hub areas: columns ``ward_code`` and ``hub_id``. The area's ward
        decides its hub; areas whose ward is missing from the file fall back to the nearest
        hub. ``attrs["n_ward_fallback"]`` counts them and ``attrs["catchment_note"]``
        describes them.
    ward_col : str, default "ward_code"
        Ward column of ``demand``.
    mode : str, optional
        Travel mode, default ``travel.mode``.
    network : Network, optional
        Preloaded street network (overrides ``travel.network``).

    Returns
    -------
    DataFrame
        Indexed like ``demand``:

        - ``hub_id``: catchment hub.
        - ``travel_minutes_to_hub``: minutes to that hub.
        - ``nearest_site_id``, ``travel_minutes_to_site``: nearest site of any type.
        - ``within_threshold``: ``travel_minutes_to_site <= travel.threshold_minutes``.
        - ``catchment_source``: ``"nearest"`` or ``"council_hub_areas"``.

    Raises
    ------
    ValueError
        Bad sites table, duplicate or unknown hubs in ``hub_areas``, or a ward mapped to
        two hubs.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point
    >>> from geo.config import Travel
    >>> demand = gpd.GeoDataFrame({"ward_code": ["W1", "W2"]},
    ...                           geometry=[Point(0, 0), Point(100, 0)], crs="EPSG:27700")
    >>> hubs = gpd.GeoDataFrame({"hub_id": ["A", "B"], "site_type": ["hub", "hub"]},
    ...                         geometry=[Point(0, 10), Point(5000, 0)], crs="EPSG:27700")
    >>> areas = pd.DataFrame({"ward_code": ["W2"], "hub_id": ["B"]})
    >>> a = assign_hubs(demand, hubs, Travel(), hub_areas=areas)
    >>> a[["hub_id", "catchment_source"]].to_dict("list")
    {'hub_id': ['A', 'B'], 'catchment_source': ['nearest', 'council_hub_areas']}
    >>> a.attrs["n_ward_fallback"]
    1
    """
    sites, is_hub = _sites(hubs)
    if demand.crs is not None and not demand.crs.equals(BNG):
        demand = demand.to_crs(BNG)
    dxy = as_xy(demand)
    sxy = as_xy(sites)
    ids = sites["hub_id"].to_numpy()
    hub_pos = np.flatnonzero(is_hub)
    n = len(dxy)
    kw = {"mode": mode, "network": network}

    if n and (travel.network is not None or network is not None):
        # one network matrix serves all three questions
        mat = travel_minutes(dxy, sxy, travel, **kw)
        site_i = np.argmin(mat, axis=1)
        site_min = mat[np.arange(n), site_i].astype(float)
        hub_i = hub_pos[np.argmin(mat[:, hub_pos], axis=1)]
        pair = lambda pos: mat[np.arange(n), pos].astype(float)  # noqa: E731
    elif n:
        site_i, site_min = travel_nearest(dxy, sxy, travel, **kw)
        j, _ = travel_nearest(dxy, sxy[hub_pos], travel, **kw)
        hub_i = hub_pos[j]
        pair = lambda pos: paired_minutes(dxy, sxy[pos], travel, **kw)  # noqa: E731
    else:
        site_i = hub_i = np.empty(0, dtype=np.int64)
        site_min = np.empty(0)
        pair = lambda pos: np.empty(0)  # noqa: E731

    # a spoke's LSOAs belong to its parent hub when the sites table says which it is
    if "parent_hub_id" in sites.columns and n:
        pos_of = pd.Series(np.arange(len(sites)), index=ids)
        parent = sites["parent_hub_id"].to_numpy(dtype=object)
        nearest_parent = parent[site_i]
        use = ~is_hub[site_i] & pd.notna(nearest_parent)
        if use.any():
            unknown = set(nearest_parent[use]) - set(ids[is_hub])
            if unknown:
                raise ValueError(f"hubs.parent_hub_id names sites that are not hubs: {sorted(map(str, unknown))}")
            hub_i = hub_i.copy()
            hub_i[use] = pos_of.loc[nearest_parent[use]].to_numpy()

    source = np.full(n, "nearest", dtype=object)
    note = ""
    n_fallback = 0
    if hub_areas is not None:
        if ward_col not in demand.columns:
            raise KeyError(f"hub_areas given but demand has no {ward_col!r} column")
        if not {"ward_code", "hub_id"} <= set(hub_areas.columns):
            raise KeyError("hub_areas needs columns 'ward_code' and 'hub_id'")
        ha = hub_areas[["ward_code", "hub_id"]].dropna().drop_duplicates()
        clash = ha["ward_code"].duplicated(keep=False)
        if clash.any():
            raise ValueError(f"hub_areas maps ward(s) to more than one hub: {sorted(ha.loc[clash, 'ward_code'].astype(str).unique())}")
        unknown = sorted(set(ha["hub_id"].astype(str)) - set(map(str, ids)))
        if unknown:
            raise ValueError(f"hub_areas names hub_id(s) not in the hubs table: {unknown}")
        pos_of = pd.Series(np.arange(len(sites)), index=pd.Index(ids).astype(str))
        ward_hub = pd.Series(ha["hub_id"].astype(str).to_numpy(), index=ha["ward_code"].astype(str).to_numpy())
        wards = demand[ward_col].astype("str").where(demand[ward_col].notna(), None).to_numpy(dtype=object)
        mapped = pd.Series(wards).map(ward_hub).to_numpy(dtype=object)
        ok = pd.notna(mapped)
        if ok.any():
            hub_i = hub_i.copy()
            hub_i[ok] = pos_of.loc[mapped[ok]].to_numpy()
            source[ok] = "council_hub_areas"
        n_fallback = int((~ok).sum())
        if n_fallback:
            missing_wards = sorted({str(w) for w in wards[~ok] if w is not None})
            note = (
                f"{n_fallback} area(s) were assigned to their nearest hub because their ward is not in "
                f"hub_areas (wards: {', '.join(missing_wards[:20]) or 'missing'}"
                f"{' ...' if len(missing_wards) > 20 else ''})"
            )

    out = pd.DataFrame(
        {
            "hub_id": ids[hub_i] if n else np.empty(0, dtype=ids.dtype),
            "travel_minutes_to_hub": pair(hub_i),
            "nearest_site_id": ids[site_i] if n else np.empty(0, dtype=ids.dtype),
            "travel_minutes_to_site": site_min,
            "within_threshold": np.asarray(site_min) <= travel.threshold_minutes,
            "catchment_source": pd.array(source, dtype="str"),
        },
        index=demand.index,
    )
    out.attrs["n_ward_fallback"] = n_fallback
    out.attrs["catchment_note"] = note
    return out


def gap_types(
    areas: pd.DataFrame,
    *,
    threshold_minutes: float,
    low_engagement_mask: pd.Series | np.ndarray | str,
) -> pd.Series:
    """Label catchment gaps.

    - ``"beyond reach"``: more than ``threshold_minutes`` from every hub and spoke
      (``travel_minutes_to_site``; missing or infinite times count as beyond reach),
      whatever the engagement.
    - ``"near but not engaged"``: within reach and low engagement.
    - ``""`` otherwise.

    Parameters
    ----------
    areas : DataFrame
        Needs ``travel_minutes_to_site`` (as from :func:`assign_hubs`).
    threshold_minutes : float
    low_engagement_mask : boolean Series, array or column name
        True where engagement is low. A Series is aligned on ``areas.index``; missing
        values count as False.

    Returns
    -------
    Series of str named ``gap_type``, indexed like ``areas``.

    Examples
    --------
    >>> areas = pd.DataFrame({"travel_minutes_to_site": [5.0, 20.0, 5.0]})
    >>> gap_types(areas, threshold_minutes=15, low_engagement_mask=[True, True, False]).tolist()
    ['near but not engaged', 'beyond reach', '']
    """
    if "travel_minutes_to_site" not in areas.columns:
        raise KeyError("areas needs a 'travel_minutes_to_site' column (from assign_hubs)")
    if isinstance(low_engagement_mask, str):
        low = areas[low_engagement_mask]
    elif isinstance(low_engagement_mask, pd.Series):
        low = low_engagement_mask.reindex(areas.index)
    else:
        low = np.asarray(low_engagement_mask)
        if low.shape != (len(areas),):
            raise ValueError(f"low_engagement_mask has shape {low.shape}, expected ({len(areas)},)")
        low = pd.Series(low, index=areas.index)
    low = low.astype("boolean").fillna(False).to_numpy(dtype=bool)
    minutes = pd.to_numeric(areas["travel_minutes_to_site"], errors="coerce").to_numpy(dtype=float)
    within = np.isfinite(minutes) & (minutes <= threshold_minutes)
    label = np.where(~within, BEYOND_REACH, np.where(low, NEAR_NOT_ENGAGED, ""))
    return pd.Series(pd.array(label, dtype="str"), index=areas.index, name="gap_type")


def _aligned(lsoa_gdf: gpd.GeoDataFrame, table: pd.DataFrame, name: str) -> gpd.GeoDataFrame:
    if lsoa_gdf.crs is not None and not lsoa_gdf.crs.equals(BNG):
        lsoa_gdf = lsoa_gdf.to_crs(BNG)
    missing = lsoa_gdf.index.difference(table.index)
    if len(missing):
        raise ValueError(
            f"{len(missing)} LSOA(s) have no row in {name} (they are matched on the index): "
            f"{list(missing[:5])}"
        )
    cols = [c for c in table.columns if c != "geometry"]
    return gpd.GeoDataFrame(table.loc[lsoa_gdf.index, cols], geometry=lsoa_gdf.geometry.values,
                            index=lsoa_gdf.index, crs=lsoa_gdf.crs)


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
    agg = {"lsoas": "sum"} | {c: sum_min_count_1 for c in cols[1:]}
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
    within = (df["within_threshold"].astype("boolean").fillna(False).astype(bool)
              if "within_threshold" in df.columns else pd.Series(np.nan, index=df.index))
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
            "under5_within_threshold": (u5.where(within.astype(bool), 0.0) if "within_threshold" in df.columns
                                        else pd.Series(np.nan, index=df.index)).to_numpy(),
            "children_reached": kids.to_numpy(),
            "priority_children": priority.to_numpy(),
            "children_not_reached_high_need": (not_reached.where(high, 0.0) if high is not None
                                               else pd.Series(np.nan, index=df.index)).to_numpy(),
        }
    )
    sums = {c: (lambda s: s.sum(min_count=1)) for c in t.columns if c not in ("hub_id", "lsoas")}
    out = t.groupby("hub_id", sort=True).agg({"lsoas": "sum", **sums}).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = out["under5_within_threshold"] / out["under5"].where(out["under5"] > 0)
    out.insert(out.columns.get_loc("under5_within_threshold") + 1, "share_under5_within_threshold", share)
    out["lsoas"] = out["lsoas"].astype(np.int64)
    return out
