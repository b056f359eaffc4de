"""Benchmark: ``python -m geo build`` on the bi-borough demo and on all of England.

Usage::

    python benchmarks/bench_build.py              # both study areas, 5 runs each
    python benchmarks/bench_build.py --quick      # 1 run each
    python benchmarks/bench_build.py --only biborough --runs 3

For each study area:

- *build*: ``geo.build.run`` + ``geo.outputs.write`` (load, validate, join, score, catchments
  and every output: ``lsoa.csv``, ``wards.csv``, ``areas.gpkg`` with its catchments and gaps
  layers, ``reconciliation.json``) timed in this process after one untimed warm-up run, so
  imports are excluded; this is the figure the CLI prints as "built in".
- *command*: ``python -m geo build`` in a fresh interpreter (imports and exit included), each
  run inside its own wrapper process so :func:`benchmarks.harness.peak_rss_mb` reports the peak
  resident memory of that one command.

Medians of ``--runs`` runs, next to :func:`benchmarks.harness.reference_seconds` measured in
this process (ratios compare across machines). The national public data and SYNTHETIC extracts
are git-ignored; if missing they are made first (``geo fetch`` from the config's mirror and
``geo demo``), untimed. Writes ``benchmarks/results/build.json``.

Targets (issue 7): bi-borough build <= 2 s; national build <= 20 s with peak memory <= 4 GB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import reference_seconds, timed, write_result  # noqa: E402

AREAS = {"biborough": ROOT / "config.toml", "england": ROOT / "configs" / "england.toml"}
TARGETS = {"biborough": {"build_s": 2.0}, "england": {"build_s": 20.0, "peak_mb": 4096.0}}

# One command's wall time and peak memory, measured in a fresh wrapper interpreter: ru_maxrss of
# RUSAGE_CHILDREN is the largest child so far, so each measurement gets a parent of its own.
_CHILD = (
    "import json, sys; from benchmarks.harness import peak_rss_mb; "
    "print(json.dumps(peak_rss_mb(sys.argv[1:])))"
)


def command_run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of ``cmd`` run in a fresh wrapper process."""
    proc = subprocess.run([sys.executable, "-c", _CHILD, *cmd], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    wall, mb = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(wall), float(mb)


def ensure_data(config_path: Path) -> None:
    """Fetch the public data and write the demo extracts if they are missing (untimed)."""
    from geo.config import load_config
    from geo.sources import public_paths

    cfg = load_config(config_path)
    py = [sys.executable, "-m", "geo"]
    need_fetch = not all(p.exists() for k, p in public_paths(cfg).items() if k not in ("postcodes", "venues"))
    if need_fetch:
        mirror = cfg.mirror or ROOT.parent / "shared" / "data"
        print(f"  fetching public data for {cfg.slug} from {mirror} (untimed) ...", flush=True)
        subprocess.run(py + ["fetch", "--config", str(config_path), "--mirror", str(mirror)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    e = cfg.extracts
    demo = [p for p in (e.review_takeup, e.hub_attendance, e.hubs) if p is not None]
    if cfg.extracts.synthetic and (need_fetch or not all(p.exists() for p in demo)):
        print(f"  writing the SYNTHETIC demo extracts for {cfg.slug} (untimed) ...", flush=True)
        subprocess.run(py + ["demo", "--config", str(config_path)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def bench_area(slug: str, config_path: Path, runs: int, warmup: int) -> dict:
    from geo.build import run
    from geo.config import load_config
    from geo.outputs import write

    ensure_data(config_path)
    cfg = load_config(config_path)
    with tempfile.TemporaryDirectory(prefix=f"bench_build_{slug}_") as tmp:
        out = Path(tmp) / "inproc"
        result = run(cfg)
        sizes = {"lsoas": len(result.lsoa), "wards": len(result.wards),
                 "wards_derived": int(result.wards["ward_source"].str.startswith("derived").sum()),
                 "hubs": 0 if result.hubs is None else len(result.hubs),
                 "venues": 0 if result.venues is None else len(result.venues),
                 "local_authorities": int(result.lsoa["lad_code"].nunique())}
        del result
        build = timed(lambda: write(run(cfg), out), runs=runs, warmup=warmup)
        outputs = sorted(p.name for p in out.iterdir())
        cmd = [sys.executable, "-m", "geo", "build", "--config", str(config_path), "--out", str(Path(tmp) / "cmd")]
        cmd_runs = [command_run(cmd) for _ in range(runs)]
    walls = [w for w, _ in cmd_runs]
    peaks = [m for _, m in cmd_runs]
    row = {
        "study_area": slug, "config": str(config_path.relative_to(ROOT)), **sizes, "outputs": outputs,
        "build_seconds_median": build["median"], "build_seconds": build["times"],
        "command_seconds_median": statistics.median(walls), "command_seconds": [round(w, 3) for w in walls],
        "peak_rss_mb_median": statistics.median(peaks), "peak_rss_mb": [round(m, 1) for m in peaks],
        "runs": runs, "targets": TARGETS[slug],
    }
    print(f"{slug}: build {row['build_seconds_median']:.2f} s (median of {runs}; {build['times']}), "
          f"command {row['command_seconds_median']:.2f} s, peak {row['peak_rss_mb_median']:.0f} MB", flush=True)
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 run per study area, no warm-up")
    ap.add_argument("--runs", type=int, help="runs per measurement (default 5, --quick 1)")
    ap.add_argument("--only", choices=sorted(AREAS), action="append", help="study area(s) to run (default all)")
    args = ap.parse_args(argv)
    runs = args.runs or (1 if args.quick else 5)
    warmup = 0 if args.quick else 1

    ref = reference_seconds()
    print(f"reference workload: {ref:.3f} s", flush=True)
    rows = [bench_area(slug, AREAS[slug], runs, warmup) for slug in (args.only or AREAS)]
    ref_after = reference_seconds()
    for r in rows:
        r["build_ratio"] = r["build_seconds_median"] / ref
        r["command_ratio"] = r["command_seconds_median"] / ref
        t = r["targets"]
        r["meets_targets"] = r["build_seconds_median"] <= t["build_s"] and r["peak_rss_mb_median"] <= t.get("peak_mb", float("inf"))

    print()
    print("| study area | LSOAs | wards (derived) | venues | build s (median) | command s (median) | peak MB (median) | build / reference |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['study_area']} | {r['lsoas']:,} | {r['wards']:,} ({r['wards_derived']:,}) | {r['venues']:,} "
              f"| {r['build_seconds_median']:.2f} | {r['command_seconds_median']:.2f} | {r['peak_rss_mb_median']:.0f} "
              f"| {r['build_ratio']:.1f} |")
    path = write_result("build", {
        "quick": args.quick,
        "reference_seconds": ref, "reference_seconds_after": ref_after,
        "timing": "build: run()+write() in process after a warm-up run; command: `python -m geo build` in a fresh "
                  "interpreter (imports included), peak RSS from a fresh wrapper process per run; medians",
        "results": rows,
    })
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
