"""Tests for models.siting: exactness against brute force and PySAL spopt."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import scipy.sparse as sp

from models.siting import (
    CoverageInstance,
    MaxCoverage,
    SetCover,
    solve_instance_file,
)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def random_instance(rng: np.random.Generator, n_d: int, n_c: int, *, p: float = 0.3,
                    p_locked: float = 0.2, p_zero: float = 0.15, dup: bool = True) -> CoverageInstance:
    cov = rng.random((n_d, n_c)) < p
    if dup and n_c >= 2:  # duplicate candidates and demand rows
        cov[:, -1] = cov[:, 0]
        cov[-1] = cov[0]
    w = rng.gamma(1.5, 2.0, n_d)
    w[rng.random(n_d) < p_zero] = 0.0
    if rng.random() < 0.5:  # integer weights create many ties
        w = np.round(w)
    covered = rng.random(n_d) < p_locked
    return CoverageInstance(
        np.array([f"d{i}" for i in range(n_d)]), w,
        np.array([f"c{j}" for j in range(n_c)]), sp.csc_matrix(cov), covered)


def value(inst: CoverageInstance, cols) -> float:
    cov = inst.coverage.toarray()
    hit = cov[:, list(cols)].any(axis=1) if len(cols) else np.zeros(inst.n_demand, bool)
    return float(inst.weights[hit & ~inst.covered].sum())


def brute_max(inst: CoverageInstance, k: int, force_in=(), force_out=()) -> float:
    ids = list(inst.candidate_ids)
    fin = [ids.index(c) for c in force_in]
    allowed = [j for j in range(len(ids)) if ids[j] not in set(force_out) and j not in fin]
    k_total = min(k, len(allowed) + len(fin))
    best = -1.0
    for combo in itertools.combinations(allowed, k_total - len(fin)):
        best = max(best, value(inst, fin + list(combo)))
    return best


def geometric(n_d: int, n_c: int, seed: int, radius: float = 1.2):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 10, (n_d, 2))
    c = rng.uniform(0, 10, (n_c, 2))
    cost = np.linalg.norm(d[:, None] - c[None], axis=2)
    w = rng.gamma(2.0, 5.0, n_d)
    return cost, w, radius


def spopt_mclp(cost, w, radius, k, predefined=None) -> float:
    pulp = pytest.importorskip("pulp")
    locate = pytest.importorskip("spopt.locate")
    model = locate.MCLP.from_cost_matrix(cost, w, radius, k, predefined_facilities_arr=predefined)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[model.problem.status] == "Optimal"
    return float(model.problem.objective.value())


# --------------------------------------------------------------------------
# maximal covering: exactness
# --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(60))
def test_max_coverage_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n_d, n_c = int(rng.integers(1, 25)), int(rng.integers(1, 10))
    inst = random_instance(rng, n_d, n_c, p=float(rng.uniform(0.05, 0.5)))
    k = int(rng.integers(0, n_c + 3))  # includes k > number of candidates
    res = MaxCoverage(k).solve(inst)
    assert res.optimal and res.status == "optimal"
    assert res.objective == pytest.approx(brute_max(inst, k), abs=1e-9)
    assert len(res.chosen) == min(k, n_c) == len(set(res.chosen))
    # reported objective is the true coverage of the chosen set
    cols = [list(inst.candidate_ids).index(c) for c in res.chosen]
    assert value(inst, cols) == pytest.approx(res.objective)
    assert sum(res.marginal_weight) == pytest.approx(res.objective)
    assert all(a >= b - 1e-9 for a, b in zip(res.marginal_weight, res.marginal_weight[1:]))


@pytest.mark.parametrize("seed", range(25))
def test_forced_candidates_match_brute_force(seed):
    rng = np.random.default_rng(1000 + seed)
    n_c = int(rng.integers(3, 10))
    inst = random_instance(rng, int(rng.integers(5, 30)), n_c)
    ids = list(inst.candidate_ids)
    perm = rng.permutation(n_c)
    fin = [ids[j] for j in perm[: int(rng.integers(0, 3))]]
    fout = [ids[j] for j in perm[3: 3 + int(rng.integers(0, 4))]]
    k = int(rng.integers(len(fin), n_c + 2))
    res = MaxCoverage(k, force_in=fin, force_out=fout).solve(inst)
    assert res.objective == pytest.approx(brute_max(inst, k, fin, fout), abs=1e-9)
    assert set(fin) <= set(res.chosen)
    assert not set(fout) & set(res.chosen)
    assert len(res.chosen) == min(k, n_c - len(fout))


def test_bound_and_fixing_path_matches_brute_force():
    """Instances hard enough to need the LP bound, fixing and the final MILP."""
    reached = 0
    for seed in range(60):
        rng = np.random.default_rng(2000 + seed)
        inst = random_instance(rng, int(rng.integers(20, 60)), int(rng.integers(8, 14)),
                               p=float(rng.uniform(0.05, 0.3)), p_locked=0.1, p_zero=0.05)
        k = int(rng.integers(2, 6))
        res = MaxCoverage(k).solve(inst)
        assert res.optimal
        assert res.objective == pytest.approx(brute_max(inst, k), abs=1e-9)
        reached += "milp_candidates" in res.reduction
    assert reached >= 5  # the exact pipeline, not only the greedy bound, was exercised


def test_lagrangian_bound_is_valid():
    from models.siting.bounds import _lagrangian

    rng = np.random.default_rng(9)
    for _ in range(30):
        inst = random_instance(rng, 25, 8, p_locked=0.0, p_zero=0.0, dup=False)
        a = inst.coverage[inst.coverage.getnnz(axis=1) > 0]
        w = inst.weights[inst.coverage.getnnz(axis=1) > 0]
        inst2 = CoverageInstance(np.arange(len(w)).astype(str), w, inst.candidate_ids, a)
        k = 3
        best = brute_max(inst2, k)
        for _ in range(5):
            u = rng.uniform(0, 1.5, len(w)) * w
            assert _lagrangian(a, w, k, u)[0] >= best - 1e-9


def test_variable_fixing_keeps_every_optimal_solution():
    from models.siting.bounds import _fixings, _lagrangian
    from models.siting.highs import _lp_relaxation

    rng = np.random.default_rng(31)
    n_fixed = 0
    for _ in range(40):
        inst = random_instance(rng, 30, 10, p=0.2, p_locked=0.0, p_zero=0.0, dup=False)
        keep = inst.coverage.getnnz(axis=1) > 0
        a, w = inst.coverage[keep].tocsc(), inst.weights[keep]
        k = 3
        cov = a.toarray()
        combos = list(itertools.combinations(range(10), k))
        vals = np.array([w[cov[:, list(c)].any(axis=1)].sum() for c in combos])
        lb = vals.max()
        x_lp, duals = _lp_relaxation(a, w, k, deadline=float("inf"))
        lag, c, base = min(_lagrangian(a, w, k, s * duals) for s in (1.0, -1.0))
        assert lag >= lb - 1e-7
        fix0, fix1 = _fixings(c, base, k, lb, 1e-9)
        n_fixed += int(fix0.sum() + fix1.sum())
        for combo, v in zip(combos, vals):
            if v >= lb - 1e-9:  # every optimal solution survives the fixing
                assert not fix0[list(combo)].any()
                assert fix1[list(combo)].sum() == fix1.sum()
    assert n_fixed > 0


def test_time_limit_falls_back_to_greedy():
    cost, w, r = geometric(300, 40, seed=4, radius=2.0)
    inst = CoverageInstance.from_travel_times(
        [f"d{i}" for i in range(300)], w, [f"c{j}" for j in range(40)], cost, r)
    exact = MaxCoverage(6).solve(inst)
    res = MaxCoverage(6, time_limit=0.0).solve(inst)
    assert len(res.chosen) == 6
    assert res.objective <= exact.objective + 1e-9
    assert res.upper_bound >= exact.objective - 1e-9
    if not res.optimal:
        assert res.status.startswith("greedy_fallback") and res.mip_gap > 0


def test_greedy_mode_is_feasible_and_bounded():
    rng = np.random.default_rng(7)
    for _ in range(20):
        inst = random_instance(rng, 30, 9)
        k = 3
        g = MaxCoverage(k, solver="greedy").solve(inst)
        best = brute_max(inst, k)
        assert g.objective <= best + 1e-9
        assert g.upper_bound >= best - 1e-9
        assert g.status in ("greedy", "optimal")
        assert g.optimal == (g.objective >= best - 1e-9) or not g.optimal


def test_locked_demand_never_recounted():
    inst = CoverageInstance.from_json({
        "demand": [{"id": "a", "weight": 100}, {"id": "b", "weight": 1}, {"id": "c", "weight": 2}],
        "candidates": [{"id": "big", "covers": ["a", "b"]}, {"id": "small", "covers": ["c"]}],
        "covered": ["a"],
    })
    res = MaxCoverage(1).solve(inst)
    assert res.chosen == ["small"] and res.objective == 2.0
    res2 = MaxCoverage(2).solve(inst)
    assert res2.objective == 3.0
    assert res2.marginal_weight == [2.0, 1.0]
    assert res2.reduction["demand_locked"] == 1
    # locking everything makes every solution worth zero
    inst.covered[:] = True
    assert MaxCoverage(2).solve(inst).objective == 0.0


def test_force_in_changes_answer():
    inst = CoverageInstance.from_json({
        "demand": [{"id": "a", "weight": 5}, {"id": "b", "weight": 4}, {"id": "c", "weight": 1}],
        "candidates": [{"id": "x", "covers": ["a"]}, {"id": "y", "covers": ["b"]},
                       {"id": "z", "covers": ["c"]}],
    })
    assert MaxCoverage(1).solve(inst).chosen == ["x"]
    r_in = MaxCoverage(1, force_in=["z"]).solve(inst)
    assert r_in.chosen == ["z"] and r_in.objective == 1.0
    r_out = MaxCoverage(2, force_out=["x"]).solve(inst)
    assert r_out.chosen == ["y", "z"] and r_out.objective == 5.0
    with pytest.raises(ValueError, match="both force_in and force_out"):
        MaxCoverage(2, force_in=["x"], force_out=["x"]).solve(inst)
    with pytest.raises(ValueError, match="not a candidate"):
        MaxCoverage(2, force_in=["nope"]).solve(inst)
    with pytest.raises(ValueError, match="forced in but k"):
        MaxCoverage(1, force_in=["x", "y"]).solve(inst)


def test_forced_in_dominated_candidate_is_kept():
    # "s" is dominated by "b" (subset) and identical to "t"; forcing it must keep it.
    inst = CoverageInstance.from_json({
        "demand": [{"id": str(i), "weight": 1} for i in range(4)],
        "candidates": [{"id": "b", "covers": ["0", "1", "2"]}, {"id": "s", "covers": ["0"]},
                       {"id": "t", "covers": ["0"]}, {"id": "u", "covers": ["3"]}],
    })
    res = MaxCoverage(2, force_in=["s"]).solve(inst)
    assert "s" in res.chosen and res.objective == 3.0  # s + b
    assert MaxCoverage(2).solve(inst).objective == 4.0


def test_k_exceeding_useful_candidates_is_padded_deterministically():
    inst = CoverageInstance.from_json({
        "demand": [{"id": "a", "weight": 1}, {"id": "b", "weight": 0}],
        "candidates": [{"id": "p", "covers": ["b"]}, {"id": "q", "covers": ["a"]},
                       {"id": "r", "covers": []}],
    })
    res = MaxCoverage(3).solve(inst)
    assert res.chosen[0] == "q" and sorted(res.chosen) == ["p", "q", "r"]
    assert res.optimal and res.objective == 1.0
    res5 = MaxCoverage(5).solve(inst)
    assert len(res5.chosen) == 3 and any("only 3 allowed" in n for n in res5.notes)
    assert MaxCoverage(2).solve(inst).chosen == MaxCoverage(2).solve(inst).chosen
    assert any("padded" in n for n in MaxCoverage(2).solve(inst).notes)


def test_deterministic_and_reduction_stats():
    cost, w, r = geometric(600, 60, seed=3, radius=1.0)
    inst = CoverageInstance.from_travel_times(
        [f"d{i}" for i in range(600)], w, [f"c{j}" for j in range(60)], cost, r)
    a = MaxCoverage(6).solve(inst)
    b = MaxCoverage(6).solve(inst)
    assert a.chosen == b.chosen and a.objective == b.objective
    red = a.reduction
    assert red["demand_before"] == 600 and red["candidates_before"] == 60
    assert red["demand_after"] <= 600 and red["candidates_after"] <= 60


# --------------------------------------------------------------------------
# maximal covering: agreement with PySAL spopt MCLP (CBC)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("seed, radius", [(11, 1.2), (12, 1.6), (13, 2.0)])
def test_matches_spopt_mclp(seed, radius):
    cost, w, r = geometric(300, 40, seed, radius)
    inst = CoverageInstance.from_travel_times(
        [f"d{i}" for i in range(300)], w, [f"c{j}" for j in range(40)], cost, r)
    res = MaxCoverage(5).solve(inst)
    assert res.optimal
    assert res.objective == pytest.approx(spopt_mclp(cost, w, r, 5), rel=1e-7)


def test_matches_spopt_with_locked_and_forced():
    cost, w, r = geometric(300, 40, seed=21)
    rng = np.random.default_rng(21)
    locked = rng.uniform(0, 10, (3, 2))
    d = np.random.default_rng(21).uniform(0, 10, (300, 2))  # same demand points as geometric()
    locked_cost = np.linalg.norm(d[:, None] - locked[None], axis=2)
    ids = [f"c{j}" for j in range(40)]
    inst = CoverageInstance.from_travel_times(
        [f"d{i}" for i in range(300)], w, ids, cost, r, locked_minutes=locked_cost)
    assert inst.covered.any()
    res = MaxCoverage(5, force_in=["c7"]).solve(inst)
    w0 = np.where(inst.covered, 0.0, w)  # spopt: zero weight on locked demand
    predefined = np.zeros(40, dtype=int)
    predefined[7] = 1
    ref = spopt_mclp(cost, w0, r, 5, predefined=predefined)
    assert res.objective == pytest.approx(ref, rel=1e-7)
    assert "c7" in res.chosen
    # and locked demand changes the answer relative to ignoring it
    plain = CoverageInstance.from_travel_times(
        [f"d{i}" for i in range(300)], w, ids, cost, r)
    assert MaxCoverage(5).solve(plain).objective > MaxCoverage(5).solve(inst).objective


# --------------------------------------------------------------------------
# set cover
# --------------------------------------------------------------------------
def brute_cover(inst: CoverageInstance, target, force_in=(), force_out=()):
    ids = list(inst.candidate_ids)
    cov = inst.coverage.toarray()
    allowed = [j for j in range(len(ids)) if ids[j] not in set(force_out)]
    need = target & ~inst.covered & cov[:, allowed].any(axis=1)
    fin = [ids.index(c) for c in force_in]
    free = [j for j in allowed if j not in fin]
    for n in range(len(free) + 1):
        for combo in itertools.combinations(free, n):
            cols = fin + list(combo)
            hit = cov[:, cols].any(axis=1) if cols else np.zeros(len(need), bool)
            if (hit | ~need).all():
                return len(cols)
    raise AssertionError("no cover")


@pytest.mark.parametrize("seed", range(40))
def test_set_cover_minimal_vs_brute_force(seed):
    rng = np.random.default_rng(500 + seed)
    n_c = int(rng.integers(1, 10))
    inst = random_instance(rng, int(rng.integers(1, 25)), n_c, p=float(rng.uniform(0.05, 0.4)))
    target = rng.random(inst.n_demand) < 0.8 if seed % 2 else None
    ids = list(inst.candidate_ids)
    fin = [ids[0]] if seed % 3 == 0 else []
    fout = [ids[-1]] if (seed % 5 == 0 and n_c > 1) else []
    res = SetCover(target, force_in=fin, force_out=fout).solve(inst)
    t = np.ones(inst.n_demand, bool) if target is None else target
    assert res.optimal
    assert res.n_chosen == len(res.chosen) == brute_cover(inst, t, fin, fout)
    cov = inst.coverage.toarray()
    cols = [ids.index(c) for c in res.chosen]
    hit = cov[:, cols].any(axis=1) if cols else np.zeros(inst.n_demand, bool)
    need = t & ~inst.covered
    unc = set(res.uncoverable)
    for i in np.flatnonzero(need):
        assert hit[i] or inst.demand_ids[i] in unc
    assert set(fin) <= set(res.chosen) and not set(fout) & set(res.chosen)


def test_set_cover_reports_uncoverable():
    inst = CoverageInstance.from_json({
        "demand": [{"id": d, "weight": 1} for d in "abcdef"],
        "candidates": [{"id": "x", "covers": ["a", "b"]}, {"id": "y", "covers": ["b", "c"]},
                       {"id": "z", "covers": ["c", "d"]}, {"id": "q", "covers": ["f"]}],
        "covered": ["a"],
    })
    res = SetCover().solve(inst)
    assert res.uncoverable == ["e"]
    assert sorted(res.chosen) == ["q", "y", "z"] or sorted(res.chosen) == ["q", "x", "z"]
    assert res.n_chosen == 3
    res2 = SetCover(force_out=["q"]).solve(inst)
    assert res2.uncoverable == ["e", "f"] and res2.n_chosen == 2
    res3 = SetCover(np.array([0, 0, 0, 0, 1, 0], bool)).solve(inst)
    assert res3.chosen == [] and res3.uncoverable == ["e"]


def test_set_cover_medium_is_exact_and_covers():
    cost, w, r = geometric(400, 60, seed=5, radius=1.5)
    inst = CoverageInstance.from_travel_times(
        [f"d{i}" for i in range(400)], w, [f"c{j}" for j in range(60)], cost, r)
    res = SetCover().solve(inst)
    assert res.optimal
    cov = inst.coverage.toarray()
    cols = [list(inst.candidate_ids).index(c) for c in res.chosen]
    coverable = cov.any(axis=1)
    assert (cov[:, cols].any(axis=1) | ~coverable).all()
    assert len(res.uncoverable) == int((~coverable).sum())
    # compare with spopt LSCP on the coverable demand
    pulp = pytest.importorskip("pulp")
    locate = pytest.importorskip("spopt.locate")
    lscp = locate.LSCP.from_cost_matrix(cost[coverable], r).solve(pulp.PULP_CBC_CMD(msg=False))
    assert res.n_chosen == round(lscp.problem.objective.value())


# --------------------------------------------------------------------------
# JSON format
# --------------------------------------------------------------------------
def test_json_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    inst = random_instance(rng, 20, 6)
    p = tmp_path / "inst.json"
    inst.to_json(p)
    raw = json.loads(p.read_text())
    assert set(raw) == {"demand", "candidates", "covered"}
    assert set(raw["demand"][0]) == {"id", "weight"} and set(raw["candidates"][0]) == {"id", "covers"}
    back = CoverageInstance.from_json(p)
    assert (back.demand_ids == inst.demand_ids).all()
    assert (back.candidate_ids == inst.candidate_ids).all()
    np.testing.assert_array_equal(back.weights, inst.weights)
    np.testing.assert_array_equal(back.covered, inst.covered)
    assert (back.coverage != inst.coverage).nnz == 0
    assert back.to_dict() == inst.to_dict()
    # covered is optional
    raw.pop("covered")
    assert not CoverageInstance.from_json(raw).covered.any()


@pytest.mark.parametrize("data, message", [
    ({"demand": [{"id": "a", "weight": 1}], "candidates": [{"id": "x", "covers": ["b"]}]},
     "candidate 'x' covers unknown demand id 'b'"),
    ({"demand": [{"id": "a", "weight": 1}], "candidates": [], "covered": ["zz"]},
     "unknown demand id 'zz'"),
    ({"demand": [{"id": "a", "weight": 1}, {"id": "a", "weight": 2}], "candidates": []},
     "duplicate demand id 'a'"),
    ({"demand": [{"id": "a", "weight": 1}],
      "candidates": [{"id": "x", "covers": []}, {"id": "x", "covers": []}]},
     "duplicate candidate id 'x'"),
    ({"demand": [{"id": "a", "weight": -1}], "candidates": []}, "demand 'a' has invalid weight"),
    ({"demand": [{"id": "n", "weight": float("nan")}], "candidates": []}, "demand 'n' has invalid weight"),
    ({"demand": [{"id": "a", "weight": "heavy"}], "candidates": []}, "demand 'a' has non-numeric"),
    ({"candidates": []}, "missing the 'demand'"),
])
def test_json_validation_errors(data, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        CoverageInstance.from_json(data)


def test_from_travel_times_threshold_and_locked():
    m = np.array([[5.0, 15.0, np.nan], [16.0, 1.0, 30.0]])
    inst = CoverageInstance.from_travel_times(["a", "b"], [1, 2], ["x", "y", "z"], m, 15,
                                              locked_minutes=np.array([[20.0], [15.0]]))
    assert inst.coverage.toarray().tolist() == [[True, True, False], [False, True, False]]
    assert inst.covered.tolist() == [False, True]
    with pytest.raises(ValueError):
        CoverageInstance.from_travel_times(["a"], [1], ["x"], np.ones((2, 1)), 15)


def test_solve_instance_file(tmp_path):
    data = {
        "demand": [{"id": "a", "weight": 3}, {"id": "b", "weight": 2}, {"id": "c", "weight": 1}],
        "candidates": [{"id": "x", "covers": ["a"]}, {"id": "y", "covers": ["b", "c"]}],
        "covered": ["a"],
    }
    p = tmp_path / "inst.json"
    p.write_text(json.dumps(data))
    out = solve_instance_file(p, 1, tmp_path / "out")
    written = json.loads((tmp_path / "out" / "sites.json").read_text())
    assert written == out
    assert set(out) == {"objective", "optimal", "k", "minutes", "solve_seconds", "chosen",
                        "status", "mip_gap", "n_demand", "n_candidates"}
    assert out["chosen"] == ["y"] and out["objective"] == 3.0 and out["optimal"] is True
    assert out["minutes"] is None and out["n_demand"] == 3 and out["n_candidates"] == 2
    out2 = solve_instance_file(p, 1, tmp_path / "out2", force_in=["x"])
    assert out2["chosen"] == ["x"] and out2["objective"] == 0.0
