"""``impact.csv``: did outreach work? A difference-in-differences of review take-up and hub reach
in the areas exposed to outreach sessions against comparison areas of similar need and baseline
engagement that had none.

Design
------
* **Exposed areas**: LSOAs whose representative point lies within ``[analysis] exposure_metres``
  of a session's location (default: the travel threshold's straight-line distance, speed x
  minutes / detour, 865 m for a 15-minute walk).
* **Before / after**: the periods ending before the quarter of the group's first session, and
  the periods from that quarter up to the analysis period; counts are pooled over each (reach
  denominators are under-5s x periods).
* **Comparison areas**: LSOAs exposed to no session at all, outside wards whose own change is
  real (the ward's comparison LSOAs pooled, after against before, two-proportion z test with
  the Benjamini-Hochberg false discovery rate ``[analysis] fdr`` across wards; listed in
  ``comparison_wards_excluded``): a ward that improved or worsened for reasons of its own
  cannot stand for what the exposed areas would have done. Strata of need (terciles of the
  model's ``need_score``) x baseline engagement (terciles of the LSOA's before-period rate, areas
  without one in their own stratum). Exposed areas in a stratum without comparison areas are
  left out (``n_unmatched``).
* **Estimate**: ``sum_s w_s [(after - before)_exposed,s - (after - before)_comparison,s]`` with
  rates from pooled counts per stratum and ``w_s`` the exposed areas' share of the denominators
  in stratum ``s``: the exposed areas' change beyond the change of comparable areas, as a
  proportion (0.05 = 5 percentage points).
* **Interval**: 95% percentile interval of 999 bootstrap replicates (seeded by ``[study_area]
  seed``) resampling the exposed LSOAs one by one and the comparison areas ward by ward, so
  area-to-area variation beyond binomial noise, and shocks shared by a ward's areas (a ward
  whose take-up fell for reasons of its own), are counted. The ``all`` row's interval is 95%; the
  venue rows' are simultaneous 95% intervals across the ``k`` venues (Bonferroni: each at
  ``1 - 0.05 / k``, given in ``interval_level``), so that one venue among many does not show an
  effect by chance.

Assumptions: without outreach, exposed and comparison areas of one stratum would have changed
alike (parallel trends); outreach does not reach comparison areas (they are outside every
session's exposure distance); nothing else that changed at the same time targets the exposed
areas. One row per measure for all sessions together (``group = all``) and one per venue, written
only where the numbers allow (at least 5 exposed and 5 comparison areas, and at least
``[disclosure] threshold`` children in the exposed numerators before and after); otherwise the
estimate is blank and ``note`` says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.monitoring.trends import lsoa_periods
from models.change import bh_adjust, difference_p_value

__all__ = ["COLUMNS", "impact_table", "did", "exposure_metres", "METHOD"]

COLUMNS = ["measure", "group", "n_areas", "before_rate", "after_rate", "estimate", "estimate_lo", "estimate_hi", "method"]
EXTRA = ["n_comparison", "n_unmatched", "comparison_before_rate", "comparison_after_rate", "periods_before",
         "periods_after", "first_session", "exposure_metres", "interval_level", "comparison_wards_excluded", "note"]
METHOD = ("difference-in-differences vs areas without sessions reweighted to the exposed areas' need x baseline "
          "engagement strata; 95% bootstrap (999; exposed LSOAs, comparison wards)")
MIN_AREAS = 5
REPLICATES = 999
#: False discovery rate at which a ward or an area with a change of its own leaves the comparison
#: (lenient: dropping a few steady areas costs little, keeping a changed one biases the estimate).
SCREEN_FDR = 0.2


def exposure_metres(config) -> float:
    """``[analysis] exposure_metres``, or the travel threshold's straight-line distance."""
    if config.analysis.exposure_metres is not None:
        return config.analysis.exposure_metres
    t = config.travel
    return t.speed_kmh * 1000 * t.threshold_minutes / 60 / t.detour


def _tercile(v: pd.Series) -> pd.Series:
    r = v.rank(pct=True, method="average")
    return np.ceil(r * 3).clip(1, 3).fillna(0).astype(int)


def _draws(rng: np.random.Generator, cluster: np.ndarray, replicates: int) -> np.ndarray:
    """Bootstrap weights per area (replicates x areas): clusters drawn with replacement."""
    labels, inverse = np.unique(cluster, return_inverse=True)
    k = len(labels)
    counts = rng.multinomial(k, np.full(k, 1 / k), size=replicates) if k else np.zeros((replicates, 0))
    return counts[:, inverse]


