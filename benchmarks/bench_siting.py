"""Benchmark: models.siting.MaxCoverage vs PySAL spopt MCLP (CBC via PuLP).

Usage::

    python benchmarks/bench_siting.py            # 1,000x150, 3,000x300, 6,000x500
    python benchmarks/bench_siting.py --quick    # 1,000x150 only

Seeded synthetic instances: demand points and candidates uniform in a
10 km x 10 km square, demand weights ~ Gamma(shape 2, scale 5), a candidate
covers demand within a radius chosen so its disc is 3% of the square (each
candidate covers about 2.7% of demand after edge effects), k = 20.

Both models start from the same distance matrix.  Times are end to end:
ours = ``CoverageInstance.from_travel_times`` + ``MaxCoverage.solve``;
spopt = ``MCLP.from_cost_matrix`` + ``solve(PULP_CBC_CMD)``.  Medians of 3
runs, except spopt on the largest size, run once because it takes minutes.
Prints a Markdown table and writes ``benchmarks/results/siting.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.siting import CoverageInstance, MaxCoverage  # noqa: E402

SIZES = [(1000, 150), (3000, 300), (6000, 500)]
K = 20
SIDE_KM = 10.0
COVER_FRACTION = 0.03  # disc area / square area
SEED = 20261123


def make_instance(n_demand: int, n_cand: int, seed: int = SEED):
    """Distance matrix (km), weights and coverage radius for one size."""
    rng = np.random.default_rng([seed, n_demand, n_cand])
    demand = rng.uniform(0, SIDE_KM, (n_demand, 2))
    cands = rng.uniform(0, SIDE_KM, (n_cand, 2))
    dist = np.linalg.norm(demand[:, None, :] - cands[None, :, :], axis=2)
    weights = rng.gamma(2.0, 5.0, n_demand)
    radius = math.sqrt(COVER_FRACTION * SIDE_KM**2 / math.pi)
    return dist, weights, radius


def run_ours(dist, weights, radius, k):
    t0 = time.perf_counter()
    inst = CoverageInstance.from_travel_times(
        [f"d{i}" for i in range(dist.shape[0])], weights,
        [f"c{j}" for j in range(dist.shape[1])], dist, radius)
    t1 = time.perf_counter()
    res = MaxCoverage(k, time_limit=600).solve(inst)
    t2 = time.perf_counter()
    cover_share = float(inst.coverage.getnnz(axis=0).mean() / dist.shape[0])
    return res, t2 - t0, t2 - t1, cover_share


def run_spopt(dist, weights, radius, k):
    import pulp
    from spopt.locate import MCLP

    t0 = time.perf_counter()
    model = MCLP.from_cost_matrix(dist, weights, radius, k)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    elapsed = time.perf_counter() - t0
    return float(model.problem.objective.value()), pulp.LpStatus[model.problem.status], elapsed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smallest size only")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "siting.json"))
    args = ap.parse_args(argv)
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # pulp 3.x notices

    sizes = SIZES[:1] if args.quick else SIZES
    rows = []
    for n_d, n_c in sizes:
        dist, w, radius = make_instance(n_d, n_c)
        ours = [run_ours(dist, w, radius, K) for _ in range(3)]
        res = ours[0][0]
        assert all(o[0].chosen == res.chosen for o in ours), "non-deterministic result"
        n_spopt = 1 if (n_d, n_c) == SIZES[-1] else 3
        sp_runs = [run_spopt(dist, w, radius, K) for _ in range(n_spopt)]
        t_ours = statistics.median(o[1] for o in ours)
        t_ours_solve = statistics.median(o[2] for o in ours)
        t_sp = statistics.median(s[2] for s in sp_runs)
        row = {
            "n_demand": n_d, "n_candidates": n_c, "k": K, "radius_km": radius,
            "mean_candidate_cover_share": ours[0][3],
            "ours_objective": res.objective, "ours_optimal": res.optimal, "ours_status": res.status,
            "ours_seconds_median": t_ours, "ours_solve_seconds_median": t_ours_solve, "ours_runs": 3,
            "spopt_objective": sp_runs[0][0], "spopt_status": sp_runs[0][1],
            "spopt_seconds_median": t_sp, "spopt_runs": n_spopt,
            "objective_rel_diff": abs(res.objective - sp_runs[0][0]) / max(1.0, abs(sp_runs[0][0])),
            "speedup": t_sp / t_ours,
            "reduction": res.reduction,
        }
        rows.append(row)
        print(f"{n_d}x{n_c}: ours {res.objective:.4f} ({res.status}) {t_ours:.3f}s; "
              f"spopt {sp_runs[0][0]:.4f} ({sp_runs[0][1]}) {t_sp:.2f}s; x{row['speedup']:.1f}",
              flush=True)

    print()
    print("| demand x candidates | k | ours objective | spopt objective | ours optimal "
          "| ours median s | spopt median s | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        note = " (1 run)" if r["spopt_runs"] == 1 else ""
        print(f"| {r['n_demand']:,} x {r['n_candidates']} | {r['k']} | {r['ours_objective']:.3f} "
              f"| {r['spopt_objective']:.3f} | {r['ours_optimal']} | {r['ours_seconds_median']:.3f} "
              f"| {r['spopt_seconds_median']:.2f}{note} | {r['speedup']:.1f}x |")

    import highspy
    import pulp
    import scipy
    import spopt

    out = {
        "benchmark": "siting: MaxCoverage vs spopt MCLP + CBC",
        "quick": args.quick,
        "seed": SEED,
        "environment": {
            "python": platform.python_version(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "numpy": np.__version__, "scipy": scipy.__version__,
            "highspy": getattr(highspy, "__version__", None) or str(highspy.Highs().version()),
            "spopt": spopt.__version__, "pulp": pulp.__version__,
        },
        "timing": "end to end from the distance matrix; median of 3 runs (spopt: 1 run on the largest size)",
        "results": rows,
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
