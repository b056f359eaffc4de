"""The synthetic demo extracts: deterministic, labelled, and shaped like the councils' plans."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.demo import simulate, write_demo
from tests.conftest import REPO

DEMO = REPO / "data" / "extracts" / "demo" / "biborough"


def test_demo_is_deterministic_and_matches_committed_files(biborough_config, tmp_path):
    written = write_demo(biborough_config, out_dir=tmp_path)
    for path in written.values():
        assert path.read_bytes() == (DEMO / path.name).read_bytes(), f"{path.name} differs from the committed demo file"


def test_demo_is_labelled_synthetic_and_keyed_on_real_lsoas(biborough_build):
    review = pd.read_csv(DEMO / "review_takeup.csv")
    att = pd.read_csv(DEMO / "hub_attendance.csv")
    hubs = pd.read_csv(DEMO / "hubs.csv")
    for df in (review, att, hubs):
        assert df["data_status"].str.startswith("SYNTHETIC").all()
    assert set(review["area_code"]) == set(biborough_build.lsoa["lsoa21cd"])
    assert sorted(review["period"].unique()) == [f"{y}-Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
    assert hubs["note"].str.contains("approximate").all()
    assert set(hubs["hub_id"]) == {"WCC-BES", "WCC-CHS", "WCC-QPK", "WCC-BAY", "RBKC-N", "RBKC-S"}


def test_demo_follows_the_plans(biborough_build):
    """Westminster take-up ~2/3 in the north-west hub area, under half in the north-east;
    attendance falls with distance; planted LSOAs are high need with low engagement."""
    from scipy.spatial import cKDTree

    review = pd.read_csv(DEMO / "review_takeup.csv")
    lsoa = biborough_build.lsoa
    hubs = biborough_build.hubs
    pts = lsoa.geometry.representative_point()
    xy = np.column_stack([pts.x, pts.y])
    h = hubs[hubs["site_type"] == "hub"]
    _, i = cKDTree(np.column_stack([h.geometry.x, h.geometry.y])).query(xy)
    area = pd.Series(h["hub_id"].to_numpy()[i], index=lsoa["lsoa21cd"])
    r = review.assign(hub=review["area_code"].map(area)).groupby("hub")[["eligible", "completed"]].sum()
    rate = r["completed"] / r["eligible"]
    assert 0.58 <= rate["WCC-QPK"] <= 0.75, rate
    assert rate["WCC-CHS"] < 0.5, rate
    # ward-to-ward variation is sharp
    w = review.assign(ward=review["area_code"].map(lsoa.set_index("lsoa21cd")["ward_code"])).groupby("ward")[["eligible", "completed"]].sum()
    wr = w["completed"] / w["eligible"]
    assert wr.max() - wr.min() > 0.3
    # attendance falls with distance from the nearest site
    d, _ = cKDTree(np.column_stack([hubs.geometry.x, hubs.geometry.y])).query(xy)
    near = lsoa["reach_rate"][d < np.quantile(d, 0.33)].mean()
    far = lsoa["reach_rate"][d > np.quantile(d, 0.67)].mean()
    assert near > 1.5 * far
    planted = pd.read_csv(DEMO / "planted.csv")
    assert len(planted) == 20
    p = lsoa.set_index("lsoa21cd").loc[planted["lsoa21cd"]]
    assert p["imd_score"].median() > lsoa["imd_score"].quantile(0.7)
    assert p["reach_rate"].median() < lsoa["reach_rate"].quantile(0.25)


def test_another_seed_gives_other_numbers(biborough_config, biborough_build):
    a = simulate(biborough_config, biborough_build.public, seed=1)
    b = simulate(biborough_config, biborough_build.public, seed=2)
    assert not a["review_takeup"]["completed"].equals(b["review_takeup"]["completed"])
    c = simulate(biborough_config, biborough_build.public, seed=1)
    pd.testing.assert_frame_equal(a["hub_attendance"], c["hub_attendance"])


def test_leicestershire_demo_matches_committed_files(leicestershire_config, tmp_path):
    written = write_demo(leicestershire_config, out_dir=tmp_path)
    committed = REPO / "data" / "extracts" / "demo" / "leicestershire"
    for path in written.values():
        assert path.read_bytes() == (committed / path.name).read_bytes(), f"{path.name} differs from the committed demo file"
