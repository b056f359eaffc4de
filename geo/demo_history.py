"""The demo's history: four SYNTHETIC quarters before the latest year, with planted trends and a
planted outreach effect, recorded in ``planted_changes.csv``.

The latest year (``2025-Q1`` to ``2025-Q4``) is drawn by :func:`geo.demo.simulate` as before;
the year before it (``2024-Q1`` to ``2024-Q4``) is drawn here from its own seeded generator,
from the same take-up and reach probabilities shifted on the logit (reach: log) scale:

* **improving**: the hub area with the lowest take-up (Church Street, the
  north-east of Westminster, in the bi-borough demo) starts 0.9 lower on the logit scale in
  ``2024-Q1`` and climbs linearly to its 2025 level;
* **worsening**: three wards (outside that hub area and the highest take-up hub area, without
  planted LSOAs) were 1.2 higher on the logit scale throughout 2024 and fell in 2025;
* **outreach**: monthly sessions at three venues from April 2025 (financial ``2025-Q1``) raise
  review take-up by 0.6 on the logit scale and reach by 50% in the LSOAs within the travel
  threshold's distance of a venue: their 2024 probabilities are the 2025 ones lowered by that.

``planted_changes.csv`` names each planted area with its effect on the logit scale and as a
difference of proportions (2025 minus 2024, mean over the areas' LSOAs weighted by under-5s).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

__all__ = ["BEFORE", "history"]

BEFORE = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
IMPROVE, WORSEN, OUTREACH_REVIEW, OUTREACH_REACH = 0.9, 1.2, 0.6, np.log(1.5)
SESSION_TYPES = ["stay and play with health visitor", "review drop-in", "baby group"]


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _venues(rng, xy, free: np.ndarray, radius: float, n: int = 3) -> list[int]:
    """``n`` LSOAs (indices) whose ``radius`` neighbourhoods lie within ``free`` and do not overlap."""
    tree = cKDTree(xy)
    chosen: list[int] = []
    for i in rng.permutation(len(xy)):
        near = tree.query_ball_point(xy[i], radius)
        if len(near) >= 4 and free[near].all() and all(np.hypot(*(xy[i] - xy[j])) > 2.5 * radius for j in chosen):
            chosen.append(int(i))
        if len(chosen) == n:
            break
    return chosen


def history(seed: int, *, codes, wards, area_codes, hubs, under5, p_review, reach, planted, xy, idx, k,
            radius: float, label: str) -> dict[str, pd.DataFrame]:
    """The four quarters before 2025 and the outreach schedule (see the module docstring).

    Returns
    -------
    dict
        ``review`` and ``attendance`` rows (as :func:`geo.demo.simulate` writes them),
        ``outreach_sessions`` and ``planted_changes``.
    """
    rng = np.random.default_rng([seed, 2024])
    n = len(codes)
    takeup = pd.Series(p_review).groupby(area_codes).mean()
    low, high = takeup.idxmin(), takeup.idxmax()
    improving = area_codes == low
    ward_ok = pd.DataFrame({"w": wards, "ok": ~np.isin(area_codes, [low, high]) & ~planted}).groupby("w")["ok"].agg(["all", "size"])
    candidates = sorted(ward_ok.index[ward_ok["all"] & (ward_ok["size"] >= 4) & (ward_ok.index != "none")])
    worse_wards = sorted(rng.choice(candidates, size=min(3, len(candidates)), replace=False).tolist())
    worsening = np.isin(wards, worse_wards)
    venue_idx = _venues(rng, xy, ~improving & ~worsening & ~planted, radius)
    tree = cKDTree(xy[venue_idx]) if venue_idx else None
    dist, near = tree.query(xy) if tree is not None else (np.full(n, np.inf), np.zeros(n, int))
    exposed = dist <= radius

    rev, att = [], []
    for q, period in enumerate(BEFORE):
        shift = np.where(improving, -IMPROVE * (len(BEFORE) - q) / len(BEFORE), 0.0) + np.where(worsening, WORSEN, 0.0)
        p = _expit(_logit(p_review) + shift - np.where(exposed, OUTREACH_REVIEW, 0.0))
        eligible = rng.poisson(under5 / 20.0)
        rev.append(pd.DataFrame({"area_code": codes, "period": period, "eligible": eligible,
                                 "completed": rng.binomial(eligible, p)}))
        r = np.clip(reach * (1.0 + 0.1 * np.sin(q)) / np.where(exposed, np.exp(OUTREACH_REACH), 1.0), 0, 1)
        children = rng.binomial(np.round(under5).astype(int), r)
        second = rng.binomial(children, 0.15) if k > 1 else np.zeros(n, dtype=int)
        att.append(pd.DataFrame({"area_code": codes, "hub_id": hubs["hub_id"].to_numpy()[idx[:, 0]], "period": period,
                                 "children": children - second}))
        if k > 1:
            sec = second > 0
            att.append(pd.DataFrame({"area_code": codes[sec], "hub_id": hubs["hub_id"].to_numpy()[idx[sec, 1]],
                                     "period": period, "children": second[sec]}))
    sessions = _sessions(venue_idx, xy, hubs, idx, label)
    planted_changes = _record(codes, wards, area_codes, under5, p_review, reach, improving, worse_wards, worsening,
                              exposed, near, venue_idx, low)
    return {"review": rev, "attendance": att, "outreach_sessions": sessions, "planted_changes": planted_changes}


def _sessions(venue_idx, xy, hubs, idx, label) -> pd.DataFrame:
    to_wgs = Transformer.from_crs(27700, 4326, always_xy=True)
    rows = []
    for v, i in enumerate(venue_idx):
        lon, lat = to_wgs.transform(*xy[i])
        for m in range(12):
            y, mo = divmod(3 + m, 12)
            rows.append({"session_id": f"OS-{v + 1}-{m + 1:02d}", "date": dt.date(2025 + y, mo + 1, 15).isoformat(),
                         "hub_id": hubs["hub_id"].to_numpy()[idx[i, 0]], "type": SESSION_TYPES[v % len(SESSION_TYPES)],
                         "venue_id": f"DEMO-V{v + 1}", "lat": round(float(lat), 5), "lon": round(float(lon), 5)})
    return pd.DataFrame(rows).assign(data_status=label)


def _record(codes, wards, area_codes, under5, p_review, reach, improving, worse_wards, worsening, exposed, near,
            venue_idx, low) -> pd.DataFrame:
    w = np.maximum(under5, 1e-9)

    def size(mask, before_logit_shift):
        p24 = _expit(_logit(p_review[mask]) + before_logit_shift)
        return float(np.average(p_review[mask] - p24, weights=w[mask]))

    rows = [{"kind": "improving", "level": "hub", "area_code": low, "measure": "review", "effect_logit": IMPROVE,
             "effect_proportion": round(size(improving, -IMPROVE), 4)}]
    for ward in worse_wards:
        m = wards == ward
        rows.append({"kind": "worsening", "level": "ward", "area_code": ward, "measure": "review", "effect_logit": -WORSEN,
                     "effect_proportion": round(size(m, WORSEN), 4)})
    for v in ["all"] + [f"DEMO-V{j + 1}" for j in range(len(venue_idx))]:
        m = exposed & (True if v == "all" else near == int(v.removeprefix("DEMO-V")) - 1)
        if not m.any():
            continue
        rows.append({"kind": "outreach", "level": "venue", "area_code": v, "measure": "review", "effect_logit": OUTREACH_REVIEW,
                     "effect_proportion": round(size(m, -OUTREACH_REVIEW), 4)})
        r = np.clip(reach[m], 0, 1)
        rows.append({"kind": "outreach", "level": "venue", "area_code": v, "measure": "reach", "effect_logit": round(OUTREACH_REACH, 4),
                     "effect_proportion": round(float(np.average(r - r / np.exp(OUTREACH_REACH), weights=w[m])), 4)})
    return pd.DataFrame(rows)
