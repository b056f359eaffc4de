"""``python -m geo sites`` end to end (issue 4, item 5), with the optimum checked independently.

The objective written by the CLI is recomputed from ``sites_instance.json`` alone and the
instance is re-solved here with ``scipy.optimize.milp`` (a separate MILP formulation), so the
tests do not trust ``models.siting`` to check itself. Also: what-if forcing from the CLI,
unknown venue ids, and siting on a street network agreeing with straight-line siting.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.cli import main
from geo.config import Travel, TravelMode
from tests.conftest import REPO, write_study_config

SITES_COLUMNS = ["rank", "venue_id", "name", "type", "hub_id", "lat", "lon", "covered_weight", "covered_children", "covered_lsoas"]


def geo_cli(*args, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def covered_weight(instance: dict, chosen) -> float:
    """Objective of ``chosen`` from the instance JSON alone: weight newly covered."""
    weight = {d["id"]: float(d["weight"]) for d in instance["demand"]}
    covers = {c["id"]: c["covers"] for c in instance["candidates"]}
    hit = set().union(*(covers[c] for c in chosen)) - set(instance.get("covered", []))
    return sum(weight[d] for d in hit)


def milp_optimum(instance: dict, k: int, force_in=(), force_out=()) -> float:
    """Independent optimum: max sum w_i y_i, y_i <= sum_{j covers i} x_j, sum x_j = k (scipy/HiGHS)."""
    ids = [d["id"] for d in instance["demand"]]
    row = {d: i for i, d in enumerate(ids)}
    locked = set(instance.get("covered", []))
    w = np.array([0.0 if d["id"] in locked else float(d["weight"]) for d in instance["demand"]])
    cands = [c["id"] for c in instance["candidates"]]
    n_d, n_c = len(ids), len(cands)
    r, c = zip(*[(row[d], j) for j, cand in enumerate(instance["candidates"]) for d in cand["covers"]]) if n_c else ((), ())
    a = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n_d, n_c))
    # variables: x (n_c, binary) then y (n_d, continuous in [0, 1]); minimise -w.y
    cost = np.concatenate([np.zeros(n_c), -w])
    cover = LinearConstraint(sp.hstack([-a, sp.identity(n_d)]), -np.inf, 0.0)
    pick = LinearConstraint(np.concatenate([np.ones(n_c), np.zeros(n_d)])[None, :], k, k)
    lo, hi = np.zeros(n_c + n_d), np.ones(n_c + n_d)
    for v in force_in:
        lo[cands.index(v)] = 1
    for v in force_out:
        hi[cands.index(v)] = 0
    res = milp(cost, constraints=[cover, pick], integrality=np.concatenate([np.ones(n_c), np.zeros(n_d)]),
               bounds=Bounds(lo, hi), options={"mip_rel_gap": 0.0})
    assert res.success, res.message
    return -float(res.fun)


@pytest.fixture(scope="module")
def sites_run(biborough_config, tmp_path_factory):
    """``python -m geo sites --config … --k 5 --minutes 15 --out DIR`` on the bi-borough demo."""
    tmp = tmp_path_factory.mktemp("sites")
    cfg = write_study_config(tmp / "config.toml", REPO / "config.toml", biborough_config)
    out = tmp / "sites"
    proc = geo_cli("sites", "--config", cfg, "--k", 5, "--minutes", 15, "--out", out)
    return SimpleNamespace(config=cfg, out=out, stdout=proc.stdout,
                           csv=pd.read_csv(out / "sites.csv", dtype={"venue_id": str}),
                           summary=json.loads((out / "sites.json").read_text()),
                           instance=json.loads((out / "sites_instance.json").read_text()))


def test_sites_csv_has_exactly_the_documented_columns(sites_run, biborough_config):
    t = sites_run.csv
    assert list(t.columns) == SITES_COLUMNS
    assert t["rank"].tolist() == [1, 2, 3, 4, 5]
    assert t["venue_id"].is_unique
    venues = pd.read_csv(biborough_config.extracts.venues, dtype={"venue_id": str}).set_index("venue_id")
    assert t["venue_id"].isin(venues.index).all()
    assert (t["name"].to_numpy() == venues.loc[t["venue_id"], "name"].to_numpy()).all()
    assert set(t["type"]) <= {"school", "gp_practice", "library", "community"}
    hubs = pd.read_csv(REPO / "data/extracts/demo/biborough/hubs.csv")
    assert t["hub_id"].isin(hubs["hub_id"]).all()
    assert t["lat"].between(51.45, 51.56).all() and t["lon"].between(-0.25, -0.10).all()
    assert (t["covered_weight"] > 0).all() and (t["covered_children"] > 0).all() and (t["covered_lsoas"] >= 1).all()
    assert (np.diff(t["covered_weight"]) <= 1e-9).all(), "venues are ranked by what each adds"
    assert t["covered_weight"].sum() == pytest.approx(sites_run.summary["objective"], abs=0.01)


def test_sites_json_summary(sites_run):
    s = sites_run.summary
    assert {"objective", "optimal", "k", "minutes", "solve_seconds"} <= set(s)
    assert s["optimal"] is True and s["k"] == 5 and s["minutes"] == 15
    # the target is 0.5 s (0.14 s measured); the margin keeps a loaded 2-core machine from failing it
    assert 0 <= s["solve_seconds"] < 1.5, f"bi-borough solve took {s['solve_seconds']:.2f} s (target 0.5 s)"
    assert s["chosen"] == sites_run.csv["venue_id"].tolist()


def test_sites_instance_json_is_in_the_documented_format(sites_run, biborough_build):
    inst = sites_run.instance
    assert set(inst) == {"demand", "candidates", "covered"}
    ids = [d["id"] for d in inst["demand"]]
    assert sorted(ids) == sorted(biborough_build.lsoa["lsoa21cd"]) and len(ids) == 224
    assert all(set(d) == {"id", "weight"} and d["weight"] >= 0 for d in inst["demand"])
    assert all(set(c) == {"id", "covers"} for c in inst["candidates"])
    assert len(inst["candidates"]) == len(biborough_build.venues)
    known = set(ids)
    assert all(set(c["covers"]) <= known for c in inst["candidates"])
    assert set(inst["covered"]) <= known and 0 < len(inst["covered"]) < 224  # the hubs' walking catchments
    # demand weight = children not reached x priority / 100
    lsoa = biborough_build.lsoa.set_index("lsoa21cd")
    w = pd.Series({d["id"]: d["weight"] for d in inst["demand"]})
    expected = lsoa["children_not_reached"] * lsoa["priority_score"] / 100
    np.testing.assert_allclose(w.loc[lsoa.index], expected, atol=1e-5)


def test_objective_is_verified_from_the_instance_alone(sites_run):
    inst, s = sites_run.instance, sites_run.summary
    assert covered_weight(inst, s["chosen"]) == pytest.approx(s["objective"], rel=1e-9)
    assert milp_optimum(inst, 5) == pytest.approx(s["objective"], rel=1e-7)


def test_instance_file_resolves_to_the_same_objective(sites_run, tmp_path):
    path = sites_run.out / "sites_instance.json"
    proc = geo_cli("sites", "--instance", path, "--k", 5, "--out", tmp_path / "a")
    again = json.loads((tmp_path / "a" / "sites.json").read_text())
    assert {"objective", "optimal", "k", "minutes", "solve_seconds", "chosen"} <= set(again)
    assert again["objective"] == pytest.approx(sites_run.summary["objective"], rel=1e-9)
    assert again["optimal"] is True and again["k"] == 5
    assert covered_weight(sites_run.instance, again["chosen"]) == pytest.approx(again["objective"], rel=1e-9)
    assert "chosen" in proc.stdout
    # another k, checked against the independent MILP
    geo_cli("sites", "--instance", path, "--k", 3, "--out", tmp_path / "b")
    k3 = json.loads((tmp_path / "b" / "sites.json").read_text())
    assert len(k3["chosen"]) == 3
    assert k3["objective"] == pytest.approx(milp_optimum(sites_run.instance, 3), rel=1e-7)
    assert covered_weight(sites_run.instance, k3["chosen"]) == pytest.approx(k3["objective"], rel=1e-9)


def test_instance_file_with_locked_demand_and_forcing(tmp_path):
    """A hand-made instance in the documented format: covered demand never counts again."""
    inst = {
        "demand": [{"id": "a", "weight": 10}, {"id": "b", "weight": 4}, {"id": "c", "weight": 3}, {"id": "d", "weight": 2.5}],
        "candidates": [{"id": "big", "covers": ["a", "b"]}, {"id": "mid", "covers": ["c", "d"]}, {"id": "small", "covers": ["b"]}],
        "covered": ["a"],
    }
    p = tmp_path / "inst.json"
    p.write_text(json.dumps(inst))
    geo_cli("sites", "--instance", p, "--k", 1, "--out", tmp_path / "o1")
    r = json.loads((tmp_path / "o1" / "sites.json").read_text())
    assert r["chosen"] == ["mid"] and r["objective"] == pytest.approx(5.5)  # big would add only b = 4
    geo_cli("sites", "--instance", p, "--k", 2, "--force-in", "small", "--force-out", "mid", "--out", tmp_path / "o2")
    r = json.loads((tmp_path / "o2" / "sites.json").read_text())
    assert sorted(r["chosen"]) == ["big", "small"] and r["objective"] == pytest.approx(4.0)
    assert r["objective"] == pytest.approx(milp_optimum(inst, 2, force_in=["small"], force_out=["mid"]))


def test_force_in_and_force_out_from_the_config(sites_run, tmp_path, capsys):
    chosen = sites_run.summary["chosen"]
    inst = sites_run.instance
    # a venue that adds something but was not chosen
    spare = next(c["id"] for c in inst["candidates"]
                 if c["id"] not in chosen and covered_weight(inst, [c["id"]]) > 0)
    out = tmp_path / "whatif"
    assert main(["sites", "--config", str(sites_run.config), "--k", "5", "--minutes", "15",
                 "--force-in", spare, "--force-out", chosen[0], "--out", str(out)]) == 0
    capsys.readouterr()
    s = json.loads((out / "sites.json").read_text())
    t = pd.read_csv(out / "sites.csv", dtype={"venue_id": str})
    assert spare in s["chosen"] and chosen[0] not in s["chosen"] and len(s["chosen"]) == 5
    assert set(t["venue_id"]) == set(s["chosen"])
    assert s["objective"] <= sites_run.summary["objective"] + 1e-9
    assert s["objective"] == pytest.approx(milp_optimum(inst, 5, force_in=[spare], force_out=[chosen[0]]), rel=1e-7)
    assert covered_weight(inst, s["chosen"]) == pytest.approx(s["objective"], rel=1e-9)


@pytest.mark.parametrize("flag", ["--force-in", "--force-out"])
def test_unknown_venue_id_exits_2_with_a_clear_message(sites_run, tmp_path, capsys, flag):
    assert main(["sites", "--config", str(sites_run.config), "--k", "5", flag, "NO-SUCH-VENUE", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "NO-SUCH-VENUE" in err and "venue" in err and "Traceback" not in err
    assert not (tmp_path / "x" / "sites.csv").exists()
    # the same with an instance file, through a real process
    proc = geo_cli("sites", "--instance", sites_run.out / "sites_instance.json", "--k", 5, flag, "NO-SUCH-VENUE",
                   "--out", tmp_path / "y", check=False)
    assert proc.returncode == 2
    assert "NO-SUCH-VENUE" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_instance_file_exits_2(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"demand": [{"id": "a", "weight": 1}], "candidates": [{"id": "x", "covers": ["zz"]}]}))
    proc = geo_cli("sites", "--instance", p, "--k", 1, "--out", tmp_path / "o", check=False)
    assert proc.returncode == 2 and "zz" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- network mode


def _street_grid(path: Path, x0: float, y0: float, n: int = 31, step: float = 100.0) -> Path:
    """A square street grid (GeoPackage with nodes and edges layers), ``n`` x ``n`` nodes."""
    import shapely

    ij = [(i, j) for j in range(n) for i in range(n)]
    node = {p: k for k, p in enumerate(ij)}
    pts = [shapely.Point(x0 + i * step, y0 + j * step) for i, j in ij]
    nodes = gpd.GeoDataFrame({"osmid": np.arange(len(ij))}, geometry=pts, crs=27700)
    u, v = [], []
    for (i, j), k in node.items():
        for nb in ((i + 1, j), (i, j + 1)):
            if nb in node:
                u.append(k)
                v.append(node[nb])
    edges = gpd.GeoDataFrame({"u": u, "v": v, "oneway": False},
                             geometry=[shapely.LineString([pts[a], pts[b]]) for a, b in zip(u, v)], crs=27700)
    nodes.to_file(path, layer="nodes")
    edges.to_file(path, layer="edges")
    return path


def _fake_result(travel: Travel, demand_xy, venue_xy, hub_xy, weight):
    pt = lambda xy: gpd.points_from_xy(np.asarray(xy)[:, 0], np.asarray(xy)[:, 1])  # noqa: E731
    n = len(demand_xy)
    lsoa = pd.DataFrame({"lsoa21cd": [f"E01{i:06d}" for i in range(n)], "children_not_reached": weight,
                         "priority_score": 100.0})
    return SimpleNamespace(
        config=SimpleNamespace(travel=travel), lsoa=lsoa,
        demand=gpd.GeoDataFrame({"lsoa21cd": lsoa["lsoa21cd"]}, geometry=pt(demand_xy), crs=27700),
        venues=gpd.GeoDataFrame({"venue_id": [f"V{j}" for j in range(len(venue_xy))], "name": "v", "type": "school"},
                                geometry=pt(venue_xy), crs=27700),
        hubs=gpd.GeoDataFrame({"hub_id": ["H"]}, geometry=pt(hub_xy), crs=27700))


def test_network_siting_agrees_with_straight_line_on_a_straight_grid(tmp_path):
    """Demand, venues and the hub at junctions of one street of a grid: network = straight line, same sites."""
    from geo.sites import suggest_sites

    x0, y0 = 530000.0, 180000.0
    net = _street_grid(tmp_path / "grid.gpkg", x0, y0)
    rng = np.random.default_rng(5)
    street_y = y0 + 1500.0
    demand = np.column_stack([x0 + rng.choice(np.arange(0, 3001, 100.0), 25, replace=False), np.full(25, street_y)])
    venues = np.column_stack([x0 + rng.choice(np.arange(0, 3001, 100.0), 12, replace=False), np.full(12, street_y)])
    hub = [[x0 + 1500.0, street_y]]
    weight = rng.gamma(2.0, 5.0, 25)
    walk = {"walk": TravelMode(4.5, 1.0)}  # 75 m a minute: 5.5 minutes reach 412.5 m, no ties at 100 m spacing
    line = suggest_sites(_fake_result(Travel(modes=walk, threshold_minutes=5.5), demand, venues, hub, weight), k=3)
    street = suggest_sites(_fake_result(Travel(modes=walk, threshold_minutes=5.5, network=net), demand, venues, hub, weight), k=3)
    assert (line.instance.coverage != street.instance.coverage).nnz == 0
    assert (line.instance.covered == street.instance.covered).all() and line.instance.covered.any()
    assert line.result.chosen == street.result.chosen
    assert line.result.objective == pytest.approx(street.result.objective)
    assert street.result.optimal

    # off the street the grid is longer than the crow flies: network coverage is a subset
    demand2 = np.column_stack([x0 + rng.uniform(0, 3000, 80), y0 + rng.uniform(0, 3000, 80)])
    venues2 = np.column_stack([x0 + rng.uniform(0, 3000, 15), y0 + rng.uniform(0, 3000, 15)])
    a = suggest_sites(_fake_result(Travel(modes=walk, threshold_minutes=8.0), demand2, venues2, hub, np.ones(80)), k=3)
    b = suggest_sites(_fake_result(Travel(modes=walk, threshold_minutes=8.0, network=net), demand2, venues2, hub, np.ones(80)), k=3)
    assert (b.instance.coverage > a.instance.coverage).nnz == 0
    assert b.instance.coverage.nnz < a.instance.coverage.nnz
    assert b.result.objective <= a.result.objective + 1e-9
