"""Tests of geo.catchments (travel, network, demand): demand points, straight-line and network travel times."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from geo.catchments import (
    as_xy,
    build_network,
    demand_points,
    load_network,
    nearest,
    network_minutes,
    paired_minutes,
    straight_line_minutes,
    travel_minutes,
    travel_nearest,
)
from geo.config import Travel, TravelMode
from tests.catchments.conftest import mirror_file

# ------------------------------------------------------------------ fixtures


def grid_lsoas(nx: int = 3, ny: int = 2, size: float = 100.0) -> gpd.GeoDataFrame:
    """nx x ny grid of square LSOAs, codes L00.. in row-major order, index 10, 11, ..."""
    cells = [box(i * size, j * size, (i + 1) * size, (j + 1) * size) for j in range(ny) for i in range(nx)]
    codes = [f"L{j}{i}" for j in range(ny) for i in range(nx)]
    return gpd.GeoDataFrame(
        {"lsoa21cd": codes}, geometry=cells, crs="EPSG:27700", index=np.arange(10, 10 + len(cells))
    )


def lattice(n: int = 11, spacing: float = 100.0, *, ids_offset: int = 1000):
    """Street lattice: n x n nodes, streets along both axes, two-way."""
    jj, ii = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    ids = ids_offset + (jj * n + ii).ravel()
    xy = np.column_stack([ii.ravel() * spacing, jj.ravel() * spacing]).astype(float)
    node = lambda i, j: ids_offset + j * n + i  # noqa: E731
    u, v = [], []
    for j in range(n):
        for i in range(n):
            if i + 1 < n:
                u.append(node(i, j)); v.append(node(i + 1, j))  # noqa: E702
            if j + 1 < n:
                u.append(node(i, j)); v.append(node(i, j + 1))  # noqa: E702
    return ids, xy, np.array(u), np.array(v)


# ------------------------------------------------------------------ demand points


def test_demand_points_postcode_mean_and_representative_point():
    lsoa = grid_lsoas()
    pc = pd.DataFrame(
        {
            "postcode": ["A", "B", "C", "D"],
            "easting": [10, 30, 150, 260],
            "northing": [20, 60, 50, 150],
        }
    )
    out = demand_points(lsoa, pc)
    assert list(out.index) == list(lsoa.index)
    assert out.crs.equals("EPSG:27700")
    assert list(out["lsoa21cd"]) == list(lsoa["lsoa21cd"])
    src = dict(zip(out["lsoa21cd"], out["demand_point_source"]))
    cnt = dict(zip(out["lsoa21cd"], out["n_postcodes"]))
    assert src == {
        "L00": "postcode_mean", "L01": "postcode_mean", "L02": "representative_point",
        "L10": "representative_point", "L11": "representative_point", "L12": "postcode_mean",
    }
    assert cnt == {"L00": 2, "L01": 1, "L02": 0, "L10": 0, "L11": 0, "L12": 1}
    pts = dict(zip(out["lsoa21cd"], out.geometry))
    assert pts["L00"].equals(Point(20, 40))
    assert pts["L01"].equals(Point(150, 50))
    assert pts["L12"].equals(Point(260, 150))
    # representative points lie inside their polygons
    for code, poly in zip(lsoa["lsoa21cd"], lsoa.geometry):
        assert poly.intersects(pts[code])
    assert not out["demand_point_snapped"].any()


def test_demand_points_no_postcodes_and_case_insensitive_code_col():
    lsoa = grid_lsoas().rename(columns={"lsoa21cd": "LSOA21CD"})
    for pc in (None, pd.DataFrame({"easting": [], "northing": []})):
        out = demand_points(lsoa, pc)
        assert "LSOA21CD" in out.columns
        assert (out["demand_point_source"] == "representative_point").all()
        assert (out["n_postcodes"] == 0).all()
        assert shapely.within(np.asarray(out.geometry.array), np.asarray(lsoa.geometry.array)).all()


def test_demand_points_boundary_postcode_counted_once_and_nan_ignored():
    lsoa = grid_lsoas()
    # (100, 50) lies on the L00 / L01 boundary: counted for the first LSOA (L00) only
    pc = pd.DataFrame({"easting": [100.0, np.nan], "northing": [50.0, 10.0]})
    out = demand_points(lsoa, pc).set_index("lsoa21cd")
    assert out.loc["L00", "n_postcodes"] == 1
    assert out.loc["L01", "n_postcodes"] == 0
    assert out["n_postcodes"].sum() == 1


def test_demand_points_concave_mean_outside_falls_back_to_nearest_postcode():
    # a U shape: the mean of postcodes in the two arms falls in the empty middle
    u_shape = Polygon([(0, 0), (300, 0), (300, 300), (200, 300), (200, 100), (100, 100), (100, 300), (0, 300)])
    lsoa = gpd.GeoDataFrame({"lsoa21cd": ["U"]}, geometry=[u_shape], crs="EPSG:27700")
    pc = pd.DataFrame({"easting": [50, 250, 60], "northing": [250, 250, 240]})
    out = demand_points(lsoa, pc)
    mean = Point(pc["easting"].mean(), pc["northing"].mean())
    assert not u_shape.intersects(mean)  # the premise of the test
    assert out["demand_point_source"].iloc[0] == "postcode_mean"
    assert bool(out["demand_point_snapped"].iloc[0])
    # nearest postcode to the mean (120, 246.7) is (60, 240)
    assert out.geometry.iloc[0].equals(Point(60, 240))
    assert u_shape.intersects(out.geometry.iloc[0])


def test_demand_points_reprojects_and_accepts_geodataframe_postcodes():
    lsoa = grid_lsoas()
    lsoa = lsoa.set_geometry(lsoa.geometry.translate(530000, 180000))
    pc = gpd.GeoDataFrame(geometry=[Point(530010, 180020), Point(530030, 180060)], crs="EPSG:27700")
    out_bng = demand_points(lsoa, pc)
    out_wgs = demand_points(lsoa.to_crs(4326), pc.to_crs(4326))
    assert out_wgs.crs.equals("EPSG:27700")
    assert out_bng.geometry.iloc[0].distance(Point(530020, 180040)) < 1e-6
    assert out_wgs.geometry.iloc[0].distance(Point(530020, 180040)) < 0.01
    with pytest.raises(ValueError, match="CRS"):
        demand_points(lsoa.set_crs(None, allow_override=True), None)


# ------------------------------------------------------------------ straight line


def test_straight_line_minutes_exact():
    m = straight_line_minutes([[0, 0]], [[1000, 0], [0, 0], [600, 800]], speed_kmh=4.5, detour=1.3)
    assert m.dtype == np.float32
    assert m.shape == (1, 3)
    np.testing.assert_allclose(m[0], [1000 * 1.3 / 75, 0.0, 1000 * 1.3 / 75], rtol=1e-6)
    assert m[0, 0] == pytest.approx(17.3333333, rel=1e-6)


def test_straight_line_minutes_blocks_equal_one_shot():
    rng = np.random.default_rng(1)
    o = rng.uniform(0, 10_000, size=(257, 2))
    d = rng.uniform(0, 10_000, size=(31, 2))
    full = straight_line_minutes(o, d, speed_kmh=4.5, detour=1.3)
    small = straight_line_minutes(o, d, speed_kmh=4.5, detour=1.3, block_cells=100)
    np.testing.assert_array_equal(full, small)
    brute = np.sqrt(((o[:, None, :] - d[None, :, :]) ** 2).sum(-1)) * 1.3 / 75
    np.testing.assert_allclose(full, brute, rtol=1e-6)
    assert straight_line_minutes(np.empty((0, 2)), d, speed_kmh=4.5, detour=1.3).shape == (0, 31)


def test_nearest_equals_brute_force():
    rng = np.random.default_rng(7)
    o = rng.uniform(0, 50_000, size=(2_000, 2))
    d = rng.uniform(0, 50_000, size=(300, 2))
    brute = straight_line_minutes(o, d, speed_kmh=4.5, detour=1.3).astype(float)
    idx, mins = nearest(o, d, speed_kmh=4.5, detour=1.3)
    np.testing.assert_array_equal(idx, brute.argmin(axis=1))
    np.testing.assert_allclose(mins, brute.min(axis=1), rtol=1e-6)
    idx3, mins3 = nearest(o, d, speed_kmh=4.5, detour=1.3, k=3)
    np.testing.assert_array_equal(idx3, np.argsort(brute, axis=1, kind="stable")[:, :3])
    assert (np.diff(mins3, axis=1) >= 0).all()


def test_nearest_breaks_ties_to_lowest_index():
    d = np.array([[100.0, 0], [-100, 0], [0, 100], [0, -100]])
    idx, mins = nearest(np.zeros((5, 2)), d, speed_kmh=6.0, detour=1.0)
    assert idx.tolist() == [0] * 5
    np.testing.assert_allclose(mins, 1.0)


# ------------------------------------------------------------------ network


def test_network_matches_straight_line_on_a_lattice():
    ids, xy, u, v = lattice()
    net = build_network(ids, xy, u, v)  # lengths from node coordinates
    # points on street axes: same row or same column -> network path = straight line
    pts = np.array([[0, 300], [1000, 300], [400, 300], [400, 0], [400, 1000], [700, 300]], dtype=float)
    net_m = network_minutes(net, pts, pts, speed_kmh=4.5, detour=1.0)
    sl = straight_line_minutes(pts, pts, speed_kmh=4.5, detour=1.0)
    aligned = (pts[:, None, 0] == pts[None, :, 0]) | (pts[:, None, 1] == pts[None, :, 1])
    np.testing.assert_allclose(net_m[aligned], sl[aligned], rtol=1e-6, atol=1e-6)
    # elsewhere the network gives the Manhattan distance
    manhattan = np.abs(pts[:, None, :] - pts[None, :, :]).sum(-1) / 75.0
    np.testing.assert_allclose(net_m, manhattan, rtol=1e-6, atol=1e-6)
    assert (net_m >= sl - 1e-6).all()


def test_network_adds_snap_access_time_and_limit():
    ids, xy, u, v = lattice()
    net = build_network(ids, xy, u, v)
    # origin 30 m north of node (0, 0); destination 20 m east of node (500, 0)
    m = network_minutes(net, [[0, -30]], [[520, 0]], speed_kmh=4.5, detour=1.3)
    expected = (500 + (30 + 20) * 1.3) / 75.0
    assert m[0, 0] == pytest.approx(expected, rel=1e-6)
    lim = network_minutes(net, [[0, 0], [0, 0]], [[500, 0], [100, 0]], speed_kmh=4.5, limit_minutes=5.0)
    assert np.isinf(lim[0, 0]) and lim[0, 1] == pytest.approx(100 / 75.0)


def test_network_directed_respects_one_way_streets():
    # A -> B one way (100 m); B -> C -> A two-way detour of 300 m
    net = build_network(
        ["A", "B", "C"], [[0, 0], [100, 0], [50, 100]],
        ["A", "B", "C"], ["B", "C", "A"], length=[100, 150, 150], oneway=[True, False, False],
    )
    walk = network_minutes(net, [[100, 0]], [[0, 0]], speed_kmh=6.0)
    drive = network_minutes(net, [[100, 0]], [[0, 0]], speed_kmh=6.0, directed=True)
    assert walk[0, 0] == pytest.approx(1.0)
    assert drive[0, 0] == pytest.approx(3.0)
    fwd = network_minutes(net, [[0, 0]], [[100, 0]], speed_kmh=6.0, directed=True)
    assert fwd[0, 0] == pytest.approx(1.0)


def test_parallel_edges_keep_the_shortest():
    net = build_network([1, 2], [[0, 0], [100, 0]], [1, 1, 2], [2, 2, 1], length=[300, 120, 500])
    m = network_minutes(net, [[0, 0]], [[100, 0]], speed_kmh=6.0)
    assert m[0, 0] == pytest.approx(1.2)


GRAPHML = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="graph" attr.name="crs" attr.type="string"/>
  <key id="d1" for="node" attr.name="y" attr.type="string"/>
  <key id="d2" for="node" attr.name="x" attr.type="string"/>
  <key id="d3" for="edge" attr.name="length" attr.type="string"/>
  <key id="d4" for="edge" attr.name="oneway" attr.type="string"/>
  <graph edgedefault="directed">
    <data key="d0">EPSG:27700</data>
    <node id="1"><data key="d1">0</data><data key="d2">0</data></node>
    <node id="2"><data key="d1">0</data><data key="d2">100</data></node>
    <node id="3"><data key="d1">100</data><data key="d2">50</data></node>
    <edge source="1" target="2"><data key="d3">100</data><data key="d4">True</data></edge>
    <edge source="2" target="3"><data key="d3">150</data><data key="d4">False</data></edge>
    <edge source="3" target="2"><data key="d3">150</data><data key="d4">False</data></edge>
    <edge source="3" target="1"><data key="d3">150</data><data key="d4">False</data></edge>
    <edge source="1" target="3"><data key="d3">150</data><data key="d4">False</data></edge>
  </graph>
</graphml>
"""


