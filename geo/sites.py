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

from geo.catchments import travel_minutes
from geo.errors import DataError
from geo.maps.reproject import to_crs
from geo.safety import neutralise_frame
from models.risk import PRIORITY_QUADRANT
from models.siting import CoverageInstance, MaxCoverage, SetCover, SetCoverResult, SitingResult

__all__ = ["SiteSuggestion", "siting_instance", "suggest_sites", "suggest_sites_per_la", "suggest_sites_per_hub",
           "cover_priority", "write_sites", "PRIORITY_QUADRANT", "SITES_COLUMNS"]

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


class _Context:
    """What every per-area instance of one build result shares, computed once.

    Demand coordinates, the inputs of the weights, venue and hub coordinates, the venues'
    WGS84 positions and the nearest-demand-point tree: :func:`suggest_sites_per_la` solves
    ~300 instances on one build, and these cost more to recompute than the instances do.
    """

    def __init__(self, result, venues: gpd.GeoDataFrame | None = None):
        self.result = result
        lsoa = result.lsoa
        self.dxy = _xy(result.demand)
        self.lsoa_ids = lsoa["lsoa21cd"].to_numpy(dtype=str)
        self.children = lsoa["children_not_reached"].to_numpy(dtype=float)
        self.priority = lsoa["priority_score"].to_numpy(dtype=float)
        if np.isnan(self.priority).all() and "need_score" in lsoa:  # no service extract yet (a new study area): need alone
            self.priority = lsoa["need_score"].to_numpy(dtype=float)
        if venues is None:
            venues = result.venues if result.venues is not None else gpd.GeoDataFrame({"venue_id": [], "name": [], "type": []}, geometry=[], crs=27700)
        self.venues = venues
        self.venue_ids = venues["venue_id"].to_numpy(dtype=str)
        # the venue columns of the suggestion tables, as each table takes them
        self.venue_cols = {c: venues[c].to_numpy() for c in ("venue_id", "name", "type") if c in venues}
        self.venue_cols |= {c: venues[c].fillna("").to_numpy() for c in ("address", "postcode") if c in venues}
        self.vxy = _xy(venues) if len(venues) else np.empty((0, 2))
        self.hxy = _xy(result.hubs) if result.hubs is not None and len(result.hubs) else None
        self.lsoa_hub = lsoa["hub_id"].to_numpy() if "hub_id" in lsoa.columns else None
        self.straight_line = result.config.travel.network is None
        self._tree = None
        self._wgs = None

    def tree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(self.dxy)
        return self._tree

    def latlon(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 latitude and longitude of the venues at positions ``pos``."""
        if self._wgs is None:
            wgs = to_crs(gpd.GeoSeries(self.venues.geometry.array, crs=27700), 4326)  # no new PROJ set-up per app rerun
            self._wgs = (wgs.y.to_numpy(), wgs.x.to_numpy())
        return self._wgs[0][pos], self._wgs[1][pos]


def _instance(ctx: _Context, mask: np.ndarray | None, vpos: np.ndarray, minutes: float, mode: str | None
              ) -> tuple[CoverageInstance, np.ndarray]:
    """The covering instance of the demand in ``mask`` and the venues at positions ``vpos``."""
    travel = ctx.result.config.travel
    sel = slice(None) if mask is None else mask
    children = ctx.children[sel]
    weight = children * ctx.priority[sel] / 100.0
    dxy = ctx.dxy[sel]
    if len(vpos):
        vm = travel_minutes(dxy, ctx.vxy[vpos], travel, mode=mode)
        cov = sp.csc_matrix(np.asarray(vm) <= minutes)
    else:
        cov = sp.csc_matrix((len(dxy), 0), dtype=bool)
    covered = np.zeros(len(dxy), dtype=bool)
    if ctx.hxy is not None:
        hxy = ctx.hxy
        if ctx.straight_line and len(dxy):
            # hubs beyond straight-line reach of the demand's bounding box cannot be within the
            # threshold; 0.1% and 1 m of slack keep the float32 minutes at the edge exactly as before
            hxy = hxy[_near(hxy, dxy, minutes * 1.001, travel, mode, slack_m=1.0)]
        hm = travel_minutes(dxy, hxy, travel, mode=mode)
        covered = (np.asarray(hm) <= minutes).any(axis=1)
    inst = CoverageInstance(ctx.lsoa_ids[sel], np.round(weight, 6), ctx.venue_ids[vpos], cov, covered)
    return inst, children


def _venue_positions(ctx: _Context, venue_types=None) -> np.ndarray:
    """Positions of the candidate venues (of these types), in table order."""
    if venue_types is None:
        return np.arange(len(ctx.venues))
    return np.flatnonzero(ctx.venues["type"].isin(list(venue_types)).to_numpy(dtype=bool))


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
    minutes = float(result.config.travel.threshold_minutes if minutes is None else minutes)
    ctx = _Context(result, venues)
    mask = None if lsoa_mask is None else np.asarray(lsoa_mask, dtype=bool)
    vpos = _venue_positions(ctx, venue_types)
    inst, children = _instance(ctx, mask, vpos, minutes, mode)
    return inst, ctx.venues.iloc[vpos].reset_index(drop=True), children


def _explain(inst: CoverageInstance, chosen: list[str], children: np.ndarray) -> list[np.ndarray]:
    """Demand indices newly covered by each chosen venue, in rank order."""
    cov = inst.coverage.tocsc()
    taken = inst.covered.copy()
    out = []
    for c in chosen:
        rows = cov[:, int(np.flatnonzero(inst.candidate_ids == c)[0])].nonzero()[0]
        new = rows[~taken[rows]]
        taken[new] = True
        out.append(new)
    return out


def _hub_of(ctx: _Context, xy: np.ndarray) -> np.ndarray:
    """Catchment hub of the LSOA whose demand point is nearest to each point."""
    result = ctx.result
    if "hub_id" not in result.lsoa.columns or not len(xy):
        return np.full(len(xy), "", dtype=object)
    _, idx = ctx.tree().query(xy)
    return ctx.lsoa_hub[idx]


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
    pool = venues if venues is not None else result.venues
    unknown = [v for v in (*force_in, *force_out) if pool is None or v not in set(pool["venue_id"])]
    if unknown:
        raise DataError(f"unknown venue id(s) {', '.join(map(repr, unknown))}: not in the venues file (force-in/force-out take venue_id values)")
    ctx = _Context(result, venues)
    mask = None if lsoa_mask is None else np.asarray(lsoa_mask, dtype=bool)
    return _suggest(ctx, mask, _venue_positions(ctx, venue_types), k=k, minutes=minutes, mode=mode,
                    force_in=force_in, force_out=force_out, time_limit=time_limit)


def _suggest(ctx: _Context, mask: np.ndarray | None, vpos: np.ndarray, *, k: int, minutes: float, mode: str | None,
             force_in=(), force_out=(), time_limit: float = 60.0) -> SiteSuggestion:
    """:func:`suggest_sites` on a shared :class:`_Context`: the demand in ``mask``, the venues at ``vpos``."""
    inst, children = _instance(ctx, mask, vpos, minutes, mode)
    candidates = set(inst.candidate_ids)
    force_in = [v for v in force_in if v in candidates]  # venues of other --types are dropped
    force_out = [v for v in force_out if v in candidates]
    res = MaxCoverage(k, force_in=force_in, force_out=force_out, time_limit=time_limit).solve(inst)
    newly = _explain(inst, res.chosen, children)
    pos = vpos[np.array([np.flatnonzero(inst.candidate_ids == c)[0] for c in res.chosen], dtype=np.int64)]
    v = {c: col[pos] for c, col in ctx.venue_cols.items()}
    lat, lon = ctx.latlon(pos)
    table = pd.DataFrame({
        "rank": np.arange(1, len(pos) + 1),
        "venue_id": v["venue_id"],
        "name": v["name"],
        "type": v["type"],
        "hub_id": _hub_of(ctx, ctx.vxy[pos]),
        "lat": np.round(lat, 6),
        "lon": np.round(lon, 6),
        "covered_weight": np.round(np.asarray(res.marginal_weight, dtype=float), 3),
        "covered_children": [float(np.round(children[n].sum(), 1)) for n in newly],
        "covered_lsoas": [len(n) for n in newly],
        "address": v.get("address", ""),
        "postcode": v.get("postcode", ""),
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
    lad_codes, lads = pd.factorize(result.lsoa["lad_code"].to_numpy())
    threshold = float(result.config.travel.threshold_minutes if minutes is None else minutes)
    ctx = _Context(result)  # shared by every LA: coordinates, venue positions, the demand tree
    typed = _venue_positions(ctx, venue_types)
    for i in sorted(range(len(lads)), key=lambda j: lads[j]):
        code = lads[i]
        mask = lad_codes == i
        vpos = typed[_near(ctx.vxy[typed], ctx.dxy[mask], minutes or result.config.travel.threshold_minutes, result.config.travel, mode)]
        s = _suggest(ctx, mask, vpos, k=k, minutes=threshold, mode=mode, time_limit=time_limit)
        tables.append(s.table.assign(la_code=code))
        summaries[code] = s.summary() | {"chosen": list(s.result.chosen)}
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=SITES_COLUMNS + ["la_code"])
    return table[["la_code"] + [c for c in table.columns if c != "la_code"]], summaries


def suggest_sites_per_hub(result, hub_ids, *, k: int = 5, time_limit: float = 60.0, venue_types=None,
                          force_in=(), force_out=()) -> tuple[pd.DataFrame, dict[str, str]]:
    """:func:`suggest_sites` for each hub's catchment separately (up to ``k`` venues per hub).

    For each hub, :func:`suggest_sites` restricted to the hub's catchment LSOAs chooses
    venues that bring the most priority-weighted children not yet reached within the travel
    threshold. Venues that would bring no LSOA within reach are left out, and said so in the
    hub's note.

    Parameters
    ----------
    result : geo.build.BuildResult
    hub_ids : list of str
    k : int
        Venues per hub.
    time_limit : float
        Seconds allowed to each MILP.
    venue_types : sequence of str, optional
        Keep only venues of these types (default: every venue, as the ILT pack).
    force_in, force_out : sequence of str
        Venue ids forced in or out (the app's what-if). A venue forced in is forced into the
        venues of the hub whose catchment it stands in, and kept there even if it brings no
        LSOA within reach (``covered_lsoas`` 0: it takes one of the ``k`` places for nothing).

    Returns
    -------
    (DataFrame, dict)
        The suggested venues (the columns of :func:`suggest_sites` with ``rank`` within the
        hub, ``hub_id`` the catchment's hub, ``solver_status`` and the venue's ``subtype``)
        in hub then rank order, and a note per hub where fewer than ``k`` are suggested.

    Examples
    --------
    >>> sites, notes = suggest_sites_per_hub(result, ["WCC-BES"], k=3)     # doctest: +SKIP
    """
    tables, notes = [], {}
    minutes = result.config.travel.threshold_minutes
    subtypes = {}
    if result.venues is not None and "subtype" in result.venues.columns:
        subtypes = dict(zip(result.venues["venue_id"], result.venues["subtype"].fillna("")))
    forced_hub = _venue_hubs(result, force_in)
    for hub in hub_ids:
        mask = (result.lsoa["hub_id"] == hub).to_numpy() if "hub_id" in result.lsoa.columns else np.zeros(len(result.lsoa), bool)
        if not mask.any():
            notes[hub] = "no LSOA is in this hub's catchment, so no venue is suggested"
            continue
        if result.venues is None or not len(result.venues):
            notes[hub] = "no candidate venues (the config names no venues file)"
            continue
        forced = [v for v in force_in if forced_hub.get(v) == hub]
        s = suggest_sites(result, k=k, lsoa_mask=mask, time_limit=time_limit, venue_types=venue_types,
                          force_in=forced, force_out=force_out)
        t = s.table
        useful = t[(t["covered_lsoas"] > 0) | t["venue_id"].isin(forced)].copy()
        status = "optimal" if s.result.optimal else f"{s.result.status} (gap {s.result.mip_gap:.1%})"
        if len(useful) < k:
            notes[hub] = (f"{len(useful)} of {k} venue(s) suggested: no further venue brings another LSOA of this catchment "
                          f"within {minutes:g} minutes")
        useful["rank"] = np.arange(1, len(useful) + 1)
        useful["hub_id"] = hub
        useful["solver_status"] = status
        useful["subtype"] = useful["venue_id"].map(subtypes).fillna("")
        tables.append(useful)
    if not tables:
        return pd.DataFrame(columns=[*SITES_COLUMNS, "address", "postcode", "lsoa_codes", "solver_status", "subtype"]), notes
    return pd.concat(tables, ignore_index=True), notes


def _venue_hubs(result, venue_ids) -> dict[str, str]:
    """The hub whose catchment each venue stands in (the catchment of the LSOA nearest to it)."""
    if not len(venue_ids) or result.venues is None:
        return {}
    ctx = _Context(result)
    pos = np.flatnonzero(np.isin(ctx.venue_ids, list(venue_ids)))
    return dict(zip(ctx.venue_ids[pos], _hub_of(ctx, ctx.vxy[pos])))


def _near(vxy: np.ndarray, dxy: np.ndarray, minutes: float, travel, mode: str | None, slack_m: float = 0.0) -> np.ndarray:
    """Venues within straight-line reach of an area's bounding box (a cheap pre-filter), as a mask."""
    m = travel.modes[mode or travel.mode]
    reach = minutes / 60 * m.speed_kmh * 1000 / m.detour + slack_m
    x0, y0 = dxy.min(axis=0)
    x1, y1 = dxy.max(axis=0)
    x, y = vxy[:, 0], vxy[:, 1]
    return (x >= x0 - reach) & (x <= x1 + reach) & (y >= y0 - reach) & (y <= y1 + reach)


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
    neutralise_frame(suggestion.table[SITES_COLUMNS]).to_csv(paths["csv"], index=False)
    paths["json"].write_text(json.dumps(suggestion.summary(), indent=2, default=float) + "\n")
    suggestion.instance.to_json(paths["instance"])
    return paths
