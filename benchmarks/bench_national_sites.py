"""Benchmark: venue siting for every English local authority (``geo sites --per-la``).

Usage::

    python benchmarks/bench_national_sites.py            # 5 runs
    python benchmarks/bench_national_sites.py --quick    # 1 run

The national study area (``configs/england.toml``: 33,755 LSOAs, ~1,000 SYNTHETIC hubs, the
25,120 open schools of England as candidate venues) is built once; then:

- *siting*: :func:`geo.sites.suggest_sites_per_la` (k = 5, the config's drive threshold) for
  all ~296 LAs, timed in this process after one untimed warm-up run (what the CLI prints as
  "venues suggested in");
- *command*: ``python -m geo sites --per-la --k 5`` in a fresh interpreter (imports, the build
  and writing ``sites.csv``/``sites.json`` included), each run inside its own wrapper process
  for its peak resident memory.

Medians, next to :func:`benchmarks.harness.reference_seconds`. Missing national data or demo
extracts are made first, untimed. Writes ``benchmarks/results/national_sites.json``.

Target (issue 7): national per-LA siting <= 60 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_build import command_run, ensure_data  # noqa: E402
from benchmarks.harness import reference_seconds, timed, write_result  # noqa: E402

CONFIG = ROOT / "configs" / "england.toml"
K = 5
TARGET_S = 60.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 run, no warm-up")
    ap.add_argument("--runs", type=int, help="runs per measurement (default 5, --quick 1)")
    ap.add_argument("--config", default=str(CONFIG), help="study area (default configs/england.toml)")
    args = ap.parse_args(argv)
    runs = args.runs or (1 if args.quick else 5)
    warmup = 0 if args.quick else 1
    config_path = Path(args.config).resolve()

    from geo.build import run
    from geo.config import load_config
    from geo.sites import suggest_sites_per_la

    ref = reference_seconds()
    print(f"reference workload: {ref:.3f} s", flush=True)
    ensure_data(config_path)
    cfg = load_config(config_path)
    t0 = time.perf_counter()
    result = run(cfg)
    build_s = time.perf_counter() - t0
    n_venues = 0 if result.venues is None else len(result.venues)
    last = {}

    def siting():
        table, summaries = suggest_sites_per_la(result, k=K)
        last.update(table=table, summaries=summaries)

    sit = timed(siting, runs=runs, warmup=warmup)
    summaries = last["summaries"]
    n_la = len(summaries)
    n_opt = sum(bool(s["optimal"]) for s in summaries.values())
    n_cand = [s["n_candidates"] for s in summaries.values()]
    n_dem = [s["n_demand"] for s in summaries.values()]
    print(f"siting: {n_la} LAs ({n_opt} optimal), {len(last['table'])} venues, "
          f"{sit['median']:.2f} s (median of {runs}; {sit['times']})", flush=True)
    result = last = None  # free the build before the memory figure

    with tempfile.TemporaryDirectory(prefix="bench_sites_") as tmp:
        cmd = [sys.executable, "-m", "geo", "sites", "--config", str(config_path), "--per-la", "--k", str(K),
               "--out", str(Path(tmp) / "sites")]
        cmd_runs = [command_run(cmd) for _ in range(runs)]
    walls = [w for w, _ in cmd_runs]
    peaks = [m for _, m in cmd_runs]
    row = {
        "config": str(config_path.relative_to(ROOT)) if config_path.is_relative_to(ROOT) else str(config_path),
        "k": K, "minutes": cfg.travel.threshold_minutes, "mode": cfg.travel.mode,
        "lsoas": int(sum(n_dem)), "local_authorities": n_la, "solved_optimal": n_opt,
        "venues": n_venues,
        "candidates_per_la_median": statistics.median(n_cand), "candidates_per_la_max": max(n_cand),
        "build_seconds_once": build_s,
        "siting_seconds_median": sit["median"], "siting_seconds": sit["times"],
        "command_seconds_median": statistics.median(walls), "command_seconds": [round(w, 3) for w in walls],
        "peak_rss_mb_median": statistics.median(peaks), "peak_rss_mb": [round(m, 1) for m in peaks],
        "runs": runs, "target_s": TARGET_S,
    }
    row["siting_ratio"] = row["siting_seconds_median"] / ref
    row["command_ratio"] = row["command_seconds_median"] / ref
    row["meets_target"] = row["command_seconds_median"] <= TARGET_S
    print()
    print("| LAs (optimal) | candidates per LA (median / max) | siting s (median) | command s (median) | peak MB (median) | siting / reference |")
    print("|---|---|---|---|---|---|")
    print(f"| {n_la} ({n_opt}) | {row['candidates_per_la_median']:.0f} / {row['candidates_per_la_max']} "
          f"| {row['siting_seconds_median']:.2f} | {row['command_seconds_median']:.2f} | {row['peak_rss_mb_median']:.0f} "
          f"| {row['siting_ratio']:.1f} |")
    path = write_result("national_sites", {
        "quick": args.quick, "reference_seconds": ref, "reference_seconds_after": reference_seconds(),
        "timing": "siting: suggest_sites_per_la on one build, in process after a warm-up run; command: "
                  "`python -m geo sites --per-la` in a fresh interpreter (build included), peak RSS from a fresh "
                  "wrapper process per run; medians",
        "results": [row],
    })
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