def test_load_graphml_without_networkx(tmp_path):
    p = tmp_path / "g.graphml"
    p.write_text(GRAPHML)
    net = load_network(p)
    assert net.n_nodes == 3
    np.testing.assert_allclose(net.xy, [[0, 0], [100, 0], [50, 100]])
    assert network_minutes(net, [[100, 0]], [[0, 0]], speed_kmh=6.0)[0, 0] == pytest.approx(1.0)
    assert network_minutes(net, [[100, 0]], [[0, 0]], speed_kmh=6.0, directed=True)[0, 0] == pytest.approx(3.0)
    # an undirected GraphML graph in degrees (no CRS given): reprojected, every edge two-way
    und = GRAPHML.replace('edgedefault="directed"', 'edgedefault="undirected"').replace(
        '<data key="d0">EPSG:27700</data>', "")
    for a, b in (('<data key="d2">100</data>', '<data key="d2">-0.13</data>'),
                 ('<data key="d2">50</data>', '<data key="d2">-0.135</data>'),
                 ('<data key="d2">0</data>', '<data key="d2">-0.14</data>'),
                 ('<data key="d1">0</data>', '<data key="d1">51.5</data>'),
                 ('<data key="d1">100</data>', '<data key="d1">51.501</data>')):
        und = und.replace(a, b)
    p2 = tmp_path / "u.graphml"
    p2.write_text(und)
    with pytest.warns(UserWarning, match="EPSG:4326"):
        net2 = load_network(p2)
    assert 520_000 < net2.xy[:, 0].min() < 540_000 and 170_000 < net2.xy[:, 1].min() < 190_000
    assert net2.undirected.nnz == net2.graph.nnz == 6


