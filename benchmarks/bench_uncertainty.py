"""Benchmark: the posterior bootstrap of priority ranks (``models.uncertainty.rank_intervals``).

Usage::

    python benchmarks/bench_uncertainty.py           # bi-borough and England sizes, 1,000 draws
    python benchmarks/bench_uncertainty.py --quick   # bi-borough size only

Seeded synthetic study areas scored by ``models.risk.score_areas``: the bi-borough's 224 LSOAs
and 36 wards, and England's 33,755 LSOAs and 6,784 wards; review take-up from about 3.4 children
due per LSOA a quarter (Poisson) with true rates from Beta(6, 4), hub reach from gamma-distributed
under-5 counts with true rates from Beta(2, 9). Times are medians of ``rank_intervals`` alone
(scoring excluded), reported with the harness's reference workload timed in the same process.
Writes ``benchmarks/results/uncertainty.json``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import reference_seconds, timed, write_result  # noqa: E402
from models.risk import score_areas  # noqa: E402
from models.uncertainty import rank_intervals  # noqa: E402

WEIGHTS = SimpleNamespace(need={"idaci": 0.5, "imd": 0.3, "under5": 0.2}, engagement={"review": 0.5, "reach": 0.5})
SIZES = {"bi-borough LSOAs": 224, "bi-borough wards": 36, "England LSOAs": 33_755, "England wards": 6_784}
DRAWS = 1000


def study_area(n: int, seed: int = 20261123) -> pd.DataFrame:
    """A scored synthetic study area of ``n`` areas (wards: counts of about 5 LSOAs)."""
    rng = np.random.default_rng([seed, n])
    scale = 5 if n in (36, 6_784) else 1
    under5 = rng.gamma(5, 20 * scale, n).round()
    areas = pd.DataFrame(
        {"under5_est": under5, "imd_score": rng.uniform(5, 60, n), "idaci_score": rng.uniform(0, 0.5, n)}
    )
    areas["review_eligible"] = rng.poisson(3.4 * scale, n)
    areas["review_completed"] = rng.binomial(areas["review_eligible"], rng.beta(6, 4, n))
    areas["hub_children"] = rng.binomial(under5.astype(int), rng.beta(2, 9, n))
    return score_areas(areas, WEIGHTS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bi-borough sizes only")
    args = parser.parse_args()
    ref = reference_seconds()
    rows = {}
    for name, n in SIZES.items():
        if args.quick and name.startswith("England"):
            continue
        scored = study_area(n)
        t = timed(
            lambda s=scored: rank_intervals(s, draws=DRAWS, top_n=20, seed=0), runs=5 if n < 10_000 else 3, warmup=1
        )
        stab = rank_intervals(scored, draws=DRAWS, top_n=20, seed=0).attrs["rank_stability"]
        rows[name] = {
            "areas": n,
            "draws": DRAWS,
            "median_s": round(t["median"], 4),
            "times": t["times"],
            "ratio_to_reference": round(t["median"] / ref, 3),
            "median_spearman": round(stab["median_spearman"], 4),
            "top_overlap_min": stab["top_overlap_min"],
        }
        print(
            f"{name:18s} {n:>6,} areas x {DRAWS} draws: median {t['median']:.3f} s "
            f"({t['median'] / ref:.2f} x reference {ref:.3f} s)"
        )
    path = write_result("uncertainty", {"reference_seconds": round(ref, 4), "results": rows})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
