"""Integration tests of the risk model on whole study areas (issue 3, items 7 and 9).

* the committed demo extracts: the planted high-need/low-engagement LSOAs top the ranking;
* a weight changed in the config file changes the ranking;
* ``python -m geo build`` (run as a subprocess) writes every required column to ``lsoa.csv``
  and ``wards.csv``, and ward values are recomputed from ward counts, not averaged;
* synthetic extracts with their OWN planted pattern, written here to the documented schema
  (``data/extracts/README.md``) by a generator independent of ``geo/demo.py``: the planted
  areas must dominate the top of the priority ranking. Variants: LSOA 2021 or LSOA 2011
  codes, CSV or XLSX, quarterly or annual counts, a ward-coded review extract, and an extract
  with review take-up only.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

from geo.build import run
from geo.config import load_config
from models.risk import QUADRANTS
from models.stats import eb_smooth, funnel_flag, wilson_interval
from tests.conftest import REPO, write_study_config

DEMO = REPO / "data" / "extracts" / "demo" / "biborough"

#: Columns issue 3 requires in both lsoa.csv and wards.csv.
SCORE_COLUMNS = [
    "need_score", "engagement_score", "priority_score", "priority_rank", "quadrant",
    "review_rate_lo", "review_rate_hi", "review_rate_smoothed", "review_funnel_flag",
    "reach_rate_smoothed", "expected_review_rate", "children_not_reviewed",
]
#: Columns issue 4 adds to lsoa.csv.
CATCHMENT_COLUMNS = ["hub_id", "travel_minutes_to_hub", "gap_type"]


def planted_ranks(result, planted) -> np.ndarray:
    ranks = result.lsoa.set_index("lsoa21cd")["priority_rank"]
    return np.sort(ranks.loc[list(planted)].to_numpy())


# --------------------------------------------------------------------------- the demo extracts


def test_demo_planted_lsoas_rank_in_the_top_20(biborough_build):
    planted = pd.read_csv(DEMO / "planted.csv")["lsoa21cd"]
    assert len(planted) == 20
    ranks = planted_ranks(biborough_build, planted)
    in_top = int((ranks <= 20).sum())
    # 18 of 20 when this test was written (the other two rank 22 and 35)
    assert in_top >= 16, f"only {in_top} of the 20 planted LSOAs rank in the top 20: {ranks.tolist()}"
    lsoa = biborough_build.lsoa.set_index("lsoa21cd").loc[planted]
    assert (lsoa["quadrant"] == "high need, low engagement").mean() >= 0.9
    pooled = biborough_build.lsoa["hub_children"].sum() / biborough_build.lsoa["under5_est"].sum()
    assert (lsoa["reach_rate_smoothed"] < pooled).all()


def test_changing_a_weight_in_the_config_changes_the_ranking(biborough_config, biborough_build, tmp_path):
    base = biborough_build.lsoa.set_index("lsoa21cd")["priority_rank"]
    rank = {}
    for name, model in {
        "need": {"need_weights": {"idaci": 0.1, "imd": 0.1, "under5": 0.8}},
        "engagement": {"engagement_weights": {"review": 0.9, "reach": 0.1}},
    }.items():
        path = write_study_config(tmp_path / name / "config.toml", REPO / "config.toml", biborough_config, model=model)
        cfg = load_config(path)
        assert cfg.weights.need != biborough_config.weights.need or cfg.weights.engagement != biborough_config.weights.engagement
        result = run(cfg, public=biborough_build.public)
        rank[name] = result.lsoa.set_index("lsoa21cd")["priority_rank"].loc[base.index]
        moved = int((rank[name] != base).sum())
        rho = float(np.corrcoef(rank[name], base)[0, 1])
        assert moved > 50, f"{name} weights: only {moved} LSOAs changed rank"
        assert rho < 0.999, f"{name} weights: ranking unchanged (Spearman {rho:.4f})"
        top = base[base <= 20].index
        assert (rank[name].loc[top] != base.loc[top]).any(), f"{name} weights: the top 20 kept its order"
    # the same config run twice gives the same ranking (the change above is the weights')
    again = run(biborough_config, public=biborough_build.public).lsoa.set_index("lsoa21cd")["priority_rank"]
    pd.testing.assert_series_equal(again.loc[base.index], base)


# --------------------------------------------------------------------------- the build CLI outputs


@pytest.fixture(scope="module")
def cli_build(biborough_config, tmp_path_factory):
    """``python -m geo build`` run in a subprocess on the bi-borough demo config."""
    tmp = tmp_path_factory.mktemp("cli_build")
    cfg = write_study_config(tmp / "config.toml", REPO / "config.toml", biborough_config)
    out = tmp / "out"
    proc = subprocess.run([sys.executable, "-m", "geo", "build", "--config", str(cfg), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "224 LSOAs, 36 wards" in proc.stdout
    assert "cross-validated (5 folds)" in proc.stdout and "weights ±20%" in proc.stdout
    return pd.read_csv(out / "lsoa.csv"), pd.read_csv(out / "wards.csv")


def test_build_reports_model_fit_and_sensitivity(cli_build, biborough_build):
    import json

    from geo.outputs import model_summary

    lsoa, wards = cli_build
    for df in (lsoa, wards):  # expected take-up and expected reach, observed minus expected
        for col in ("expected_review_rate", "review_obs_minus_exp", "expected_reach_rate", "reach_obs_minus_exp"):
            assert col in df.columns, col
        has = df["review_eligible"] > 0
        np.testing.assert_allclose(df.loc[has, "review_obs_minus_exp"],
                                   df.loc[has, "review_rate"] - df.loc[has, "expected_review_rate"], atol=1e-6)
    summary = json.loads(json.dumps(model_summary(biborough_build), default=float))
    for level in ("lsoa", "ward"):
        for target in ("review", "reach"):
            fit = summary["expected"][level][target]
            assert fit["target"] == target and fit["cv_folds"] == 5 and len(fit["cv_scores"]) == 5
            assert -1 < fit["cv_score"] <= fit["score_in_sample"] + 0.2
    rows = summary["sensitivity"]["rows"]
    assert len(rows) == 2 * (3 + 2)  # every need and engagement weight, down and up
    assert summary["sensitivity"]["min_spearman"] == min(r["spearman"] for r in rows) > 0.9
    # issue 18: spatially grouped CV with its spread over seeds, the smoothing prior, rank stability
    for level, by in (("lsoa", "ward"), ("ward", "spatial blocks")):
        for target in ("review", "reach"):
            fit = summary["expected"][level][target]
            assert fit["cv_method"] == f"GroupKFold by {by}" and len(fit["cv_repeat_scores"]) == 10
            assert fit["cv_score_min"] <= fit["cv_score"] <= fit["cv_score_max"]
            prior = summary["smoothing"][level][target]
            assert prior["method"] == "ml" and 0 < prior["prior_mean"] < 1 and prior["prior_size"] > 0
        stab = summary["rank_uncertainty"][level]
        assert stab["draws"] == 1000 and stab["top_n"] == 20 and 0 < stab["min_spearman"] <= stab["median_spearman"] < 1
    # pooled over four quarters every LSOA has review data (one quarter alone: 12 have none, below)
    assert summary["smoothing"]["lsoa"]["review"]["areas_without_data"] == int((lsoa["review_eligible"] == 0).sum()) == 0


def test_rank_intervals_and_unknown_engagement_on_the_demo(biborough_build):
    planted = pd.read_csv(DEMO / "planted.csv")["lsoa21cd"]
    for df in (biborough_build.lsoa, biborough_build.wards):
        ranked = df["priority_rank_lo"].notna()
        assert ranked.all()
        assert (df["priority_rank_lo"] <= df["priority_rank"]).mean() > 0.9
        assert (df["priority_rank"] <= df["priority_rank_hi"]).mean() > 0.9
        assert (df["priority_rank_lo"] <= df["priority_rank_hi"]).all() and df["p_top"].between(0, 1).all()
        assert df["p_top"].sum() == pytest.approx(min(20, len(df)))  # each draw has exactly 20 in its top 20
    lsoa = biborough_build.lsoa.set_index("lsoa21cd")
    # the planted high-need, low-engagement LSOAs are likely top-20 areas
    assert (lsoa.loc[planted, "p_top"] >= 0.5).sum() >= 16
    assert lsoa.loc[planted, "p_top"].median() > 0.7
    assert lsoa.drop(planted)["p_top"].median() < 0.05
    # the 12 LSOAs without review data in one quarter ([analysis] pool_quarters = 1) are unknown on review, not average
    config = biborough_build.config
    single = run(config.with_(analysis=replace(config.analysis, pool_quarters=1)), public=biborough_build.public)
    lsoa = single.lsoa.set_index("lsoa21cd")
    none = lsoa[lsoa["review_eligible"] == 0]
    assert len(none) == 12 and (none["engagement_basis"] == "reach only (no review data)").all()
    assert none[["review_rate_smoothed", "eng_review_pct", "shortfall_review"]].isna().all().all()
    np.testing.assert_allclose(none["engagement_shortfall"], none["shortfall_reach"])


def test_build_cli_writes_every_required_column(cli_build):
    lsoa, wards = cli_build
    assert [c for c in SCORE_COLUMNS + CATCHMENT_COLUMNS if c not in lsoa.columns] == []
    assert [c for c in SCORE_COLUMNS if c not in wards.columns] == []
    assert len(lsoa) == 224 and len(wards) == 36
    for df in (lsoa, wards):
        assert sorted(df["priority_rank"]) == list(range(1, len(df) + 1))
        assert set(df["quadrant"]) <= set(QUADRANTS)
        for col in ("need_score", "engagement_score", "priority_score"):
            assert df[col].between(0, 100).all(), col
        np.testing.assert_allclose(df["priority_score"], df["need_score"] * df["engagement_shortfall"].clip(0, 1), rtol=1e-4, atol=1e-3)
        order = df.sort_values("priority_rank")["priority_score"].to_numpy()
        assert (np.diff(order) <= 1e-9).all(), "rank 1 must be the highest priority score"
        assert df["expected_review_rate"].between(0, 1).all()
        has = df["review_eligible"] > 0
        assert (df.loc[has, "review_rate_lo"] <= df.loc[has, "review_rate"] + 1e-6).all()
        assert (df.loc[has, "review_rate"] <= df.loc[has, "review_rate_hi"] + 1e-6).all()
        assert df.loc[~has, "review_rate_lo"].isna().all()
        assert set(df["review_funnel_flag"]) <= {"significantly low", "within limits", "significantly high", "no data"}
    assert lsoa["hub_id"].notna().all() and (lsoa["travel_minutes_to_hub"] >= 0).all()
    assert set(lsoa["gap_type"].fillna("")) <= {"beyond reach", "near but not engaged", ""}  # "" (no gap) reads back as NaN
    assert (lsoa["gap_type"] == "beyond reach").any() and (lsoa["gap_type"] == "near but not engaged").any()


def test_ward_values_are_recomputed_from_ward_counts(cli_build):
    lsoa, wards = cli_build
    wards = wards.set_index("ward_code").sort_index()
    sums = lsoa.groupby("ward_code")[["review_eligible", "review_completed", "hub_children", "children_not_reviewed"]].sum().loc[wards.index]
    np.testing.assert_array_equal(wards["review_eligible"], sums["review_eligible"])
    np.testing.assert_array_equal(wards["review_completed"], sums["review_completed"])
    np.testing.assert_array_equal(wards["hub_children"], sums["hub_children"])
    k, n = sums["review_completed"].to_numpy(float), sums["review_eligible"].to_numpy(float)

    # rates from the summed counts, not the mean of the LSOA rates
    np.testing.assert_allclose(wards["review_rate"], k / n, rtol=1e-5)
    mean_of_rates = lsoa.groupby("ward_code")["review_rate"].mean().loc[wards.index]
    assert np.abs(wards["review_rate"] - mean_of_rates).max() > 0.01
    np.testing.assert_allclose(wards["children_not_reviewed"], n - k)
    np.testing.assert_allclose(wards["children_not_reviewed"], sums["children_not_reviewed"])

    # Wilson interval, EB smoothing and funnel flag of the ward counts
    lo, hi = wilson_interval(k, n)
    np.testing.assert_allclose(wards["review_rate_lo"], lo, rtol=1e-4)
    np.testing.assert_allclose(wards["review_rate_hi"], hi, rtol=1e-4)
    np.testing.assert_allclose(wards["review_rate_smoothed"], eb_smooth(k, n), rtol=1e-4)
    assert (wards["review_funnel_flag"].to_numpy() == funnel_flag(k, n, k.sum() / n.sum(), level=0.998)).all()
    mean_lo = lsoa.groupby("ward_code")["review_rate_lo"].mean().loc[wards.index]
    assert np.abs(wards["review_rate_lo"] - mean_lo).max() > 0.05  # wards are not averages of LSOAs

    # reach: children attending over whole under-5s of the ward
    u5 = lsoa.groupby("ward_code")["under5_est"].sum().loc[wards.index].to_numpy(float)
    n_reach = np.floor(wards["under5_est"].to_numpy(float) + 0.5)
    np.testing.assert_allclose(wards["under5_est"], u5, rtol=1e-5)
    np.testing.assert_allclose(wards["reach_rate_smoothed"], eb_smooth(np.minimum(sums["hub_children"], n_reach), n_reach), rtol=1e-4)

    # need and engagement are percentiles among the 36 wards, not LSOA figures carried up
    # (the CSV keeps 6 significant digits, which can merge near-ties: compare orderings)
    for score, index in (("need_score", "need_index"), ("engagement_score", "engagement_index")):
        assert wards[score].corr(wards[index], method="spearman") > 0.999
        assert wards[score].max() == 100 and wards[score].min() < 100 / 35
    np.testing.assert_allclose(wards["need_index"], wards[["need_contrib_idaci", "need_contrib_imd", "need_contrib_under5"]].sum(axis=1), atol=1e-3)


# --------------------------------------------------------------------------- own planted patterns


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def synthetic_extract(public, out: Path, *, seed: int, n_planted: int = 20, need_band=(0.85, 1.0), n_hubs: int = 4,
                      children_per_review: float = 20.0, codes: str = "lsoa21", plant_wards: int = 0,
                      review_only: bool = False, fmt: str = "csv") -> tuple[dict[str, Path], np.ndarray]:
    """Write review take-up, hub attendance and hubs extracts with a planted pattern.

    Independent of ``geo/demo.py``: ``n_planted`` LSOAs drawn at random among those whose IDACI
    (IMD income score where missing) percentile lies in ``need_band`` get review take-up of
    15-35% and hub reach of 1-5%. Every other LSOA gets a realistic take-up around 72% (lower
    where more deprived, with area-level noise) and hub reach of 10-40% falling with distance
    to ``n_hubs`` hubs placed at random LSOAs (given by easting/northing). Two periods; the
    build uses the latest.

    ``children_per_review``: eligible children per period ~ Poisson(under-5s / this), 20 for
    a quarter (about 4 per LSOA), 5 for a year. ``codes="lsoa11"`` writes LSOA 2011 codes
    (2021 LSOAs split from one 2011 LSOA are summed to it, merged ones shared out), planting
    only LSOAs the build can map back exactly. ``plant_wards=m`` plants every LSOA of ``m``
    wards in the need band instead and writes the review extract by ward code.
    ``review_only`` writes only the review extract (no hubs, no attendance).

    Returns the paths by extract name and the planted LSOA 2021 codes.
    """
    rng = np.random.default_rng(seed)
    l = (public.lsoa[["lsoa21cd", "lad_code", "geometry"]]
         .merge(public.lookup_ward[["lsoa21cd", "ward_code"]], on="lsoa21cd")
         .merge(public.imd[["lsoa21cd", "imd_score", "idaci_score", "income_score"]], on="lsoa21cd")
         .merge(public.population[["lsoa21cd", "pop_0_15"]], on="lsoa21cd")
         .sort_values("lsoa21cd").reset_index(drop=True))
    n = len(l)
    under5 = l["pop_0_15"].to_numpy(float) * 0.3
    need_pct = l["idaci_score"].fillna(l["income_score"]).rank(pct=True).to_numpy()

    if plant_wards:
        ward_need = l.assign(p=need_pct).groupby("ward_code")["p"].mean().rank(pct=True)
        pool = np.sort(ward_need[(ward_need >= need_band[0]) & (ward_need <= need_band[1])].index.to_numpy())
        planted = l["ward_code"].isin(rng.choice(pool, plant_wards, replace=False)).to_numpy()
    else:
        ok = (need_pct >= need_band[0]) & (need_pct <= need_band[1])
        if codes == "lsoa11":
            split = public.lookup_lsoa11.loc[public.lookup_lsoa11["chgind"] == "S", "lsoa21cd"]
            ok &= ~l["lsoa21cd"].isin(split).to_numpy()
        planted = np.zeros(n, dtype=bool)
        planted[rng.choice(np.flatnonzero(ok), n_planted, replace=False)] = True

    pts = l.geometry.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    at = rng.choice(n, n_hubs, replace=False)
    dist_km, nearest = cKDTree(xy[at]).query(xy)
    dist_km = dist_km / 1000.0
    hubs = pd.DataFrame({"hub_id": [f"TH{i + 1}" for i in range(n_hubs)], "name": [f"Test hub {i + 1}" for i in range(n_hubs)],
                         "la_code": l["lad_code"].to_numpy()[at], "site_type": "hub",
                         "easting": np.round(xy[at, 0]), "northing": np.round(xy[at, 1])})

    z = (need_pct - 0.5) / 0.29
    p_review = _expit(np.log(0.72 / 0.28) + rng.normal(0, 0.35, n) - 0.25 * z)
    p_reach = np.clip((0.3 * np.exp(-dist_km / 2.0) + 0.1) * np.exp(rng.normal(0, 0.3, n)), 0.02, 0.7)
    p_review[planted] = rng.uniform(0.15, 0.35, planted.sum())
    p_reach[planted] = rng.uniform(0.01, 0.05, planted.sum())

    review, attendance = [], []
    for period in ("2025-Q3", "2025-Q4"):
        eligible = rng.poisson(under5 / children_per_review)
        review.append(pd.DataFrame({"area_code": l["lsoa21cd"], "period": period, "eligible": eligible,
                                    "completed": rng.binomial(eligible, p_review)}))
        attendance.append(pd.DataFrame({"area_code": l["lsoa21cd"], "hub_id": hubs["hub_id"].to_numpy()[nearest],
                                        "period": period, "children": rng.binomial(np.round(under5).astype(int), p_reach)}))
    review = pd.concat(review, ignore_index=True)
    attendance = pd.concat(attendance, ignore_index=True)

    if plant_wards:
        ward_of = l.set_index("lsoa21cd")["ward_code"]
        review = (review.assign(area_code=review["area_code"].map(ward_of))
                  .groupby(["area_code", "period"], as_index=False, sort=True)[["eligible", "completed"]].sum())
    if codes == "lsoa11":
        parents = public.lookup_lsoa11.groupby("lsoa21cd")["lsoa11cd"].agg(sorted)

        def to_2011(df: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
            rows = []
            for row in df.to_dict("records"):
                codes11 = parents[row["area_code"]]
                shares = {c: rng.multinomial(row[c], [1 / len(codes11)] * len(codes11)) for c in counts}
                if "completed" in shares:  # a merged LSOA's reviews shared out with their children
                    shares["completed"] = np.minimum(shares["completed"], shares["eligible"])
                for i, code in enumerate(codes11):
                    rows.append({**row, "area_code": code, **{c: int(shares[c][i]) for c in counts}})
            keys = [c for c in df.columns if c not in counts]
            return pd.DataFrame(rows).groupby(keys, as_index=False, sort=True)[counts].sum()

        review = to_2011(review, ["eligible", "completed"])
        attendance = to_2011(attendance, ["children"])

    out.mkdir(parents=True, exist_ok=True)
    frames = {"review_takeup": review} if review_only else {"review_takeup": review, "hub_attendance": attendance, "hubs": hubs}
    paths = {}
    for name, df in frames.items():
        path = out / f"{name}.{fmt}"
        if fmt == "xlsx":
            df.to_excel(path, index=False)
        else:
            df.to_csv(path, index=False)
        paths[name] = path
    return paths, l.loc[planted, "lsoa21cd"].to_numpy()


def run_synthetic(build, tmp_path: Path, **kw):
    """Build the study area of ``build`` on a synthetic extract; return (result, planted)."""
    paths, planted = synthetic_extract(build.public, tmp_path / "extract", **kw)
    cfg = build.config
    extracts = replace(cfg.extracts, review_takeup=paths["review_takeup"], hub_attendance=paths.get("hub_attendance"),
                       hubs=paths.get("hubs"), venues=None, outreach_sessions=None, synthetic=True)
    return run(cfg.with_(extracts=extracts), public=build.public), planted


def assert_planted_dominate(result, planted, *, min_in_top: int, max_rank: int):
    """At least ``min_in_top`` of the top ``len(planted)`` are planted, and none ranks below ``max_rank``."""
    k = len(planted)
    ranks = planted_ranks(result, planted)
    in_top = int((ranks <= k).sum())
    assert in_top >= min_in_top, f"{in_top} of the top {k} are planted (need {min_in_top}); planted ranks {ranks.tolist()}"
    assert ranks.max() <= max_rank, f"a planted LSOA ranks {ranks.max()} (> {max_rank}); planted ranks {ranks.tolist()}"
    lsoa = result.lsoa.set_index("lsoa21cd").loc[list(planted)]
    assert (lsoa["engagement_score"] < 25).mean() >= 0.9


# Figures when written, over seeds 100-119: 15-18 (median 17) of the 20 planted LSOAs are in the
# top 20 and the lowest-ranked planted LSOA is 23rd-44th of 224; seeds 1, 2, 3 give 15, 16, 15.
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_own_planted_pattern_dominates_the_top(biborough_build, tmp_path, seed):
    result, planted = run_synthetic(biborough_build, tmp_path, seed=seed)
    assert len(planted) == 20
    assert_planted_dominate(result, planted, min_in_top=14, max_rank=50)


# Figures when written, over 10 seeds each (planted in the top k; lowest planted rank):
# LSOA 2011 codes 16-17, 25-39; annual counts 15-19, 26-38; 15 planted in the top fifth 11-14, 16-65.
@pytest.mark.parametrize("variant", [
    pytest.param({"codes": "lsoa11", "fmt": "xlsx", "seed": 4}, id="lsoa2011-codes-xlsx"),
    pytest.param({"children_per_review": 5.0, "seed": 5}, id="annual-counts"),
    pytest.param({"n_planted": 15, "need_band": (0.8, 1.0), "seed": 6}, id="15-planted-top-fifth"),
])
def test_own_planted_pattern_variants(biborough_build, tmp_path, variant):
    variant = dict(variant)
    result, planted = run_synthetic(biborough_build, tmp_path, **variant)
    k = len(planted)
    assert_planted_dominate(result, planted, min_in_top=int(0.7 * k), max_rank=60)
    if variant.get("codes") == "lsoa11":
        notes = " ".join(n for r in result.inputs.reports for n in r.notes)
        assert "LSOA 2011 codes mapped to LSOA 2021" in notes


def test_own_planted_pattern_review_extract_only(biborough_build, tmp_path):
    """No hubs or attendance: engagement is review take-up alone, and still finds the planted LSOAs.

    With a year of reviews (about 18 children per LSOA; 15-19 of 20 in the top 20 over 10 seeds).
    A single quarter (about 4 per LSOA) carries too little information on its own: 13 of 20.
    """
    result, planted = run_synthetic(biborough_build, tmp_path, seed=7, review_only=True, children_per_review=5.0)
    # no attendance extract: reach is "not available" (blank), not zero (issue 14)
    assert result.lsoa["hub_children"].isna().all() and result.lsoa["reach_rate"].isna().all()
    assert any("reach not available" in n for n in result.notes)
    assert_planted_dominate(result, planted, min_in_top=14, max_rank=60)


def test_own_planted_wards_in_a_ward_coded_review_extract(biborough_build, tmp_path):
    """Review take-up given by ward code (apportioned to LSOAs): the planted wards top the ward ranking.

    Over 10 seeds the 3 planted wards were always within the top 5 of 36 (top 3 in 7 seeds).
    """
    result, planted = run_synthetic(biborough_build, tmp_path, seed=8, plant_wards=3, need_band=(0.8, 1.0))
    notes = " ".join(n for r in result.inputs.reports for n in r.notes)
    assert "ward codes mapped to LSOA 2021" in notes
    ward_of = result.lsoa.set_index("lsoa21cd")["ward_code"]
    planted_wards = sorted(set(ward_of.loc[list(planted)]))
    assert len(planted_wards) == 3
    ward_rank = result.wards.set_index("ward_code")["priority_rank"]
    assert ward_rank.loc[planted_wards].max() <= 5, ward_rank.loc[planted_wards].to_dict()
    # ward counts reconcile with the extract exactly, whatever the apportionment to LSOAs
    review = pd.read_csv(Path(result.config.extracts.review_takeup))
    # both periods pooled ([analysis] pool_quarters = 4, two quarters available)
    latest = review[review["period"].isin(["2025-Q3", "2025-Q4"])].groupby("area_code")[["eligible", "completed"]].sum()
    wards = result.wards.set_index("ward_code")
    np.testing.assert_array_equal(wards.loc[latest.index, "review_eligible"], latest["eligible"])
    np.testing.assert_array_equal(wards.loc[latest.index, "review_completed"], latest["completed"])
    k = len(planted)
    in_top = int((planted_ranks(result, planted) <= k).sum())
    assert in_top >= 0.6 * k, f"{in_top} of the top {k} LSOAs are in the planted wards"


# Planted LSOAs of only moderate need (IDACI 45th-75th percentile) with very low engagement.
# Priority uses the engagement *shortfall* on the rate scale, so "almost nobody reviewed" outranks
# "slightly below the median": 14 of 20 in the top 20 on this seed (6 when priority was a product
# of two percentiles).
def test_moderate_need_planted_pattern_reaches_the_top(biborough_build, tmp_path):
    result, planted = run_synthetic(biborough_build, tmp_path, seed=9, need_band=(0.45, 0.75))
    assert_planted_dominate(result, planted, min_in_top=13, max_rank=60)
