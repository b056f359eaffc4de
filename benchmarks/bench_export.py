"""Benchmark: the ILT pack export (``python -m geo export``).

Usage::

    python benchmarks/bench_export.py                                        # bi-borough, 5 runs
    python benchmarks/bench_export.py --config configs/leicestershire.toml   # 21 hubs
    python benchmarks/bench_export.py --runs 3 --dpi 150

Three timings, each the median of ``--runs`` runs (see :func:`benchmarks.harness.timed`):

- ``cli``: the whole command in a fresh interpreter (imports, build, export), as a user runs it;
- ``build``: :func:`geo.build.run` in this process;
- ``export``: :func:`geo.export.pack.export_pack` on that build (its helper process included).

Each is also given as a ratio to :func:`benchmarks.harness.reference_seconds`, a fixed
workload timed in the same process, so that results from different machines compare. The
study area's results are written under its slug in ``benchmarks/results/export.json`` (other
study areas' results in the file are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import RESULTS, machine, reference_seconds, timed  # noqa: E402

DATE = "2026-01-05"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "config.toml"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--k", type=int, default=5)
    args = ap.parse_args(argv)

    from geo.build import run
    from geo.config import load_config
    from geo.export.pack import export_pack

    config = load_config(args.config)
    ref = reference_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        cmd = [sys.executable, "-m", "geo", "export", "--config", str(config.path), "--out", str(out / "cli"),
               "--dpi", str(args.dpi), "--k", str(args.k), "--date", DATE]

        def cli():
            subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)

        t_cli = timed(cli, runs=args.runs)
        print(f"cli    median {t_cli['median']:.2f} s  {t_cli['times']}", flush=True)
        holder = {}

        def build():
            holder["result"] = run(config)

        t_build = timed(build, runs=args.runs)
        print(f"build  median {t_build['median']:.2f} s  {t_build['times']}", flush=True)
        date = dt.date.fromisoformat(DATE)

        def export():
            holder["export"] = export_pack(holder["result"], out / "api", k=args.k, dpi=args.dpi, generated=date, progress=False)

        t_export = timed(export, runs=args.runs)
        print(f"export median {t_export['median']:.2f} s  {t_export['times']}", flush=True)
        res = holder["export"]
        pages = len(res.pages)
        pdf_bytes = (out / "api" / "pack.pdf").stat().st_size
        steps = {k: round(v, 3) for k, v in res.timings.items()}

    entry = {
        "config": str(Path(config.path).relative_to(ROOT)) if Path(config.path).is_relative_to(ROOT) else str(config.path),
        "study_area": config.name, "hubs": len(res.hub_ids), "lsoas": len(holder["result"].lsoa), "pages": pages,
        "dpi": args.dpi, "k": args.k, "pdf_bytes": pdf_bytes, "runs": args.runs,
        "reference_seconds": round(ref, 4),
        "cli": t_cli, "build": t_build, "export": t_export,
        "cli_ratio": round(t_cli["median"] / ref, 2), "build_ratio": round(t_build["median"] / ref, 2),
        "export_ratio": round(t_export["median"] / ref, 2),
        "export_steps_last_run": steps,
        "measured": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path = RESULTS / "export.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data.setdefault("benchmark", "export")
    data["machine"] = machine()
    data["timing"] = ("median of N runs: cli = `python -m geo export` in a fresh interpreter (imports, build, export); "
                      "build = geo.build.run; export = geo.export.pack.export_pack on that build")
    data.setdefault("results", {})[config.slug] = entry
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=float) + "\n")
    print(f"{config.name}: {pages} pages, {len(res.hub_ids)} hubs; cli {t_cli['median']:.1f} s (x{entry['cli_ratio']} "
          f"reference), build {t_build['median']:.1f} s, export {t_export['median']:.1f} s; reference {ref:.2f} s")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
