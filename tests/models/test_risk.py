"""Tests of models.risk: need/engagement scoring, explanation and sensitivity."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from models.explain import explain, sensitivity
from models.risk import (
    QUADRANTS,
    SCORE_COLUMNS,
    percentile_rank,
    score_areas,
)
from models.stats import wilson_interval
from models.weights import DEFAULT_WEIGHTS, Weights

W = DEFAULT_WEIGHTS


def test_the_models_default_weights_are_the_configs():
    """models.weights (for callers without a config) keeps the defaults of geo.config.ModelWeights."""
    from geo.config import ModelWeights

    cfg = ModelWeights()
    assert Weights(cfg.need, cfg.engagement, cfg.high_need_percentile, cfg.low_engagement_percentile) == W


def make_areas(seed: int = 0, n: int = 200, planted: int = 20, decoys: int = 20) -> tuple[pd.DataFrame, np.ndarray]:
    """Synthetic study area with planted high-need/low-engagement areas.

    Also plants ``decoys`` high-need/high-engagement and ``decoys`` low-need/low-engagement
    areas, which a sound priority score must not put at the top.
    Returns the frame and a boolean mask of the planted areas.
    """
    rng = np.random.default_rng(seed)
    idaci = rng.uniform(0.05, 0.35, n)
    imd = rng.uniform(5, 40, n)
    under5 = rng.uniform(60, 140, n)
    p_review = rng.uniform(0.6, 0.9, n)
    p_reach = rng.uniform(0.25, 0.55, n)

    idx = rng.permutation(n)
    hot, high_high, low_low = idx[:planted], idx[planted:planted + decoys], idx[planted + decoys:planted + 2 * decoys]
    for sel in (hot, high_high):
        idaci[sel] = rng.uniform(0.45, 0.6, sel.size)
        imd[sel] = rng.uniform(50, 70, sel.size)
        under5[sel] = rng.uniform(150, 200, sel.size)
    p_review[hot] = rng.uniform(0.3, 0.45, hot.size)
    p_reach[hot] = rng.uniform(0.05, 0.15, hot.size)
    p_review[low_low] = rng.uniform(0.3, 0.45, low_low.size)
    p_reach[low_low] = rng.uniform(0.05, 0.15, low_low.size)

    eligible = rng.integers(15, 45, n)
    completed = rng.binomial(eligible, p_review)
    hub = rng.binomial(np.round(under5).astype(int), p_reach)
    income = idaci * 0.8 + rng.normal(0, 0.02, n)
    idaci_obs = np.where(rng.random(n) < 0.1, np.nan, idaci)  # some IDACI unavailable
    areas = pd.DataFrame(
        {
            "under5_est": under5,
            "imd_score": imd,
            "idaci_score": idaci_obs,
            "income_score": income,
            "review_eligible": eligible,
            "review_completed": completed,
            "hub_children": hub,
        },
        index=pd.Index([f"E01{i:06d}" for i in range(n)], name="lsoa21cd"),
    )
    mask = np.zeros(n, dtype=bool)
    mask[hot] = True
    return areas, mask


# ----------------------------------------------------------------------------- basics


def test_percentile_rank_definition():
    assert percentile_rank([3, 1, 2]).tolist() == [100.0, 0.0, 50.0]
    out = percentile_rank([1, 1, np.nan, 4])
    assert out[0] == out[1] == 25.0 and np.isnan(out[2]) and out[3] == 100.0
    assert percentile_rank([7.0]).tolist() == [50.0]


def test_planted_high_need_low_engagement_areas_rank_top():
    areas, planted = make_areas(seed=0)
    s = score_areas(areas, W)
    top20 = s["priority_rank"].to_numpy() <= 20
    assert (top20 & planted).sum() >= 16
    # decoys: high need alone or low engagement alone should not fill the top
    assert (s.loc[planted, "quadrant"] == "high need, low engagement").mean() >= 0.9


@pytest.mark.parametrize("seed", [1, 2])
def test_planted_areas_rank_top_other_seeds(seed):
    areas, planted = make_areas(seed=seed)
    s = score_areas(areas, W)
    assert ((s["priority_rank"].to_numpy() <= 20) & planted).sum() >= 16


def test_returns_new_frame_with_same_index_and_all_columns():
    areas, _ = make_areas()
    before = areas.copy()
    s = score_areas(areas, W)
    pd.testing.assert_frame_equal(areas, before)  # input untouched
    assert s is not areas
    assert s.index.equals(areas.index)
    assert set(SCORE_COLUMNS) <= set(s.columns)
    assert list(s.columns[: areas.shape[1]]) == list(areas.columns)
    # re-scoring a scored frame replaces, not duplicates, the columns
    again = score_areas(s, W)
    assert again.columns.is_unique
    pd.testing.assert_series_equal(again["priority_score"], s["priority_score"])


def test_priority_rank_is_permutation_and_follows_score():
    areas, _ = make_areas()
    s = score_areas(areas, W)
    ranks = s["priority_rank"].to_numpy()
    assert sorted(ranks.tolist()) == list(range(1, len(s) + 1))
    ordered = s.sort_values("priority_rank")["priority_score"].to_numpy()
    assert np.all(np.diff(ordered) <= 0)
    # shortfall below the study-area rate, on the rate scale, weighted like engagement
    p_review = s["review_completed"].clip(upper=s["review_eligible"]).sum() / s["review_eligible"].sum()
    n_reach = np.floor(s["under5_est"] + 0.5)
    p_reach = np.minimum(s["hub_children"], n_reach).sum() / n_reach.sum()
    shortfall = 0.5 * (1 - s["review_rate_smoothed"] / p_review) + 0.5 * (1 - s["reach_rate_smoothed"] / p_reach)
    assert np.allclose(s["engagement_shortfall"], shortfall)
    expected = s["need_score"] * shortfall.clip(0, 1)
    assert np.allclose(s["priority_score"], expected)
    # ranks follow the unclipped product, so areas above the study-area rate are ordered too
    above = s[shortfall < 0].sort_values("priority_rank")
    assert np.all(np.diff((above["need_score"] * shortfall[above.index]).to_numpy()) <= 0)


def test_ties_broken_by_row_order_and_deterministic():
    areas, _ = make_areas(n=60, planted=5, decoys=5)
    dup = pd.concat([areas.iloc[[3]].rename(index=lambda c, suffix=suffix: c + suffix) for suffix in ("a", "b")])
    both = pd.concat([areas, dup])
    s = score_areas(both, W)
    a, b = s.loc[dup.index, "priority_rank"]
    assert s.loc[dup.index[0], "priority_score"] == s.loc[dup.index[1], "priority_score"]
    assert a + 1 == b
    pd.testing.assert_frame_equal(s, score_areas(both, W))


def test_quadrant_consistent_with_scores_and_thresholds():
    areas, _ = make_areas()
    for hn, le in ((50, 50), (70, 30)):
        w = replace(W, high_need_percentile=hn, low_engagement_percentile=le)
        s = score_areas(areas, w)
        assert set(s["quadrant"]) <= set(QUADRANTS)
        high_need = s["need_score"] >= hn
        low_eng = s["engagement_score"] < le
        assert (s.loc[high_need & low_eng, "quadrant"] == "high need, low engagement").all()
        assert (s.loc[high_need & ~low_eng, "quadrant"] == "high need, high engagement").all()
        assert (s.loc[~high_need & low_eng, "quadrant"] == "low need, low engagement").all()
        assert (s.loc[~high_need & ~low_eng, "quadrant"] == "low need, high engagement").all()


def test_contributions_sum_to_indices_and_scores_are_percentiles():
    areas, _ = make_areas()
    s = score_areas(areas, W)
    contrib = s[["need_contrib_idaci", "need_contrib_imd", "need_contrib_under5"]].sum(axis=1)
    assert np.allclose(contrib, s["need_index"])
    manual = 0.5 * s["need_idaci_pct"] + 0.3 * s["need_imd_pct"] + 0.2 * s["need_under5_pct"]
    assert np.allclose(manual, s["need_index"])
    eng = 0.5 * s["eng_review_pct"] + 0.5 * s["eng_reach_pct"]
    assert np.allclose(eng, s["engagement_index"])
    assert np.allclose(s["need_score"], percentile_rank(s["need_index"]))
    for col in ("need_score", "engagement_score", "priority_score"):
        assert s[col].between(0, 100).all()


def test_weights_are_normalised():
    areas, _ = make_areas()
    scaled = Weights(need={"idaci": 5, "imd": 3, "under5": 2}, engagement={"review": 7, "reach": 7})
    pd.testing.assert_frame_equal(
        score_areas(areas, W).drop(columns=[]), score_areas(areas, scaled), check_like=False, check_exact=False
    )


def test_changing_a_need_weight_changes_the_ranking():
    areas, _ = make_areas()
    base = score_areas(areas, W)["priority_rank"]
    volume = score_areas(areas, Weights(need={"idaci": 0.1, "imd": 0.1, "under5": 0.8}))["priority_rank"]
    assert not base.equals(volume)
    imd_only = score_areas(areas, Weights(need={"idaci": 0.0, "imd": 1.0, "under5": 0.0}))
    assert np.allclose(imd_only["need_index"], imd_only["need_imd_pct"])


def test_invalid_weights_rejected():
    areas, _ = make_areas(n=30, planted=3, decoys=3)
    with pytest.raises(ValueError, match="unknown"):
        score_areas(areas, Weights(need={"idaci": 1, "poverty": 1}))
    with pytest.raises(ValueError, match="zero"):
        score_areas(areas, Weights(engagement={"review": 0, "reach": 0}))
    with pytest.raises(ValueError, match="missing column"):
        score_areas(areas.drop(columns="hub_children"), W)


# ----------------------------------------------------------------------------- inputs


def test_idaci_falls_back_to_income_score():
    areas, _ = make_areas()
    s = score_areas(areas, W)
    missing = areas["idaci_score"].isna()
    assert missing.any()
    assert (s.loc[missing, "idaci_source"] == "income").all()
    assert (s.loc[~missing, "idaci_source"] == "idaci").all()
    value = areas["idaci_score"].fillna(areas["income_score"])
    assert np.allclose(s["need_idaci_pct"], percentile_rank(value))


def test_missing_need_component_renormalises_weights():
    areas, _ = make_areas(n=50, planted=5, decoys=5)
    areas.loc[areas.index[0], ["idaci_score", "income_score"]] = np.nan
    s = score_areas(areas, W)
    row = s.iloc[0]
    assert row["idaci_source"] == "missing" and np.isnan(row["need_idaci_pct"])
    assert row["need_index"] == pytest.approx(0.6 * row["need_imd_pct"] + 0.4 * row["need_under5_pct"])
    assert s["need_score"].notna().all()


def test_rates_intervals_flags_and_children_columns():
    areas, _ = make_areas()
    areas.loc[areas.index[0], ["review_eligible", "review_completed"]] = 0
    areas.loc[areas.index[1], "hub_children"] = 10_000  # more than the under-5 estimate
    s = score_areas(areas, W)
    k, n = areas["review_completed"].to_numpy(float), areas["review_eligible"].to_numpy(float)
    lo, hi = wilson_interval(k, n)
    assert np.allclose(s["review_rate_lo"], lo, equal_nan=True)
    assert np.allclose(s["review_rate_hi"], hi, equal_nan=True)
    assert np.isnan(s["review_rate"].iloc[0])
    assert s["review_funnel_flag"].iloc[0] == "no data"
    # issue 18: an empty area's review take-up is unknown, not the pooled rate
    assert np.isnan(s["review_rate_smoothed"].iloc[0]) and np.isnan(s["eng_review_pct"].iloc[0])
    assert s["engagement_basis"].iloc[0] == "reach only (no review data)"
    assert s["reach_rate"].iloc[1] == 1.0  # capped
    assert s["children_not_reached"].iloc[1] == 0.0
    allowed = {"significantly low", "within limits", "significantly high", "no data"}
    for col in ("review_funnel_flag", "review_funnel_flag_95", "reach_funnel_flag"):
        assert set(s[col]) <= allowed
    # planted low-engagement areas produce significantly low flags
    assert (s["reach_funnel_flag"] == "significantly low").sum() >= 10
    assert np.allclose(s["children_not_reviewed"], n - k)
    assert np.allclose(
        s["children_not_reached"], np.maximum(areas["under5_est"] - areas["hub_children"], 0)
    )
    assert np.allclose(s["need_weighted_not_reviewed"], (n - k) * s["need_score"] / 100)
    assert np.allclose(s["need_weighted_not_reached"], s["children_not_reached"] * s["need_score"] / 100)
    # reach denominator is the rounded under-5 estimate
    i = 5
    assert s["reach_rate"].iloc[i] == pytest.approx(
        min(areas["hub_children"].iloc[i], round(areas["under5_est"].iloc[i])) / round(areas["under5_est"].iloc[i])
    )


def test_areas_without_data_are_unknown_not_average():
    areas, _ = make_areas()
    no_review = areas.index[:12]
    areas.loc[no_review, ["review_eligible", "review_completed"]] = 0
    nothing = areas.index[12]
    areas.loc[nothing, ["review_eligible", "review_completed", "under5_est", "hub_children"]] = 0
    s = score_areas(areas, W)
    sub = s.loc[no_review]
    assert (sub["engagement_basis"] == "reach only (no review data)").all()
    assert sub[["review_rate_smoothed", "review_eb_weight", "eng_review_pct", "shortfall_review"]].isna().all().all()
    # engagement rests on reach alone (weights renormalised), not on a made-up 50th percentile
    assert np.allclose(sub["engagement_index"], sub["eng_reach_pct"])
    assert np.allclose(sub["engagement_shortfall"], sub["shortfall_reach"])
    # percentiles of review take-up are taken among the areas with data only
    known = s["review_rate_smoothed"].notna()
    assert s.loc[known, "eng_review_pct"].min() == 0 and s.loc[known, "eng_review_pct"].max() == 100
    row = s.loc[nothing]
    assert row["engagement_basis"] == "no data: check the extract"
    assert np.isnan(row["engagement_score"]) and np.isnan(row["priority_score"]) and pd.isna(row["quadrant"])
    assert row["priority_rank"] == len(s)  # listed apart, after every scored area
    assert s.attrs["smoothing"]["review"]["areas_without_data"] == 13
    # no attendance data anywhere: reach is unknown for every area, engagement is review only
    none = score_areas(areas.assign(hub_children=0), W)
    assert none["reach_rate_smoothed"].isna().all()
    has = none["review_rate_smoothed"].notna()
    assert (none.loc[has, "engagement_basis"] == "review only (no reach data)").all()
    assert np.allclose(none.loc[has, "engagement_shortfall"], none.loc[has, "shortfall_review"])


def test_smoothing_moves_small_areas_toward_the_prior_mean():
    areas, _ = make_areas()
    s = score_areas(areas, W)
    pooled = areas["review_completed"].sum() / areas["review_eligible"].sum()
    prior = s.attrs["smoothing"]["review"]
    # issue 18: the prior is the ML beta-binomial fit; its mean is near (not equal to) the pooled rate
    assert prior["method"] == "ml" and prior["pooled_rate"] == pytest.approx(pooled)
    assert prior["prior_mean"] == pytest.approx(pooled, abs=0.03)
    m = prior["prior_mean"]
    raw, smooth = s["review_rate"], s["review_rate_smoothed"]
    assert ((smooth - m).abs() <= (raw - m).abs() + 1e-12).all()
    size = prior["prior_size"]
    k, n = areas["review_completed"], areas["review_eligible"]
    assert np.allclose(smooth, (k + size * m) / (n + size))


def test_prefix_map_reads_renamed_columns():
    areas, _ = make_areas(n=80, planted=8, decoys=8)
    renamed = areas.rename(
        columns={"review_eligible": "hv2_eligible", "review_completed": "hv2_completed", "under5_est": "u5"}
    )
    a = score_areas(areas, W)
    b = score_areas(renamed, W, prefix_map={"review": "hv2", "under5_est": "u5"})
    pd.testing.assert_series_equal(a["priority_score"], b["priority_score"])


def test_runs_fast_on_all_english_lsoas():
    rng = np.random.default_rng(0)
    n = 33_755
    areas = pd.DataFrame(
        {
            "under5_est": rng.gamma(5, 20, n),
            "imd_score": rng.uniform(2, 70, n),
            "idaci_score": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 0.6, n)),
            "income_score": rng.uniform(0, 0.5, n),
            "review_eligible": rng.integers(0, 40, n),
            "hub_children": rng.integers(0, 60, n),
        }
    )
    areas["review_completed"] = rng.binomial(areas["review_eligible"], 0.7)
    t0 = time.perf_counter()
    s = score_areas(areas, W)
    assert time.perf_counter() - t0 < 2.0  # typically ~0.15 s
    assert sorted(s["priority_rank"]) == list(range(1, n + 1))


# ----------------------------------------------------------------------------- explain


def test_explain_is_tidy_and_adds_up():
    areas, _ = make_areas()
    s = score_areas(areas, W)
    codes = list(s.index[:3])
    t = explain(s, codes)
    assert list(t.columns) == ["area", "index", "component", "value", "percentile", "weight", "contribution"]
    assert len(t) == 3 * 5
    assert t["area"].drop_duplicates().tolist() == codes
    sums = t.groupby(["area", "index"])["contribution"].sum()
    for code in codes:
        assert sums[(code, "need")] == pytest.approx(s.loc[code, "need_index"])
        assert sums[(code, "engagement")] == pytest.approx(s.loc[code, "engagement_index"])
    assert np.allclose(t.groupby(["area", "index"])["weight"].sum(), 1.0)
    one = explain(s, codes[0])
    assert len(one) == 5 and (one["area"] == codes[0]).all()
    assert len(explain(s)) == 5 * len(s)
    # without attrs (e.g. after a round trip through a file) weights are recovered
    bare = s.copy()
    bare.attrs = {}
    t2 = explain(bare, codes, weights=W)
    assert np.allclose(t2["weight"], t["weight"])


# ----------------------------------------------------------------------------- sensitivity


def test_sensitivity_shape_and_delta_zero_is_identity():
    areas, _ = make_areas()
    out = sensitivity(areas, W, delta=0.0, top=20)
    assert out.shape[0] == 2 * (3 + 2)
    assert {"group", "weight", "direction", "spearman", "top_overlap", "top_overlap_share"} <= set(out.columns)
    assert set(zip(out["weight"], out["direction"])) == {
        (w, d) for w in ("idaci", "imd", "under5", "review", "reach") for d in ("down", "up")
    }
    assert np.allclose(out["spearman"], 1.0)
    assert (out["top_overlap"] == 20).all()


def test_sensitivity_detects_change():
    areas, _ = make_areas()
    out = sensitivity(areas, W, delta=0.5, top=20)
    assert (out["spearman"] < 1.0).any()
    assert out["spearman"].between(-1, 1).all()
    assert out["top_overlap"].between(0, 20).all()
    up = out[(out["weight"] == "under5") & (out["direction"] == "up")].iloc[0]
    assert up["new_weight"] == pytest.approx(0.3 / 1.1)
    assert np.allclose(out["top_overlap_share"], out["top_overlap"] / 20)