def test_load_gpkg_uses_geometry_not_degree_columns(tmp_path):
    ids, xy, u, v = lattice(4)
    nodes = gpd.GeoDataFrame(
        {"osmid": ids, "x": -0.1, "y": 51.5},  # OSMnx keeps degrees in x/y
        geometry=gpd.points_from_xy(xy[:, 0] + 530000, xy[:, 1] + 180000), crs="EPSG:27700",
    )
    edges = gpd.GeoDataFrame(
        {"u": u, "v": v, "key": 0, "length": 100.0, "oneway": False},
        geometry=[shapely.LineString([nodes.geometry.iloc[a - 1000], nodes.geometry.iloc[b - 1000]])
                  for a, b in zip(u, v)],
        crs="EPSG:27700",
    )
    p = tmp_path / "net.gpkg"
    nodes.to_file(p, layer="nodes")
    edges.to_file(p, layer="edges")
    net = load_network(p)
    assert net.n_nodes == 16
    assert net.xy[:, 0].min() == 530000
    travel = Travel(mode="walk", modes={"walk": TravelMode(4.5, 1.0)}, network=p)
    a = np.array([[530000.0, 180000.0]])
    b = np.array([[530300.0, 180200.0]])
    assert travel_minutes(a, b, travel)[0, 0] == pytest.approx(500 / 75.0, rel=1e-6)
    assert travel_minutes(a, b, Travel(modes={"walk": TravelMode(4.5, 1.0)}))[0, 0] == pytest.approx(
        np.hypot(300, 200) / 75.0, rel=1e-6)
    idx, mins = travel_nearest(a, np.vstack([b, a + 100]), travel)
    assert idx.tolist() == [1] and mins[0] == pytest.approx(200 / 75.0, rel=1e-6)
    np.testing.assert_allclose(paired_minutes(np.vstack([a, a]), np.vstack([b, a]), travel),
                               [500 / 75.0, 0.0], atol=1e-5)


