"""Run every ``benchmarks/bench_*.py``, each in its own interpreter (``make bench``).

Usage::

    python benchmarks/run_all.py             # every benchmark, full size
    python benchmarks/run_all.py --quick     # --quick passed to the benchmarks that have it
    python benchmarks/run_all.py build siting    # only bench_build.py and bench_siting.py

A benchmark supports ``--quick`` if its ``--help`` lists it. Each writes its own
``benchmarks/results/*.json``; this script prints a summary and exits non-zero if any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def benchmarks(names: list[str] | None = None) -> list[Path]:
    """The ``bench_*.py`` scripts of this folder (optionally only ``bench_<name>.py``), sorted."""
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
        missing = wanted - {p.stem.removeprefix("bench_") for p in found}
        if missing:
            raise SystemExit(f"no benchmark named {sorted(missing)}; have {[p.stem for p in found]}")
        found = [p for p in found if p.stem.removeprefix("bench_") in wanted]
    return found


def supports_quick(script: Path) -> bool:
    """Whether ``script --help`` lists a ``--quick`` option."""
    proc = subprocess.run([sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc.returncode == 0 and "--quick" in proc.stdout


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="pass --quick to every benchmark that supports it")
    ap.add_argument("names", nargs="*", help="run only these benchmarks (e.g. build national_sites)")
    args = ap.parse_args(argv)
    summary = []
    for script in benchmarks(args.names):
        cmd = [sys.executable, str(script)]
        if args.quick and supports_quick(script):
            cmd.append("--quick")
        print(f"=== {script.name} {' '.join(cmd[2:])}".rstrip(), flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, cwd=ROOT).returncode
        summary.append((script.name, rc, time.perf_counter() - t0))
        print(flush=True)
    print("=== summary")
    for name, rc, secs in summary:
        print(f"  {name}: {'ok' if rc == 0 else f'FAILED (exit {rc})'} in {secs:.0f} s")
    return 0 if all(rc == 0 for _, rc, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