def did(before: pd.DataFrame, after: pd.DataFrame, exposed: np.ndarray, comparison: np.ndarray, stratum: np.ndarray,
        *, rng: np.random.Generator, cluster: np.ndarray | None = None, replicates: int = REPLICATES,
        level: float = 0.95) -> dict:
    """The stratified difference-in-differences and its bootstrap interval.

    ``before`` and ``after`` hold ``numerator, denominator`` per area (aligned); ``exposed`` and
    ``comparison`` are masks, ``stratum`` an integer label per area. Exposed areas are resampled
    one by one; comparison areas by ``cluster`` (their ward), so shocks shared by the areas of a
    ward (a ward whose take-up fell for other reasons) widen the interval instead of biasing it
    unseen.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 40
    >>> den = pd.DataFrame({"numerator": 0.0, "denominator": np.full(n, 50.0)})
    >>> b = den.assign(numerator=25.0); a = den.assign(numerator=np.r_[np.full(20, 35.0), np.full(20, 25.0)])
    >>> ex = np.r_[np.ones(20, bool), np.zeros(20, bool)]
    >>> r = did(b, a, ex, ~ex, np.zeros(n, int), rng=rng)
    >>> round(r["estimate"], 3), r["n_areas"], r["n_comparison"]
    (0.2, 20, 20)
    """
    cluster = np.arange(len(stratum)) if cluster is None else np.asarray(cluster)
    matched = np.isin(stratum, np.unique(stratum[comparison]))
    e = exposed & matched
    strata = np.unique(stratum[e])
    cols = np.column_stack([before["numerator"], before["denominator"], after["numerator"], after["denominator"]]).astype(float)

    def change(sums: np.ndarray) -> np.ndarray:  # (..., 4) -> after rate - before rate
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums[..., 2] / sums[..., 3] - sums[..., 0] / sums[..., 1]

    weights = np.array([cols[e & (stratum == s)][:, [1, 3]].sum() for s in strata])
    weights = weights / weights.sum() if weights.sum() > 0 else weights
    arms = [(e, _draws(rng, np.flatnonzero(e), replicates)),
            (comparison, _draws(rng, cluster[comparison], replicates))]
    point, reps = 0.0, np.zeros(replicates)
    for s, w in zip(strata, weights):
        diffs = []
        for arm, draws in arms:
            inside = stratum[arm] == s
            rows = cols[arm][inside]
            diffs.append((change(rows.sum(axis=0)), change(draws[:, inside] @ rows)))
        point += w * (diffs[0][0] - diffs[1][0])
        reps += w * (diffs[0][1] - diffs[1][1])
    reps = reps[np.isfinite(reps)]
    tail = (1 - level) / 2
    lo, hi = np.quantile(reps, [tail, 1 - tail]) if len(reps) else (np.nan, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = [cols[m][:, i].sum() / cols[m][:, i + 1].sum() for m in (e, comparison) for i in (0, 2)]
    return {"n_areas": int(e.sum()), "n_comparison": int(comparison.sum()), "n_unmatched": int((exposed & ~matched).sum()),
            "before_rate": rates[0], "after_rate": rates[1], "comparison_before_rate": rates[2],
            "comparison_after_rate": rates[3], "estimate": float(point) if len(strata) else np.nan,
            "estimate_lo": float(lo), "estimate_hi": float(hi),
            "exposed_before": cols[e][:, 0].sum(), "exposed_after": cols[e][:, 2].sum()}


def _steady(before: pd.DataFrame, after: pd.DataFrame, candidates: np.ndarray, ward: np.ndarray, *,
            fdr: float = SCREEN_FDR) -> tuple[np.ndarray, list[str]]:
    """Comparison areas: ``candidates`` outside wards, and not themselves, whose own change (pooled
    counts, after against before) is real at the false discovery rate ``fdr``."""
    frame = pd.DataFrame({"ward": ward, "bn": before["numerator"].to_numpy(), "bd": before["denominator"].to_numpy(),
                          "an": after["numerator"].to_numpy(), "ad": after["denominator"].to_numpy()})[candidates]
    wards = frame.groupby("ward").sum()
    q = bh_adjust(difference_p_value(wards["bn"], wards["bd"], wards["an"], wards["ad"]))
    divergent = sorted(wards.index[q < fdr])
    q_area = np.ones(len(ward))
    q_area[candidates] = np.nan_to_num(bh_adjust(difference_p_value(frame["bn"], frame["bd"], frame["an"], frame["ad"])), nan=1.0)
    return candidates & ~np.isin(ward, divergent) & (q_area >= fdr), divergent


def _periods(index: dict, labels: list[str], first_session, latest) -> tuple[list[str], list[str]]:
    ps = sorted((index[lab] for lab in labels), key=lambda p: p.start)
    before = [p.label for p in ps if p.end < first_session]
    after = [p.label for p in ps if p.end >= first_session and p <= latest]
    return before, after


def impact_table(result, trends: pd.DataFrame | None = None) -> pd.DataFrame:
    """``impact.csv`` for a build with an ``outreach_sessions`` extract (see the module docstring)."""
    config = result.config
    sessions = result.inputs.sessions
    lsoa = pd.DataFrame(result.lsoa.drop(columns="geometry"))
    per = lsoa_periods(lsoa, result.inputs.series)
    index = result.inputs.period_index
    chosen = result.inputs.period.get("analysis")
    metres = exposure_metres(config)
    pts = result.lsoa.geometry.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    tree = cKDTree(sessions[["easting", "northing"]].to_numpy(float))
    near_any = tree.query(xy, distance_upper_bound=metres)[0] <= metres
    need = _tercile(lsoa["need_score"]) if "need_score" in lsoa else pd.Series(0, index=lsoa.index)
    rows = []
    groups = [("all", sessions)] + [(v, s) for v, s in sessions.groupby("venue", sort=True)]
    for measure, own in per.groupby("measure", sort=True):
        latest = index.get(chosen) or max(index[p] for p in own["period"].unique())
        for group, s in groups:
            level = 0.95 if group == "all" else 1 - 0.05 / (len(groups) - 1)
            rows.append(_group_row(measure, group, s, own, lsoa, xy, near_any, need, index, latest, metres, config, level))
    out = pd.DataFrame(rows, columns=COLUMNS + EXTRA)
    return out


def _group_row(measure, group, s, own, lsoa, xy, near_any, need, index, latest, metres, config, level) -> dict:
    first = min(s["date"])
    before, after = _periods(index, list(own["period"].unique()), first, latest)
    base = {"measure": measure, "group": group, "method": METHOD, "periods_before": " ".join(before),
            "periods_after": " ".join(after), "first_session": first.isoformat(), "exposure_metres": round(metres)}
    if not before or not after:
        return {**base, "n_areas": 0, "note": "no period before the first session" if not before else "no period after the first session"}
    exposed = cKDTree(s[["easting", "northing"]].to_numpy(float)).query(xy, distance_upper_bound=metres)[0] <= metres

    def pooled(labels):
        x = own[own["period"].isin(labels)].groupby("lsoa21cd")[["numerator", "denominator"]].sum()
        return x.reindex(lsoa["lsoa21cd"], fill_value=0).reset_index(drop=True)

    b, a = pooled(before), pooled(after)
    with np.errstate(invalid="ignore", divide="ignore"):
        baseline = pd.Series(b["numerator"] / b["denominator"]).where(b["denominator"] > 0)
    stratum = (need.to_numpy() * 10 + _tercile(baseline).to_numpy())
    ward = lsoa["ward_code"].fillna(lsoa["lsoa21cd"]).to_numpy()
    comparison, divergent = _steady(b, a, ~near_any, ward)
    rng = np.random.default_rng([config.seed, len(group), sum(map(ord, group)), sum(map(ord, measure))])
    r = did(b, a, exposed, comparison, stratum, rng=rng, cluster=ward, level=level)
    t = config.disclosure_threshold
    why = []
    if r["n_areas"] < MIN_AREAS or r["n_comparison"] < MIN_AREAS:
        why.append(f"fewer than {MIN_AREAS} exposed or comparison areas")
    if min(r["exposed_before"], r["exposed_after"]) < t:
        why.append(f"fewer than {t} children counted before or after")
    out = {**base, **{k: r[k] for k in COLUMNS + EXTRA if k in r}, "interval_level": level,
           "comparison_wards_excluded": " ".join(divergent)}
    if why:
        out.update(estimate=np.nan, estimate_lo=np.nan, estimate_hi=np.nan, before_rate=np.nan, after_rate=np.nan,
                   comparison_before_rate=np.nan, comparison_after_rate=np.nan, note="; ".join(why))
    return out
