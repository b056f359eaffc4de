"""Shared benchmark harness: medians, peak memory and a machine-speed reference run.

Every benchmark in this folder times its workload with :func:`timed` (median of N runs) and
reports it next to :func:`reference_seconds`, a fixed pandas/numpy/shapely workload timed in the
same process, so results from different machines compare as ratios. Peak memory of a whole
command is measured with :func:`peak_rss_mb` in a child process (``ru_maxrss``).

Results are written as JSON to ``benchmarks/results/<name>.json`` by :func:`write_result`.

Examples
--------
>>> from benchmarks.harness import timed, reference_seconds
>>> t = timed(lambda: sum(range(1000)), runs=3)
>>> t["runs"]
3
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def timed(fn: Callable[[], object], runs: int = 5, warmup: int = 0) -> dict:
    """Wall time of ``fn()`` over ``runs`` runs (after ``warmup`` untimed runs).

    Returns
    -------
    dict
        ``median``, ``min``, ``max`` (seconds), ``runs`` and ``times``.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": runs,
            "times": [round(t, 4) for t in times]}


def reference_seconds(runs: int = 5) -> float:
    """Median time of a fixed reference workload (sort, groupby, geometry) in this process.

    Dividing a benchmark's median by this gives a ratio that is comparable across machines.
    """
    import pandas as pd
    import shapely

    rng = np.random.default_rng(0)
    x = rng.random(2_000_000)
    df = pd.DataFrame({"k": rng.integers(0, 10_000, 1_000_000), "v": rng.random(1_000_000)})
    pts = shapely.points(rng.random((50_000, 2)) * 1000)

    def work():
        np.sort(x)
        df.groupby("k")["v"].agg(["sum", "mean"])
        shapely.buffer(pts[:10_000], 5.0, quad_segs=4)
        shapely.STRtree(pts).query(shapely.buffer(pts[:2_000], 10.0), predicate="intersects")

    return timed(work, runs=runs, warmup=1)["median"]


def peak_rss_mb(cmd: list[str], cwd: Path = ROOT, env: dict | None = None) -> tuple[float, float]:
    """Run ``cmd`` in a child process; return (wall seconds, peak resident memory in MB).

    Raises ``subprocess.CalledProcessError`` if the command fails.
    """
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd, proc.stdout, proc.stderr)
    # ru_maxrss of the largest child waited for so far (kB on Linux); run each command in a fresh
    # interpreter (see run_all.py) so the figure belongs to this command alone.
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, rss_kb / 1024.0


def machine() -> dict:
    """The machine a result was measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb, "python": platform.python_version(),
            "platform": platform.platform()}


def markdown_table(header: list[str], rows: list[tuple]) -> str:
    """A Markdown table of ``rows`` (cells as given, turned into text) under ``header``.

    Examples
    --------
    >>> print(markdown_table(["measure", "median"], [("rerun", "0.31 s")]))
    | measure | median |
    |---|---|
    | rerun | 0.31 s |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_result(name: str, payload: dict) -> Path:
    """Write ``payload`` (plus the machine) to ``benchmarks/results/<name>.json``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "machine": machine(), **payload}
    path.write_text(json.dumps(payload, indent=2, default=float) + "\n")
    return path


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps({"reference_seconds": reference_seconds(), "machine": machine()}, indent=2))
    sys.exit(0)
