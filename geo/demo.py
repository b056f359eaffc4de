"""Seeded generator of SYNTHETIC demo extracts keyed on real LSOA codes.

No real child is counted in anything this module writes. The pattern follows the
councils' own Best Start in Life plans: take-up of the 2-2½ year review varies sharply
from ward to ward and between hub areas (Westminster: about two-thirds in the north-west
hub area, under half in the north-east), hub attendance falls with distance from a hub,
and some high-need wards have low attendance. The LSOAs planted as high need and low
engagement are recorded in ``planted.csv`` so the model can be tested against them. Eight
quarters are written: the latest year as above, and the year before with planted trends and a
planted outreach effect (:mod:`geo.demo_history`, recorded in ``planted_changes.csv``).

Hub sites come from the config's ``[demo]`` table: explicit ``hubs`` (lat/lon), or
``hub_wards`` (one hub at the centre of each named ward), or ``hub_count`` (that many
hubs placed in high-need, populous LSOAs, for national runs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo.config import Config
from geo.demo_groups import split_by_group
from geo.demo_history import history
from geo.errors import DataError
from geo.inputs.public import PublicData, load_public
from geo.join import under5_estimate
from geo.safety import neutralise_frame

__all__ = ["write_demo", "demo_hubs", "PERIODS"]

PERIODS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]  # the latest year; geo.demo_history adds the year before
LABEL = "SYNTHETIC demo data (python -m geo demo, seed {seed}): not real children"


def _logit(p):
    return np.log(p / (1 - p))


def _expit(x):
    return 1 / (1 + np.exp(-x))


def demo_hubs(config: Config, public: PublicData, rng: np.random.Generator) -> pd.DataFrame:
    """Hub sites for the demo, from the config's ``[demo]`` table.

    Returns
    -------
    DataFrame
        ``hub_id, name, la_code, site_type, lat, lon, parent_hub_id, takeup, note``.
    """
    spec = config.demo
    to_wgs = Transformer.from_crs(27700, 4326, always_xy=True)
    if spec.get("hubs"):
        hubs = pd.DataFrame(spec["hubs"])
    elif spec.get("hub_wards"):
        wards = public.wards
        rows = []
        for name in spec["hub_wards"]:
            match = wards[wards["ward_name"].str.casefold() == str(name).casefold()]
            if len(match) != 1:
                raise DataError(f"{config.path}: [demo] hub_wards names {name!r}, which matches {len(match)} ward(s) of the study area")
            w = match.iloc[0]
            pt = w.geometry.representative_point()
            lon, lat = to_wgs.transform(pt.x, pt.y)
            rows.append({"hub_id": f"{spec.get('hub_id_prefix', 'HUB')}-{len(rows) + 1:02d}",
                         "name": f"{w['ward_name']} Family Hub", "la_code": w["lad_code"], "site_type": "hub",
                         "lat": round(lat, 5), "lon": round(lon, 5)})
        hubs = pd.DataFrame(rows)
    elif spec.get("hub_count"):
        lsoa = public.lsoa.merge(public.imd[["lsoa21cd", "imd_score"]], on="lsoa21cd")
        lsoa = lsoa.merge(public.population, on="lsoa21cd")
        w = lsoa["pop_0_15"].to_numpy(float) * (1 + lsoa["imd_score"].rank(pct=True).to_numpy())
        n = min(int(spec["hub_count"]), len(lsoa))
        idx = np.sort(rng.choice(len(lsoa), size=n, replace=False, p=w / w.sum()))
        pts = lsoa.geometry.iloc[idx].representative_point()
        lon, lat = to_wgs.transform(pts.x.to_numpy(), pts.y.to_numpy())
        hubs = pd.DataFrame({"hub_id": [f"{spec.get('hub_id_prefix', 'HUB')}-{i + 1:04d}" for i in range(n)],
                             "name": [f"Synthetic hub {i + 1} ({c})" for i, c in enumerate(lsoa["lsoa21nm"].iloc[idx])],
                             "la_code": lsoa["lad_code"].iloc[idx].to_numpy(), "site_type": "hub",
                             "lat": np.round(lat, 5), "lon": np.round(lon, 5)})
    else:
        raise DataError(f"{config.path}: [demo] needs hubs, hub_wards or hub_count to place demo hub sites")
    for col, default in [("parent_hub_id", ""), ("takeup", np.nan)]:
        if col not in hubs:
            hubs[col] = default
    hubs["parent_hub_id"] = hubs["parent_hub_id"].fillna("")
    hubs["note"] = "approximate demo location: councils supply real addresses"
    return hubs[["hub_id", "name", "la_code", "site_type", "lat", "lon", "parent_hub_id", "takeup", "note"]]


def _plant(lsoa: pd.DataFrame, need: np.ndarray, n_planted: int) -> np.ndarray:
    """Pick high-need LSOAs concentrated in a few high-need wards (a boolean mask)."""
    df = pd.DataFrame({"ward": lsoa["ward_code"].to_numpy(), "need": need, "i": np.arange(len(lsoa))})
    ward_need = df.groupby("ward")["need"].mean().sort_values(ascending=False, kind="stable")
    chosen: list[int] = []
    per_ward = 4
    for ward in ward_need.index:
        top = df[df["ward"] == ward].sort_values(["need", "i"], ascending=[False, True], kind="stable")
        top = top[top["need"] >= np.quantile(need, 0.85)]
        chosen.extend(top["i"].head(per_ward).tolist())
        if len(chosen) >= n_planted:
            break
    if len(chosen) < n_planted:  # small study areas: fill from the most deprived LSOAs
        rest = df[~df["i"].isin(chosen)].sort_values(["need", "i"], ascending=[False, True], kind="stable")
        chosen.extend(rest["i"].head(n_planted - len(chosen)).tolist())
    mask = np.zeros(len(lsoa), dtype=bool)
    mask[chosen[:n_planted]] = True
    return mask


def simulate(config: Config, public: PublicData, *, seed: int | None = None) -> dict[str, pd.DataFrame]:
    """Simulate the demo extracts (in memory).

    Returns
    -------
    dict
        ``hubs``, ``review_takeup``, ``hub_attendance``, ``planted``, ``outreach_sessions`` and
        ``planted_changes`` DataFrames (eight quarters, 2024-Q1 to 2025-Q4: see :mod:`geo.demo_history`),
        and ``planted_groups`` (the extracts carry an ``ethnic_group`` column: :mod:`geo.demo_groups`).
    """
    seed = config.seed if seed is None else seed
    rng = np.random.default_rng(seed)
    hubs = demo_hubs(config, public, rng)
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(hubs["lon"].to_numpy(float), hubs["lat"].to_numpy(float))
    lsoa = public.lsoa.merge(public.lookup_ward[["lsoa21cd", "ward_code"]], on="lsoa21cd", how="left")
    lsoa = lsoa.merge(public.imd[["lsoa21cd", "imd_score", "income_score", "idaci_score"]], on="lsoa21cd", how="left")
    lsoa = lsoa.merge(under5_estimate(public, config)[["lsoa21cd", "under5_est"]], on="lsoa21cd")
    n = len(lsoa)
    idaci = lsoa["idaci_score"].fillna(lsoa["income_score"])
    need = (0.6 * idaci.rank(pct=True) + 0.4 * lsoa["imd_score"].rank(pct=True)).to_numpy()
    need_z = (need - need.mean()) / (need.std() or 1)
    pts = lsoa.geometry.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    k = min(2, len(hubs))
    dist, idx = cKDTree(np.column_stack([x, y])).query(xy, k=k)
    dist, idx = dist.reshape(n, k), idx.reshape(n, k)
    is_hub = (hubs["site_type"] == "hub").to_numpy()
    hub_tree = cKDTree(np.column_stack([x, y])[is_hub])
    _, area_idx = hub_tree.query(xy)
    area_hub = hubs.loc[is_hub].iloc[area_idx]
    base = area_hub["takeup"].fillna(0.6).to_numpy(float)
    hub_effect = np.where(area_hub["takeup"].isna(), rng.normal(0, 0.3, n), 0.0)

    wards = lsoa["ward_code"].fillna("none").to_numpy()
    uw, winv = np.unique(wards, return_inverse=True)
    ward_effect = rng.normal(0, 0.45, len(uw))[winv]
    planted = _plant(lsoa, need, int(config.demo.get("planted", max(1, min(20, n // 10)))))

    # ward and deprivation effects are centred within each hub area, so each area's take-up
    # stays near its configured level while varying sharply from ward to ward inside it
    area_codes = area_hub["hub_id"].to_numpy()

    def centred(v):
        return v - pd.Series(v).groupby(area_codes).transform("mean").to_numpy()

    review_logit = _logit(base) + hub_effect + centred(ward_effect - 0.35 * need_z) + rng.normal(0, 0.15, n)
    review_logit[planted] -= 1.0
    p_review = _expit(review_logit)
    mode = config.travel.modes[config.travel.mode]
    decay_km = mode.speed_kmh * (config.travel.threshold_minutes / 60) / mode.detour
    reach = 0.38 * np.exp(-dist[:, 0] / 1000 / decay_km) + 0.05 + 0.04 * np.clip(need_z, -1, 1)
    reach = np.clip(reach * np.exp(ward_effect * 0.5), 0.01, 0.8)
    reach[planted] *= 0.08

    under5 = lsoa["under5_est"].fillna(0).to_numpy()
    rev_rows, att_rows = [], []
    codes = lsoa["lsoa21cd"].to_numpy()
    for q, period in enumerate(PERIODS):
        eligible = rng.poisson(under5 / 20.0)
        completed = rng.binomial(eligible, p_review)
        rev_rows.append(pd.DataFrame({"area_code": codes, "period": period, "eligible": eligible, "completed": completed}))
        seasonal = 1.0 + 0.1 * np.sin(q)
        children = rng.binomial(np.round(under5).astype(int), np.clip(reach * seasonal, 0, 1))
        second = rng.binomial(children, 0.15) if k > 1 else np.zeros(n, dtype=int)
        att_rows.append(pd.DataFrame({"area_code": codes, "hub_id": hubs["hub_id"].to_numpy()[idx[:, 0]], "period": period, "children": children - second}))
        if k > 1:
            sec = second > 0
            att_rows.append(pd.DataFrame({"area_code": codes[sec], "hub_id": hubs["hub_id"].to_numpy()[idx[sec, 1]], "period": period, "children": second[sec]}))
    label = LABEL.format(seed=seed)
    past = history(seed, codes=codes, wards=wards, area_codes=area_codes, hubs=hubs, under5=under5, p_review=p_review,
                   reach=reach, planted=planted, xy=xy, idx=idx, k=k, radius=decay_km * 1000, label=label)
    review = pd.concat(past["review"] + rev_rows, ignore_index=True).assign(data_status=label)
    attendance = pd.concat(past["attendance"] + att_rows, ignore_index=True)
    attendance = attendance.groupby(["area_code", "hub_id", "period"], as_index=False, sort=True)["children"].sum().assign(data_status=label)
    planted_df = pd.DataFrame({"lsoa21cd": codes[planted], "ward_code": wards[planted],
                               "review_prob": p_review[planted].round(3), "reach_prob": reach[planted].round(3),
                               "reason": "planted high need, low engagement"}).sort_values("lsoa21cd")
    hubs_out = hubs.drop(columns=["takeup"]).assign(data_status=label)
    review, attendance, planted_groups = split_by_group(review, attendance, codes=codes, idaci_rank=idaci.rank(pct=True).to_numpy(),
                                                        la_codes=lsoa["lad_code"].to_numpy(), seed=seed, latest=PERIODS)
    return {"hubs": hubs_out, "review_takeup": review, "hub_attendance": attendance, "planted": planted_df,
            "outreach_sessions": past["outreach_sessions"], "planted_changes": past["planted_changes"],
            "planted_groups": planted_groups}


def write_demo(config: Config, out_dir: Path | None = None) -> dict[str, Path]:
    """Write the SYNTHETIC demo extracts for ``config``.

    Parameters
    ----------
    config : Config
        Needs the public data already fetched (``python -m geo fetch``).
    out_dir : Path, optional
        Folder to write to; by default the folder of ``config.extracts.review_takeup``.

    Returns
    -------
    dict
        Name -> path of each file written.

    Examples
    --------
    >>> from geo.config import load_config
    >>> write_demo(load_config("config.toml"))     # doctest: +SKIP
    """
    public = load_public(config)
    frames = simulate(config, public)
    e = config.extracts
    if out_dir is None:
        if e.review_takeup is None:
            raise DataError(f"{config.path}: [extracts] review_takeup names no file for the demo to write")
        out_dir = e.review_takeup.parent
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {
        "review_takeup": e.review_takeup.name if e.review_takeup else "review_takeup.csv",
        "hub_attendance": e.hub_attendance.name if e.hub_attendance else "hub_attendance.csv",
        "hubs": e.hubs.name if e.hubs else "hubs.csv",
        "planted": "planted.csv",
        "outreach_sessions": e.outreach_sessions.name if e.outreach_sessions else "outreach_sessions.csv",
        "planted_changes": "planted_changes.csv",
        "planted_groups": "planted_groups.csv",
    }
    written = {}
    for key, name in names.items():
        path = out_dir / name
        neutralise_frame(frames[key]).to_csv(path, index=False, lineterminator="\n")
        written[key] = path
    return written
