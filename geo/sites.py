"""Suggest outreach venues for a study area: the covering problem built from a build result.

Demand is each LSOA's demand point, weighted by its **priority-weighted children not
reached** (``children_not_reached × priority_score / 100``). Candidates are the available
venues; a venue covers an LSOA within the travel threshold. Existing hubs and spokes are
locked in: what they already cover counts zero. :class:`models.siting.MaxCoverage` solves it
exactly (HiGHS), :class:`models.siting.SetCover` gives the fewest venues covering every
priority LSOA.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo.travel import travel_minutes
from models.siting import CoverageInstance, MaxCoverage, SetCover, SetCoverResult, SitingResult

__all__ = ["SiteSuggestion", "siting_instance", "suggest_sites", "suggest_sites_per_la", "cover_priority", "write_sites", "PRIORITY_QUADRANT", "SITES_COLUMNS"]

PRIORITY_QUADRANT = "high need, low engagement"
SITES_COLUMNS = ["rank", "venue_id", "name", "type", "hub_id", "lat", "lon", "covered_weight", "covered_children", "covered_lsoas"]


@dataclass
class SiteSuggestion:
    """Suggested venues with what each newly covers.

    Attributes
    ----------
    table : DataFrame
        One row per chosen venue in rank order: ``rank, venue_id, name, type, hub_id, lat,
        lon, covered_weight, covered_children, covered_lsoas`` (+ ``address, postcode,
        lsoa_codes``).
    result : SitingResult
        The solver's result (objective, optimality, gap, timings).
    instance : CoverageInstance
    minutes : float
        The travel threshold used.
    """

    table: pd.DataFrame
    result: SitingResult
    instance: CoverageInstance
    minutes: float

    def summary(self) -> dict:
        """``objective, optimal, k, minutes, solve_seconds, chosen, status, mip_gap``."""
        r = self.result
        return {
            "objective": r.objective, "optimal": r.optimal, "k": r.k, "minutes": self.minutes,
            "solve_seconds": r.solve_seconds, "chosen": list(r.chosen), "status": r.status,
            "mip_gap": None if not np.isfinite(r.mip_gap) else r.mip_gap,
            "n_demand": self.instance.n_demand, "n_candidates": self.instance.n_candidates,
            "reduction": r.reduction, "notes": r.notes,
        }


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])


def siting_instance(result, *, venue_types=None, minutes: float | None = None, mode: str | None = None,
                    lsoa_mask: np.ndarray | None = None, venues: gpd.GeoDataFrame | None = None) -> tuple[CoverageInstance, gpd.GeoDataFrame, np.ndarray]:
    """Build the covering instance of a build result.

    Parameters
    ----------
    result : geo.build.BuildResult
    venue_types : sequence of str, optional
        Keep only these venue ``type`` values.
    minutes : float, optional
        Travel threshold (default: the config's).
    mode : str, optional
        Travel mode (default: the config's).
    lsoa_mask : array of bool, optional
        Restrict demand to these LSOAs (e.g. one local authority).
    venues : GeoDataFrame, optional
        Candidate venues (default: the build's).

    Returns
    -------
    (CoverageInstance, GeoDataFrame of candidate venues, array of children not reached per demand point)
    """
    travel = result.config.travel
    minutes = float(travel.threshold_minutes if minutes is None else minutes)
    lsoa = result.lsoa
    mask = np.ones(len(lsoa), dtype=bool) if lsoa_mask is None else np.asarray(lsoa_mask, dtype=bool)
    demand = result.demand[mask]
    areas = lsoa[mask]
    if venues is None:
        venues = result.venues if result.venues is not None else gpd.GeoDataFrame({"venue_id": [], "name": [], "type": []}, geometry=[], crs=27700)
    if venue_types is not None:
        venues = venues[venues["type"].isin(list(venue_types))]
    venues = venues.reset_index(drop=True)
    children = areas["children_not_reached"].to_numpy(dtype=float)
    weight = children * areas["priority_score"].to_numpy(dtype=float) / 100.0
    dxy = _xy(demand)
    if len(venues):
        vm = travel_minutes(dxy, _xy(venues), travel, mode=mode)
        cov = sp.csc_matrix(np.asarray(vm) <= minutes)
    else:
        cov = sp.csc_matrix((len(demand), 0), dtype=bool)
    covered = np.zeros(len(demand), dtype=bool)
    if result.hubs is not None and len(result.hubs):
        hm = travel_minutes(dxy, _xy(result.hubs), travel, mode=mode)
        covered = (np.asarray(hm) <= minutes).any(axis=1)
    inst = CoverageInstance(areas["lsoa21cd"].to_numpy(dtype=str), np.round(weight, 6), venues["venue_id"].to_numpy(dtype=str), cov, covered)
    return inst, venues, children


def _explain(inst: CoverageInstance, chosen: list[str], children: np.ndarray) -> list[np.ndarray]:
    """Demand indices newly covered by each chosen venue, in rank order."""
    cov = inst.coverage.tocsc()
    taken = inst.covered.copy()
    out = []
    col = {c: i for i, c in enumerate(inst.candidate_ids)}
    for c in chosen:
        rows = cov[:, col[c]].nonzero()[0]
        new = rows[~taken[rows]]
        taken[new] = True
        out.append(new)
    return out


def _hub_of(points: gpd.GeoDataFrame, result) -> np.ndarray:
    if "hub_id" not in result.lsoa.columns or not len(points):
        return np.full(len(points), "", dtype=object)
    _, idx = cKDTree(_xy(result.demand)).query(_xy(points))
    return result.lsoa["hub_id"].to_numpy()[idx]


def suggest_sites(result, *, k: int = 5, venue_types=None, minutes: float | None = None, mode: str | None = None,
                  force_in=(), force_out=(), lsoa_mask: np.ndarray | None = None, time_limit: float = 60.0,
                  venues: gpd.GeoDataFrame | None = None) -> SiteSuggestion:
    """Choose ``k`` venues maximising priority-weighted children newly covered.

    Parameters
    ----------
    result : geo.build.BuildResult
    k : int
        Venues to choose (including any forced in).
    venue_types, minutes, mode, lsoa_mask, venues
        See :func:`siting_instance` (``venues`` overrides the build's venues).
    force_in, force_out : sequence of str
        Venue ids to force in or out (what-if).
    time_limit : float
        Seconds allowed to the MILP; on time-out the best solution and its gap are reported.

    Returns
    -------
    SiteSuggestion

    Examples
    --------
    >>> s = suggest_sites(result, k=5)               # doctest: +SKIP
    >>> s.table[["rank", "name", "covered_children"]] # doctest: +SKIP
    """
    minutes = float(result.config.travel.threshold_minutes if minutes is None else minutes)
    inst, venues, children = siting_instance(result, venue_types=venue_types, minutes=minutes, mode=mode, lsoa_mask=lsoa_mask, venues=venues)
    force_in = [v for v in force_in if v in set(inst.candidate_ids)]
    force_out = [v for v in force_out if v in set(inst.candidate_ids)]
    res = MaxCoverage(k, force_in=force_in, force_out=force_out, time_limit=time_limit).solve(inst)
    newly = _explain(inst, res.chosen, children)
    v = venues.set_index("venue_id").loc[res.chosen] if res.chosen else venues.iloc[:0].set_index("venue_id")
    v = gpd.GeoDataFrame(v.reset_index(), geometry="geometry", crs=27700)
    wgs = v.to_crs(4326)
    table = pd.DataFrame({
        "rank": np.arange(1, len(v) + 1),
        "venue_id": v["venue_id"].to_numpy(),
        "name": v["name"].to_numpy(),
        "type": v["type"].to_numpy(),
        "hub_id": _hub_of(v, result),
        "lat": np.round(wgs.geometry.y.to_numpy(), 6),
        "lon": np.round(wgs.geometry.x.to_numpy(), 6),
        "covered_weight": np.round(np.asarray(res.marginal_weight, dtype=float), 3),
        "covered_children": [float(np.round(children[n].sum(), 1)) for n in newly],
        "covered_lsoas": [len(n) for n in newly],
        "address": v["address"].fillna("").to_numpy() if "address" in v else "",
        "postcode": v["postcode"].fillna("").to_numpy() if "postcode" in v else "",
        "lsoa_codes": [";".join(inst.demand_ids[n]) for n in newly],
    })
    return SiteSuggestion(table, res, inst, minutes)


def suggest_sites_per_la(result, *, k: int = 5, venue_types=None, minutes: float | None = None, mode: str | None = None,
                         time_limit: float = 60.0) -> tuple[pd.DataFrame, dict[str, dict]]:
    """:func:`suggest_sites` for each local authority separately (its LSOAs, every venue).

    Returns
    -------
    (DataFrame, dict)
        All suggested venues with an ``la_code`` column, and each LA's solver summary.
    """
    tables, summaries = [], {}
    lad = result.lsoa["lad_code"].to_numpy()
    venues = result.venues
    for code in sorted(pd.unique(lad)):
        mask = lad == code
        s = suggest_sites(result, k=k, venue_types=venue_types, minutes=minutes, mode=mode, lsoa_mask=mask, time_limit=time_limit,
                          venues=None if venues is None else _near(venues, result.demand[mask], minutes or result.config.travel.threshold_minutes, result.config.travel, mode))
        tables.append(s.table.assign(la_code=code))
        summaries[code] = s.summary() | {"chosen": list(s.result.chosen)}
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=SITES_COLUMNS + ["la_code"])
    return table[["la_code"] + [c for c in table.columns if c != "la_code"]], summaries


def _near(venues: gpd.GeoDataFrame, demand: gpd.GeoDataFrame, minutes: float, travel, mode: str | None) -> gpd.GeoDataFrame:
    """Venues within straight-line reach of an area's bounding box (a cheap pre-filter)."""
    m = travel.modes[mode or travel.mode]
    reach = minutes / 60 * m.speed_kmh * 1000 / m.detour
    x0, y0, x1, y1 = demand.total_bounds
    x, y = venues.geometry.x.to_numpy(), venues.geometry.y.to_numpy()
    keep = (x >= x0 - reach) & (x <= x1 + reach) & (y >= y0 - reach) & (y <= y1 + reach)
    return venues[keep]


def cover_priority(result, *, venue_types=None, minutes: float | None = None, mode: str | None = None,
                   force_in=(), force_out=(), time_limit: float = 60.0) -> tuple[SetCoverResult, CoverageInstance]:
    """Fewest venues covering every priority LSOA (high need, low engagement) not already covered.

    LSOAs no venue can reach are reported in ``result.uncoverable`` rather than failing.
    """
    inst, _, _ = siting_instance(result, venue_types=venue_types, minutes=minutes, mode=mode)
    target = (result.lsoa["quadrant"] == PRIORITY_QUADRANT).to_numpy()
    res = SetCover(target, force_in=force_in, force_out=force_out, time_limit=time_limit).solve(inst)
    return res, inst


def write_sites(suggestion: SiteSuggestion, out_dir: Path) -> dict[str, Path]:
    """Write ``sites.csv``, ``sites.json`` and ``sites_instance.json`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out_dir / "sites.csv", "json": out_dir / "sites.json", "instance": out_dir / "sites_instance.json"}
    suggestion.table[SITES_COLUMNS + ["address", "postcode"]].to_csv(paths["csv"], index=False)
    paths["json"].write_text(json.dumps(suggestion.summary(), indent=2, default=float) + "\n")
    suggestion.instance.to_json(paths["instance"])
    return paths
