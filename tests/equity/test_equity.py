"""Equity by group: equity.csv on the demo (planted gap), a no-gap simulation, the demo's split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.build import run
from geo.config import load_config
from geo.demo_groups import GAP_GROUP, split_by_group
from geo.equity import COLUMNS, equity_table
from geo.equity.table import default_periods
from geo.outputs import write
from models.equity import compare_groups

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "extracts" / "demo" / "biborough"


def _rewritten_config(tmp_path: Path, base, review: Path) -> Path:
    text = Path(base.path).read_text()
    for key, value in {"boundaries_dir": base.boundaries_dir.parent, "public_dir": base.public_dir.parent,
                       "review_takeup": review}.items():
        lines = [f'{key} = "{value}"' if ln.startswith(f"{key} =") else ln for ln in text.splitlines()]
        text = "\n".join(lines)
    for key in ("hub_attendance", "hubs", "outreach_sessions"):
        text = text.replace(f'{key} = "data/', f'{key} = "{REPO}/data/')
    text = text.replace('venues = "data/', f'venues = "{base.public_dir.parent}/').replace(f"{base.public_dir.parent}/extracts/public/biborough/", f"{base.public_dir}/")
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_equity_csv_columns_and_la_counts_exact_against_the_extract(biborough_build, tmp_path):
    paths = write(biborough_build, tmp_path)
    table = pd.read_csv(paths["equity"], keep_default_na=False, na_values=[""])
    assert list(table.columns[: len(COLUMNS)]) == COLUMNS
    assert set(table["level"]) == {"lsoa", "ward", "hub", "la", "study_area"}
    periods = default_periods(biborough_build)
    assert len(periods) == biborough_build.config.analysis.pool_quarters  # the window ending at the analysis period
    review = pd.read_csv(DEMO / "review_takeup.csv")
    review = review[review["period"].isin(periods)].fillna({"ethnic_group": "Not stated"})
    la_of = biborough_build.lsoa.set_index("lsoa21cd")["lad_code"]
    expected = review.assign(la=review["area_code"].map(la_of)).groupby(["la", "ethnic_group"])[["completed", "eligible"]].sum()
    la = table[table["level"] == "la"].set_index(["area_code", "group"])
    got = la.loc[expected.index, ["numerator", "denominator"]].to_numpy()
    np.testing.assert_array_equal(got, expected.to_numpy())
    # the area totals over groups are the extract's totals, and the LSOA level sums to lsoa.csv's analysis-period counts
    lsoa = table[(table["level"] == "lsoa")]
    # the equity table pools the same window as the model (the build's analysis window)
    assert periods == biborough_build.inputs.period["window"]
    per_lsoa = lsoa.groupby("area_code")["denominator"].sum()
    np.testing.assert_array_equal(per_lsoa.loc[biborough_build.lsoa["lsoa21cd"]].to_numpy(), biborough_build.lsoa["review_eligible"].to_numpy())
    assert len(lsoa) == 6 * len(biborough_build.lsoa)


def test_planted_group_is_flagged_lower_with_its_interval_below_zero(biborough_build):
    table = equity_table(biborough_build)
    planted = pd.read_csv(DEMO / "planted_groups.csv").iloc[0]
    assert planted["group"] == GAP_GROUP and planted["difference"] < -0.1
    for level in ("study_area", "la"):
        rows = table[(table["level"] == level) & (table["group"] == GAP_GROUP)]
        assert (rows["flag"] == "lower").all(), rows
        assert (rows["difference_hi"] < 0).all() and (rows["difference"] < 0).all()
    study = table[(table["level"] == "study_area")].set_index("group")
    assert study.loc[GAP_GROUP, "children_to_area_rate"] > 20  # children missing out on the area's rate
    assert study.loc["Not stated", "flag"] == "not compared"
    # few false flags: no other group is flagged lower anywhere at LA or study-area level
    others = table[table["level"].isin(["la", "study_area"]) & ~table["group"].isin([GAP_GROUP, "Not stated"])]
    assert (others["flag"] != "lower").all()


def test_few_false_flags_on_a_no_gap_extract(biborough_config, tmp_path):
    """The demo's reviews re-split across groups at random (no gap): at most one false flag at any level."""
    rng = np.random.default_rng(5)
    review = pd.read_csv(DEMO / "review_takeup.csv", keep_default_na=False, dtype={"ethnic_group": str})
    keys = ["area_code", "period"]
    completed = review.groupby(keys)["completed"].transform("sum").to_numpy()
    review["completed"] = 0
    for _, idx in review.groupby(keys).groups.items():  # completed reviews drawn among eligible children with equal chance
        e = review.loc[idx, "eligible"].to_numpy()
        k = int(completed[review.index.get_loc(idx[0])])
        picks = rng.permutation(np.repeat(np.arange(len(e)), e))[:k]
        review.loc[idx, "completed"] = np.bincount(picks, minlength=len(e))
    path = tmp_path / "review.csv"
    review.to_csv(path, index=False)
    result = run(load_config(_rewritten_config(tmp_path, biborough_config, path)))
    table = equity_table(result)
    flagged = table[table["flag"].isin(["lower", "higher"])]
    assert len(flagged) <= 1, flagged[["level", "area_code", "group", "difference", "q_value"]]


