"""Every demand point's catchment hub and the travel time to its nearest site."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.catchments.network import Network
from geo.catchments.travel import paired_minutes, travel_minutes, travel_nearest
from geo.config import Travel
from geo.spatial import BNG, as_xy

__all__ = ["assign_hubs"]


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
        One point per area (e.g. from :func:`geo.catchments.demand_points`); polygons are
        replaced by representative points. Needs ``ward_col`` when ``hub_areas`` is given.
    hubs : GeoDataFrame
        Sites: ``hub_id`` (unique), ``site_type`` (``"hub"``/``"spoke"``; all hubs when
        absent), optional ``parent_hub_id`` (for spokes), point geometry.
    travel : geo.config.Travel
        Mode, speeds, threshold and optional network (see :func:`geo.catchments.travel_minutes`).
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
    ids = sites["hub_id"].to_numpy()
    n = len(demand)
    site_i, site_min, hub_i, pair = _nearest(
        as_xy(demand), as_xy(sites), np.flatnonzero(is_hub), travel, mode=mode, network=network
    )
    if "parent_hub_id" in sites.columns and n:
        hub_i = _parent_hubs(sites, is_hub, site_i, hub_i)
    source = np.full(n, "nearest", dtype=object)
    note = ""
    n_fallback = 0
    if hub_areas is not None:
        hub_i, n_fallback, note = _council_hub_areas(demand, ids, hub_i, source, hub_areas, ward_col)
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


def _nearest(
    dxy: np.ndarray, sxy: np.ndarray, hub_pos: np.ndarray, travel: Travel, *, mode: str | None, network: Network | None
):
    """Nearest site and nearest hub of every demand point, with a function giving the minutes to given sites.

    Returns ``(site_i, site_min, hub_i, pair)``: site positions, minutes to them, hub positions,
    and ``pair(pos)``, the minutes from each demand point to the site at ``pos[i]``.
    """
    n = len(dxy)
    kw = {"mode": mode, "network": network}
    if n and (travel.network is not None or network is not None):
        # one network matrix serves all three questions
        mat = travel_minutes(dxy, sxy, travel, **kw)
        site_i = np.argmin(mat, axis=1)
        site_min = mat[np.arange(n), site_i].astype(float)
        hub_i = hub_pos[np.argmin(mat[:, hub_pos], axis=1)]
        return site_i, site_min, hub_i, lambda pos: mat[np.arange(n), pos].astype(float)
    if n:
        site_i, site_min = travel_nearest(dxy, sxy, travel, **kw)
        j, _ = travel_nearest(dxy, sxy[hub_pos], travel, **kw)
        return site_i, site_min, hub_pos[j], lambda pos: paired_minutes(dxy, sxy[pos], travel, **kw)
    empty = np.empty(0, dtype=np.int64)
    return empty, np.empty(0), empty, lambda pos: np.empty(0)


def _parent_hubs(sites: gpd.GeoDataFrame, is_hub: np.ndarray, site_i: np.ndarray, hub_i: np.ndarray) -> np.ndarray:
    """A spoke's LSOAs belong to its parent hub when the sites table says which it is."""
    ids = sites["hub_id"].to_numpy()
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
    return hub_i


def _council_hub_areas(
    demand: gpd.GeoDataFrame,
    ids: np.ndarray,
    hub_i: np.ndarray,
    source: np.ndarray,
    hub_areas: pd.DataFrame,
    ward_col: str,
) -> tuple[np.ndarray, int, str]:
    """The council's ward -> hub table decides the hub of every area whose ward it names.

    Marks those areas ``"council_hub_areas"`` in ``source`` (in place); returns the hub
    positions, the number of areas that fell back to their nearest hub and a note naming them.
    """
    if ward_col not in demand.columns:
        raise KeyError(f"hub_areas given but demand has no {ward_col!r} column")
    if not {"ward_code", "hub_id"} <= set(hub_areas.columns):
        raise KeyError("hub_areas needs columns 'ward_code' and 'hub_id'")
    ha = hub_areas[["ward_code", "hub_id"]].dropna().drop_duplicates()
    clash = ha["ward_code"].duplicated(keep=False)
    if clash.any():
        raise ValueError(
            f"hub_areas maps ward(s) to more than one hub: {sorted(ha.loc[clash, 'ward_code'].astype(str).unique())}"
        )
    unknown = sorted(set(ha["hub_id"].astype(str)) - set(map(str, ids)))
    if unknown:
        raise ValueError(f"hub_areas names hub_id(s) not in the hubs table: {unknown}")
    pos_of = pd.Series(np.arange(len(ids)), index=pd.Index(ids).astype(str))
    ward_hub = pd.Series(ha["hub_id"].astype(str).to_numpy(), index=ha["ward_code"].astype(str).to_numpy())
    wards = demand[ward_col].astype("str").where(demand[ward_col].notna(), None).to_numpy(dtype=object)
    mapped = pd.Series(wards).map(ward_hub).to_numpy(dtype=object)
    ok = pd.notna(mapped)
    if ok.any():
        hub_i = hub_i.copy()
        hub_i[ok] = pos_of.loc[mapped[ok]].to_numpy()
        source[ok] = "council_hub_areas"
    n_fallback = int((~ok).sum())
    note = ""
    if n_fallback:
        missing_wards = sorted({str(w) for w in wards[~ok] if w is not None})
        note = (
            f"{n_fallback} area(s) were assigned to their nearest hub because their ward is not in "
            f"hub_areas (wards: {', '.join(missing_wards[:20]) or 'missing'}"
            f"{' ...' if len(missing_wards) > 20 else ''})"
        )
    return hub_i, n_fallback, note
