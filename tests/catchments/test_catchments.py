"""Tests of geo.catchments: hub assignment, gap types, catchment polygons and summaries."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.catchments import (
    assign_hubs,
    build_network,
    catchment_polygons,
    demand_points,
    gap_polygons,
    gap_types,
    hub_summary,
)
from geo.config import Travel, TravelMode

COLUMNS = ["hub_id", "travel_minutes_to_hub", "nearest_site_id", "travel_minutes_to_site",
           "within_threshold", "catchment_source"]


def strip_lsoas(n: int = 6, size: float = 1000.0) -> gpd.GeoDataFrame:
    """n square LSOAs of 1 km in a row along the x axis, two wards, index 100.."""
    return gpd.GeoDataFrame(
        {"lsoa21cd": [f"L{i}" for i in range(n)], "ward_code": ["W1"] * (n // 2) + ["W2"] * (n - n // 2)},
        geometry=[box(i * size, 0, (i + 1) * size, size) for i in range(n)],
        index=np.arange(100, 100 + n),
        crs="EPSG:27700",
    )


def sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "hub_id": ["H_WEST", "H_EAST", "S_MID"],
            "name": ["West hub", "East hub", "Middle spoke"],
            "la_code": ["E09000033"] * 3,
            "site_type": ["hub", "hub", "spoke"],
        },
        geometry=[Point(500, 500), Point(5500, 500), Point(3600, 500)],
        crs="EPSG:27700",
    )


def demand_for(lsoa: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    d = demand_points(lsoa, None)
    d["ward_code"] = lsoa["ward_code"]
    return d


# ------------------------------------------------------------------ assign_hubs


def test_assign_hubs_nearest_hub_and_nearest_site():
    lsoa = strip_lsoas()
    travel = Travel(mode="walk", threshold_minutes=15, modes={"walk": TravelMode(6.0, 1.0)})  # 100 m/min
    a = assign_hubs(demand_for(lsoa), sites(), travel)
    assert list(a.columns) == COLUMNS
    assert list(a.index) == list(lsoa.index)
    # LSOA centres at x = 500, 1500, ..., 5500; H_WEST at 500, S_MID at 3600, H_EAST at 5500
    assert a["hub_id"].tolist() == ["H_WEST", "H_WEST", "H_WEST", "H_EAST", "H_EAST", "H_EAST"]
    assert a["nearest_site_id"].tolist() == ["H_WEST", "H_WEST", "S_MID", "S_MID", "S_MID", "H_EAST"]
    np.testing.assert_allclose(a["travel_minutes_to_hub"], [0, 10, 20, 20, 10, 0], atol=1e-4)
    np.testing.assert_allclose(a["travel_minutes_to_site"], [0, 10, 11, 1, 9, 0], atol=1e-4)
    assert a["within_threshold"].tolist() == [True] * 6
    assert (a["catchment_source"] == "nearest").all()
    assert a.attrs["n_ward_fallback"] == 0
    # without the spoke two middle LSOAs are beyond 15 minutes
    b = assign_hubs(demand_for(lsoa), sites().iloc[:2], travel)
    assert b["within_threshold"].tolist() == [True, True, False, False, True, True]


def test_assign_hubs_spoke_parent_hub():
    lsoa = strip_lsoas()
    s = sites()
    s["parent_hub_id"] = [None, None, "H_WEST"]
    travel = Travel(modes={"walk": TravelMode(6.0, 1.0)})
    a = assign_hubs(demand_for(lsoa), s, travel)
    # LSOAs nearest to the spoke (x = 2500, 3500, 4500) belong to its parent
    assert a["hub_id"].tolist() == ["H_WEST"] * 5 + ["H_EAST"]
    np.testing.assert_allclose(a["travel_minutes_to_hub"], [0, 10, 20, 30, 40, 0], atol=1e-4)
    s.loc[2, "parent_hub_id"] = "S_MID"
    with pytest.raises(ValueError, match="not hubs"):
        assign_hubs(demand_for(lsoa), s, travel)


def test_assign_hubs_council_hub_areas_override_and_fallback():
    lsoa = strip_lsoas()
    lsoa.loc[105, "ward_code"] = "W9"  # a ward the council file does not list
    travel = Travel(modes={"walk": TravelMode(6.0, 1.0)})
    areas = pd.DataFrame({"ward_code": ["W1", "W2"], "hub_id": ["H_EAST", "H_WEST"]})
    a = assign_hubs(demand_for(lsoa), sites(), travel, hub_areas=areas)
    assert a["hub_id"].tolist() == ["H_EAST"] * 3 + ["H_WEST"] * 2 + ["H_EAST"]
    assert a["catchment_source"].tolist() == ["council_hub_areas"] * 5 + ["nearest"]
    np.testing.assert_allclose(a["travel_minutes_to_hub"], [50, 40, 30, 30, 40, 0], atol=1e-4)
    # reach is still by nearest site
    assert a["nearest_site_id"].tolist() == ["H_WEST", "H_WEST", "S_MID", "S_MID", "S_MID", "H_EAST"]
    assert a.attrs["n_ward_fallback"] == 1
    assert "W9" in a.attrs["catchment_note"]

    with pytest.raises(ValueError, match="not in the hubs table"):
        assign_hubs(demand_for(lsoa), sites(), travel,
                    hub_areas=pd.DataFrame({"ward_code": ["W1"], "hub_id": ["NOPE"]}))
    with pytest.raises(ValueError, match="more than one hub"):
        assign_hubs(demand_for(lsoa), sites(), travel,
                    hub_areas=pd.DataFrame({"ward_code": ["W1", "W1"], "hub_id": ["H_EAST", "H_WEST"]}))
    with pytest.raises(KeyError, match="ward"):
        assign_hubs(demand_for(lsoa).drop(columns="ward_code"), sites(), travel, hub_areas=areas)


def test_assign_hubs_validates_sites():
    lsoa = strip_lsoas()
    s = sites()
    s["site_type"] = "spoke"
    with pytest.raises(ValueError, match="no site with site_type == 'hub'"):
        assign_hubs(demand_for(lsoa), s, Travel())
    s = pd.concat([sites(), sites().iloc[:1]])
    with pytest.raises(ValueError, match="duplicate"):
        assign_hubs(demand_for(lsoa), s, Travel())


def test_assign_hubs_network_mode_agrees_on_a_straight_street():
    lsoa = strip_lsoas()
    # one street along y = 500 with nodes every 100 m: axis-aligned, so network = straight line
    xs = np.arange(0, 6001, 100.0)
    net = build_network(np.arange(len(xs)), np.column_stack([xs, np.full_like(xs, 500)]),
                        np.arange(len(xs) - 1), np.arange(1, len(xs)))
    travel = Travel(modes={"walk": TravelMode(6.0, 1.0)})
    a_sl = assign_hubs(demand_for(lsoa), sites(), travel)
    a_net = assign_hubs(demand_for(lsoa), sites(), travel, network=net)
    d = demand_for(lsoa)
    assert np.allclose(d.geometry.y, 500)  # the premise: demand points on the street
    pd.testing.assert_frame_equal(a_sl, a_net, check_exact=False, atol=1e-4)


# ------------------------------------------------------------------ gaps and summaries


def test_gap_types():
    areas = pd.DataFrame(
        {"travel_minutes_to_site": [5.0, 15.0, 15.01, np.nan, np.inf, 3.0]},
        index=list("abcdef"),
    )
    low = pd.Series([True, True, True, False, True, None], index=list("abcdef"))
    g = gap_types(areas, threshold_minutes=15, low_engagement_mask=low)
    assert g.name == "gap_type"
    assert list(g.index) == list("abcdef")
    assert g.tolist() == ["near but not engaged", "near but not engaged", "beyond reach",
                          "beyond reach", "beyond reach", ""]
    areas["low"] = [False] * 6
    assert gap_types(areas, threshold_minutes=15, low_engagement_mask="low").tolist() == [
        "", "", "beyond reach", "beyond reach", "beyond reach", ""]
    with pytest.raises(ValueError, match="shape"):
        gap_types(areas, threshold_minutes=15, low_engagement_mask=[True])


def test_catchment_polygons_cover_the_lsoas():
    lsoa = strip_lsoas()
    a = assign_hubs(demand_for(lsoa), sites(), Travel(modes={"walk": TravelMode(6.0, 1.0)}))
    a["under5_est"] = [10.0, 20, 30, 40, 50, 60]
    poly = catchment_polygons(lsoa, a)
    assert len(poly) == a["hub_id"].nunique() == 2
    assert poly["hub_id"].tolist() == ["H_EAST", "H_WEST"]
    assert poly["lsoas"].tolist() == [3, 3]
    assert poly["under5"].tolist() == [150.0, 60.0]
    assert poly.crs.equals("EPSG:27700")
    assert poly.area.sum() == pytest.approx(lsoa.area.sum())
    assert poly.union_all().area == pytest.approx(lsoa.union_all().area)
    assert poly.union_all().symmetric_difference(lsoa.union_all()).area == pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError, match="no row"):
        catchment_polygons(lsoa, a.iloc[:-1])


def test_gap_polygons_and_hub_summary():
    lsoa = strip_lsoas()
    travel = Travel(threshold_minutes=15, modes={"walk": TravelMode(6.0, 1.0)})
    areas = assign_hubs(demand_for(lsoa), sites().iloc[:2], travel)  # no spoke: middle is out of reach
    areas["under5_est"] = [10.0, 20, 30, 40, 50, np.nan]
    areas["hub_children"] = [2.0, 25, 1, 0, 5, 3]
    areas["quadrant"] = ["high need, low engagement", "low need, high engagement",
                         "high need, low engagement", "high need, high engagement",
                         "low need, low engagement", "high need, low engagement"]
    low = areas["quadrant"].str.endswith("low engagement")
    areas["gap_type"] = gap_types(areas, threshold_minutes=15, low_engagement_mask=low)
    assert areas["gap_type"].tolist() == ["near but not engaged", "", "beyond reach", "beyond reach",
                                          "near but not engaged", "near but not engaged"]

    gp = gap_polygons(lsoa, areas)
    assert gp[["hub_id", "gap_type"]].values.tolist() == [
        ["H_EAST", "beyond reach"], ["H_EAST", "near but not engaged"],
        ["H_WEST", "beyond reach"], ["H_WEST", "near but not engaged"],
    ]
    assert gp["lsoas"].tolist() == [1, 2, 1, 1]
    assert gp["under5"].tolist() == [40.0, 50.0, 30.0, 10.0]
    assert gp["children_reached"].tolist() == [0.0, 8.0, 1.0, 2.0]
    assert gp["children_not_reached"].tolist() == [40.0, 45.0, 29.0, 8.0]
    assert gp.area.sum() == pytest.approx(5 * 1e6)
    assert len(gap_polygons(lsoa, areas, include_no_gap=True)) == 5

    s = hub_summary(areas)
    assert s["hub_id"].tolist() == ["H_EAST", "H_WEST"]
    row = s.set_index("hub_id")
    assert row.loc["H_WEST", "lsoas"] == 3 and row.loc["H_EAST", "lsoas"] == 3
    assert row.loc["H_WEST", "under5"] == 60.0
    assert row.loc["H_EAST", "under5"] == 90.0  # NaN skipped
    assert row.loc["H_WEST", "share_under5_within_threshold"] == pytest.approx(30 / 60)
    assert row.loc["H_EAST", "share_under5_within_threshold"] == pytest.approx(50 / 90)
    assert row.loc["H_WEST", "children_reached"] == 28.0
    assert row.loc["H_WEST", "priority_children"] == 40.0
    assert row.loc["H_EAST", "priority_children"] == 0.0  # the priority LSOA has no estimate
    # high need: L0 (10-2), L2 (30-1) in the west; L3 (40-0) in the east, L5 has no estimate
    assert row.loc["H_WEST", "children_not_reached_high_need"] == 37.0
    assert row.loc["H_EAST", "children_not_reached_high_need"] == 40.0

    bare = hub_summary(areas[["hub_id", "within_threshold"]])
    assert bare["lsoas"].tolist() == [3, 3]
    assert bare[["under5", "priority_children", "children_not_reached_high_need"]].isna().all().all()


# ------------------------------------------------------------------ real data

DEMO_HUBS = [  # hub_id, lat, lon, site_type, la_code
    ("WCC-BES", 51.4890, -0.1345, "hub", "E09000033"),
    ("WCC-CHS", 51.5232, -0.1703, "hub", "E09000033"),
    ("WCC-QPK", 51.5297, -0.2035, "hub", "E09000033"),
    ("WCC-BAY", 51.5168, -0.1978, "spoke", "E09000033"),
    ("RBKC-N", 51.5218, -0.2075, "hub", "E09000020"),
    ("RBKC-S", 51.4822, -0.1815, "hub", "E09000020"),
]


def test_real_westminster_and_kensington_chelsea(biborough_lsoas):
    lsoa, pc = biborough_lsoas
    assert len(lsoa) == 224
    hubs = gpd.GeoDataFrame(
        {"hub_id": [h[0] for h in DEMO_HUBS], "name": [h[0] for h in DEMO_HUBS],
         "la_code": [h[4] for h in DEMO_HUBS], "site_type": [h[3] for h in DEMO_HUBS]},
        geometry=gpd.points_from_xy([h[2] for h in DEMO_HUBS], [h[1] for h in DEMO_HUBS]),
        crs="EPSG:4326",
    ).to_crs(27700)

    t0 = time.perf_counter()
    demand = demand_points(lsoa, pc, code_col="LSOA21CD")
    travel = Travel()  # walk 4.5 km/h, detour 1.3, 15 minutes
    a = assign_hubs(demand, hubs, travel)
    elapsed = time.perf_counter() - t0

    assert len(a) == 224 and a.index.equals(lsoa.index)
    assert a["hub_id"].notna().all()
    assert set(a["hub_id"]) == {"WCC-BES", "WCC-CHS", "WCC-QPK", "RBKC-N", "RBKC-S"}  # every hub has a catchment
    assert "WCC-BAY" not in set(a["hub_id"])  # spokes do not own catchments
    assert "WCC-BAY" in set(a["nearest_site_id"])  # but they count for reach
    assert (a["travel_minutes_to_site"] <= a["travel_minutes_to_hub"] + 1e-9).all()
    assert np.isfinite(a["travel_minutes_to_hub"]).all()
    assert a["within_threshold"].equals(a["travel_minutes_to_site"] <= 15)
    assert 0 < a["within_threshold"].sum() < 224
    assert a["travel_minutes_to_hub"].max() < 60  # nowhere in two central boroughs is an hour away

    poly = catchment_polygons(lsoa, a)
    assert len(poly) == 5
    assert poly["lsoas"].sum() == 224
    assert poly.area.sum() == pytest.approx(lsoa.area.sum(), rel=1e-9)
    assert poly.union_all().area == pytest.approx(lsoa.union_all().area, rel=1e-6)
    assert elapsed < 10