def test_false_discovery_rate_under_no_gap_in_simulation():
    """200 simulated studies of 40 areas x 5 groups with no gap: flags are rare (BH at 0.05)."""
    rng = np.random.default_rng(21)
    studies_with_flags = 0
    for _ in range(200):
        n = rng.integers(5, 80, size=(40, 5))
        k = rng.binomial(n, 0.6)
        out = compare_groups(k.ravel(), n.ravel(), np.repeat(k.sum(axis=1), 5), np.repeat(n.sum(axis=1), 5))
        studies_with_flags += bool(out["flag"].isin(["lower", "higher"]).any())
    assert studies_with_flags <= 0.08 * 200, studies_with_flags


def test_the_demo_split_keeps_every_row_total_and_plants_the_gap():
    rng = np.random.default_rng(3)
    codes = np.array([f"E0100{i:04d}" for i in range(60)])
    review = pd.DataFrame({"area_code": np.tile(codes, 4), "period": np.repeat(["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"], 60)})
    review["eligible"] = rng.poisson(12, len(review))
    review["completed"] = rng.binomial(review["eligible"], 0.6)
    review["data_status"] = "SYNTHETIC"
    att = review[["area_code", "period"]].assign(hub_id="H1", children=rng.poisson(20, len(review)), data_status="SYNTHETIC")
    att = att[["area_code", "hub_id", "period", "children", "data_status"]]
    r, a, planted = split_by_group(review, att, codes=codes, idaci_rank=np.linspace(0, 1, 60), la_codes=np.full(60, "E09000033"),
                                   seed=1, latest=["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"])
    pd.testing.assert_frame_equal(r.groupby(["area_code", "period"])[["eligible", "completed"]].sum(),
                                  review.groupby(["area_code", "period"])[["eligible", "completed"]].sum())
    pd.testing.assert_frame_equal(a.groupby(["area_code", "hub_id", "period"])[["children"]].sum(),
                                  att.groupby(["area_code", "hub_id", "period"])[["children"]].sum())
    assert (r["completed"] <= r["eligible"]).all() and set(r["ethnic_group"]) <= {"Asian", "Black", "Mixed", "White", "Other", ""}
    assert planted.iloc[0]["difference"] < -0.05


@pytest.mark.parametrize("kind", ["review_takeup", "hub_attendance"])
def test_demo_files_carry_the_group_column(kind):
    t = pd.read_csv(DEMO / f"{kind}.csv", keep_default_na=False)
    assert "ethnic_group" in t.columns
    assert set(t["ethnic_group"]) == {"Asian", "Black", "Mixed", "White", "Other", ""}


def test_leicestershire_planted_group_is_lower_and_published_safely(leicestershire_build):
    """The rural county (seven districts): the planted gap is found for the county, and its many small
    district and hub cells are withheld with no small count left recoverable by the gate's own attack."""
    from geo.disclosure import DisclosureRule
    from geo.equity.publish import published_equity

    table = equity_table(leicestershire_build)
    county = table[(table["level"] == "study_area")].set_index("group")
    assert county.loc[GAP_GROUP, "flag"] == "lower" and county.loc[GAP_GROUP, "difference_hi"] < 0
    assert (table.loc[table["level"].isin(["la", "study_area"]) & (table["flag"] == "lower"), "group"] == GAP_GROUP).all()
    published = published_equity(leicestershire_build, DisclosureRule(5), table=table)
    reasons = published.audit["reason"].value_counts()
    assert reasons["primary"] > 20 and reasons["secondary"] > 0
    assert set(published.display["level"]) == {"hub", "la", "study_area"}
