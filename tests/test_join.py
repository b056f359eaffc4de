"""Unit tests of geo.join on small hand-made frames: rates, under-5 estimates, the LSOA and ward tables."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.config import load_config
from geo.inputs.public import PublicData
from geo.join import COUNT_COLUMNS, lsoa_table, rate, under5_estimate, ward_table

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config.toml"
CODES = ["E01000003", "E01000001", "E01000002"]  # deliberately out of order


def _config(ratio: float):
    return load_config(REPO_CONFIG).with_(under5_ratio=ratio)


def _public() -> PublicData:
    lsoa = gpd.GeoDataFrame(
        {"lsoa21cd": CODES, "lsoa21nm": ["C 001C", "A 001A", "B 001B"], "lad_code": ["E09000033"] * 3},
        geometry=[box(200, 0, 300, 100), box(0, 0, 100, 100), box(100, 0, 200, 100)],
        crs=27700,
    )
    wards = gpd.GeoDataFrame(
        {
            "ward_code": ["E05000001", "E05000002"],
            "ward_name": ["North", "South"],
            "lad_code": ["E09000033"] * 2,
            "ward_source": ["ONS"] * 2,
        },
        geometry=[box(0, 0, 200, 100), box(200, 0, 300, 100)],
        crs=27700,
    )
    imd = pd.DataFrame(
        {
            "lsoa21cd": CODES,
            "imd_score": [40.0, 10.0, 20.0],
            "imd_decile": [1, 8, 2],
            "imd_rank": [100, 9000, 2000],
            "idaci_score": [0.4, np.nan, 0.2],
            "idaci_decile": [1, np.nan, 3],
            "income_score": [0.3, 0.05, 0.1],
        }
    )
    population = pd.DataFrame({"lsoa21cd": CODES, "pop_total": [1500, 1200, 1300], "pop_0_15": [300, 100, 200]})
    lookup = pd.DataFrame(
        {
            "lsoa21cd": CODES,
            "ward_code": ["E05000002", "E05000001", "E05000001"],
            "ward_name": ["South", "North", "North"],
        }
    )
    empty = pd.DataFrame()
    return PublicData(lsoa, wards, imd, population, lookup, empty, empty, None, {})


def test_rate_is_nan_where_the_denominator_is_zero():
    got = rate([1, 3, 0, 2], [4, 0, 0, 8])
    assert got[0] == 0.25 and got[3] == 0.25
    assert np.isnan(got[1]) and np.isnan(got[2])
    assert rate(pd.Series([5]), pd.Series([2]))[0] == 2.5  # not capped


def test_under5_estimate_uses_the_ratio_unless_a_count_is_given():
    public = _public()
    est = under5_estimate(public, _config(0.25))
    assert list(est.columns) == ["lsoa21cd", "pop_0_15", "under5_est", "under5_source"]
    assert list(est["lsoa21cd"]) == CODES
    assert list(est["under5_est"]) == [75.0, 25.0, 50.0]
    assert set(est["under5_source"]) == {"estimate: Census 2021 age 0-15 x 0.25"}
    given = under5_estimate(public, _config(0.25), pd.Series({"E01000001": 31.26}))
    assert list(given["under5_est"]) == [75.0, 31.3, 50.0]
    assert list(given["under5_source"]) == [
        "estimate: Census 2021 age 0-15 x 0.25",
        "supplied under-5 file",
        "estimate: Census 2021 age 0-15 x 0.25",
    ]


def _lsoa(review=True, attendance=True) -> gpd.GeoDataFrame:
    public = _public()
    under5 = under5_estimate(public, _config(0.3))
    rv = (
        pd.DataFrame({"lsoa21cd": ["E01000001", "E01000003"], "eligible": [10, 0], "completed": [7, 0]})
        if review
        else None
    )
    at = (
        pd.DataFrame(
            {
                "lsoa21cd": ["E01000001", "E01000001", "E01000002"],
                "hub_id": ["H1", "H2", "H1"],
                "children": [20, 30, 12],
            }
        )
        if attendance
        else None
    )
    return lsoa_table(public, under5, rv, at)


def test_lsoa_table_joins_counts_and_recomputes_rates():
    t = _lsoa()
    assert t.crs.to_epsg() == 27700
    assert list(t["lsoa21cd"]) == sorted(CODES)  # sorted by code
    assert list(t.columns[:5]) == ["lsoa21cd", "lsoa21nm", "lad_code", "ward_code", "ward_name"]
    assert t.columns[-1] == "geometry"
    row = t.set_index("lsoa21cd")
    assert list(row["ward_code"]) == ["E05000001", "E05000001", "E05000002"]
    assert list(row["under5_est"]) == [30.0, 60.0, 90.0]
    assert list(row["review_eligible"]) == [10, 0, 0] and row["review_eligible"].dtype == "int64"
    assert row.loc["E01000001", "review_rate"] == 0.7
    assert np.isnan(row.loc["E01000002", "review_rate"]) and np.isnan(row.loc["E01000003", "review_rate"])
    # attendance summed over hubs (20 + 30 = 50 of 30 under-5s), reach capped at 1
    assert list(row["hub_children"]) == [50, 12, 0]
    assert row.loc["E01000001", "reach_rate"] == 1.0
    assert row.loc["E01000002", "reach_rate"] == pytest.approx(12 / 60)
    assert list(row["idaci_available"]) == [False, True, True]


def test_lsoa_table_without_extracts_has_zero_counts():
    t = _lsoa(review=False, attendance=False)
    assert (t["review_eligible"] == 0).all() and (t["hub_children"] == 0).all()
    assert t["review_rate"].isna().all()
    assert (t["reach_rate"] == 0).all()


def test_ward_table_sums_lsoas_and_weights_scores_by_under5s():
    t = _lsoa()
    w = ward_table(t, _public().wards).set_index("ward_code")
    assert list(w.index) == ["E05000001", "E05000002"]
    north = w.loc["E05000001"]
    assert north["lsoas"] == 2 and north["under5_est"] == 90.0
    assert north["review_eligible"] == 10 and north["review_completed"] == 7
    assert north["review_rate"] == 0.7  # from the sums, not the mean of LSOA rates
    assert north["hub_children"] == 62
    assert north["reach_rate"] == pytest.approx(62 / 90)
    # under-5-weighted: (10 x 30 + 20 x 60) / 90
    assert north["imd_score"] == pytest.approx((10 * 30 + 20 * 60) / 90)
    # IDACI missing for E01000001: weighted over the LSOA that has it
    assert north["idaci_score"] == pytest.approx(0.2)
    assert north["lsoas_imd_decile_1_2"] == 1
    assert w.loc["E05000002", "lsoas_imd_decile_1_2"] == 1
    assert np.isnan(w.loc["E05000002", "review_rate"])
    assert w.crs.to_epsg() == 27700
    assert set(COUNT_COLUMNS) <= set(w.columns)


def test_ward_table_keeps_only_wards_with_lsoas_and_sums_extra_counts():
    t = _lsoa()
    t["visits"] = [1, 2, 3]
    wards = pd.concat(
        [
            _public().wards,
            gpd.GeoDataFrame(
                {"ward_code": ["E05000009"], "ward_name": ["Empty"], "lad_code": ["E09000033"], "ward_source": ["ONS"]},
                geometry=[box(0, 500, 10, 510)],
                crs=27700,
            ),
        ]
    )
    w = ward_table(t, gpd.GeoDataFrame(wards, crs=27700), extra_counts=["visits", "not_a_column"])
    assert list(w["ward_code"]) == ["E05000001", "E05000002"]
    assert list(w["visits"]) == [3, 3]
    assert "not_a_column" not in w.columns