def test_travel_minutes_modes_and_errors():
    t = Travel()
    assert travel_minutes([[0, 0]], [[1000, 0]], t)[0, 0] == pytest.approx(1000 * 1.3 / 75, rel=1e-6)
    assert travel_minutes([[0, 0]], [[1000, 0]], t, mode="bus")[0, 0] == pytest.approx(1000 * 1.4 / 200, rel=1e-6)
    with pytest.raises(ValueError, match="unknown travel mode"):
        travel_minutes([[0, 0]], [[1, 0]], t, mode="cycle")
    with pytest.raises(FileNotFoundError):
        travel_minutes([[0, 0]], [[1, 0]], Travel(network=Path("/nonexistent/net.gpkg")))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        as_xy([[1, 2, 3]])


# ------------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def westminster_demand(biborough_lsoas):
    lsoa, pc = biborough_lsoas
    return lsoa, demand_points(lsoa, pc, code_col="LSOA21CD")


def test_demand_points_real_lsoas(westminster_demand):
    lsoa, dp = westminster_demand
    assert len(dp) == 224
    assert dp["LSOA21CD"].is_unique
    assert (dp["n_postcodes"] > 0).all()  # every central-London LSOA has postcodes
    assert set(dp["demand_point_source"]) <= {"postcode_mean", "representative_point"}
    inside = shapely.intersects(np.asarray(lsoa.geometry.array), np.asarray(dp.geometry.array))
    assert inside.all()


def test_network_mode_on_westminster_drive_network(westminster_demand):
    lsoa, dp = westminster_demand
    net = load_network(mirror_file("network", "westminster_drive_osm_2024-02.gpkg"))
    assert net.n_nodes == 3311
    west = dp[lsoa["LAD22CD"].to_numpy() == "E09000033"].sort_values("LSOA21CD").iloc[::12]
    assert len(west) >= 8
    travel = Travel(mode="walk", modes={"walk": TravelMode(4.5, 1.0)})
    m_net = travel_minutes(west, west, travel, network=net)
    m_sl = travel_minutes(west, west, travel)
    assert np.isfinite(m_net).all()
    assert (np.diag(m_net) >= 0).all()  # access time at both ends only
    # network path + access >= straight line (triangle inequality), up to float tolerance
    assert (m_net >= m_sl - 0.01).all()
    off = ~np.eye(len(west), dtype=bool)
    ratio = np.median(m_net[off] / m_sl[off])
    assert 1.0 <= ratio < 2.0
