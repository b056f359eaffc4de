"""``[analysis] pool_quarters``: the model, the maps and every table use the pooled window (issue 19.2)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from geo.build import run

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data/extracts/demo/biborough"


def _with(config, *, pool: int, period: str | None = None):
    return config.with_(analysis=replace(config.analysis, pool_quarters=pool), period=period)


def test_the_model_uses_the_summed_counts_of_the_window(biborough_build):
    result = biborough_build  # the default: four quarters pooled
    assert result.config.analysis.pool_quarters == 4
    window = result.inputs.period["window"]
    assert window == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    review = pd.read_csv(DEMO / "review_takeup.csv")
    sums = review[review["period"].isin(window)].groupby("area_code")[["eligible", "completed"]].sum()
    lsoa = result.lsoa.set_index("lsoa21cd")
    np.testing.assert_array_equal(lsoa.loc[sums.index, "review_eligible"], sums["eligible"])
    np.testing.assert_array_equal(lsoa.loc[sums.index, "review_completed"], sums["completed"])
    np.testing.assert_allclose(lsoa.loc[sums.index, "review_rate"], sums["completed"] / sums["eligible"])
    att = pd.read_csv(DEMO / "hub_attendance.csv")
    per_hub = att[att["period"].isin(window)].groupby(["area_code", "hub_id"])["children"].sum()
    mean = np.floor(per_hub / 4 + 0.5).groupby(level="area_code").sum()  # children per quarter, averaged
    np.testing.assert_array_equal(lsoa.loc[mean.index, "hub_children"], mean)
    # stated: in the notes, the reconciliation and every period label the pack and the app print
    assert result.analysis_window == "2025-Q1 to 2025-Q4 pooled"
    assert any("2025-Q1 to 2025-Q4 pooled" in n and "pool_quarters" in n for n in result.notes)
    assert result.inputs.periods == {"review_takeup": "2025-Q1 to 2025-Q4 pooled", "hub_attendance": "2025-Q1 to 2025-Q4 pooled"}
    assert result.monitoring()["model_and_maps_use"] == "2025-Q1 to 2025-Q4 pooled"


def test_one_quarter_and_pooled_give_different_models(biborough_build):
    single = run(_with(biborough_build.config, pool=1), public=biborough_build.public)
    review = pd.read_csv(DEMO / "review_takeup.csv")
    q4 = review[review["period"] == "2025-Q4"].groupby("area_code")[["eligible", "completed"]].sum()  # rows per group
    lsoa = single.lsoa.set_index("lsoa21cd")
    np.testing.assert_array_equal(lsoa.loc[q4.index, "review_completed"], q4["completed"])
    assert single.analysis_window == "2025-Q4" and single.inputs.periods["review_takeup"] == "2025-Q4"
    # pooling gives small areas enough children: far fewer LSOAs below the threshold
    small_single = (single.lsoa["review_completed"] < 5).mean()
    small_pooled = (biborough_build.lsoa["review_completed"] < 5).mean()
    assert small_single > 0.8 and small_pooled < 0.4
    # and another model: smoothed rates and priority ranks move
    a = single.lsoa.set_index("lsoa21cd")["review_rate_smoothed"]
    b = biborough_build.lsoa.set_index("lsoa21cd")["review_rate_smoothed"]
    assert not np.allclose(a, b.loc[a.index])


def test_a_window_is_cut_where_the_extracts_begin_and_said_so(biborough_build):
    result = run(_with(biborough_build.config, pool=4, period="2024-Q2"), public=biborough_build.public)
    assert result.inputs.period["window"] == ["2024-Q1", "2024-Q2"]
    assert any("only 2 consecutive quarter(s) ending 2024-Q2" in n for n in result.notes)
    review = pd.read_csv(DEMO / "review_takeup.csv")
    assert result.lsoa["review_eligible"].sum() == review.loc[review["period"].isin(["2024-Q1", "2024-Q2"]), "eligible"].sum()
    rec = {f["kind"]: f for f in result.reconciliation()["files"]}["review_takeup"]
    outside = int((~review["period"].isin(["2024-Q1", "2024-Q2"])).sum())   # six quarters, rows per LSOA and group
    assert rec["excluded_by_reason"] == {"other period (not in 2024-Q1 to 2024-Q2)": outside} and rec["balanced"]
