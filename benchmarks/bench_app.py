"""Benchmark: the Streamlit app on a study area (default: the bi-borough demo).

Usage::

    python benchmarks/bench_app.py                                   # bi-borough, 5 runs each
    python benchmarks/bench_app.py --config configs/leicestershire.toml --runs 3

Measured with ``streamlit.testing.v1.AppTest`` (the app's script run exactly as the server runs
it, without a browser), in one process so the server-side caches are shared as they are between
browser sessions:

- *cold first render*: the first session after start (load, validate, join, score, catchments,
  siting, map), once;
- *warm first render*: a new session once the caches are warm (what every later user sees);
- *rerun after a control change*: map layer, geography level, hub filter, number of venues, each
  changed from a settled page (new combinations, so nothing is served from a cache of that
  exact view, except what does not depend on the control);
- *map payload*: bytes of the map sent to the browser (streamlit-folium's script, HTML and
  header; Leaflet itself is served once from ``static/``).

Targets (issue 5): warm first render <= 3 s, rerun <= 0.5 s, payload <= 1.5 MB.
Writes ``benchmarks/results/app_<slug>.json``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import markdown_table, reference_seconds, write_result  # noqa: E402

TARGETS = {"warm_first_render_s": 3.0, "rerun_s": 0.5, "map_payload_mb": 1.5}


def _session(app_path: Path):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(app_path), default_timeout=600)


def _run(at) -> float:
    t0 = time.perf_counter()
    at.run()
    dt = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError([e.message for e in at.exception])
    return dt


def map_payload_bytes(config_path: Path) -> int:
    """Bytes sent to the map component for the default map view (script + HTML + header + the update)."""
    import streamlit_app as app
    from geo.app.scenario import Scenario, Selection, VenueChoice
    from geo.config import load_config

    cfg = load_config(config_path)
    data = app.data_key(str(config_path))
    scenario = Scenario.of(data, need=cfg.weights.need, engagement=cfg.weights.engagement, mode=cfg.travel.mode,
                           minutes=cfg.travel.threshold_minutes)
    venues = VenueChoice.of(k=5, types=app.views.venue_types(app.load_prepared(data)))
    args = app.map_component_args(scenario, venues, Selection.of(level="lsoa"), "priority", "")
    return sum(len((args.get(part) or "").encode()) for part in ("html", "header", "script", "feature_group"))


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default=str(ROOT / "config.toml"))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="3 runs")
    args = p.parse_args(argv)
    runs = 3 if args.quick else args.runs
    logging.disable(logging.WARNING)
    config = Path(args.config).resolve()
    os.environ["FAMILYHUB_CONFIG"] = str(config)
    app_path = ROOT / "streamlit_app.py"

    ref = reference_seconds()
    cold = _run(_session(app_path))
    warm = [_run(_session(app_path)) for _ in range(runs)]

    from geo.config import load_config

    cfg = load_config(config)
    rerun = rerun_times(app_path, config, runs)
    payload = map_payload_bytes(config)
    result = {
        "study_area": cfg.name,
        "reference_seconds": ref,
        "cold_first_render_s": cold,
        "warm_first_render_s": statistics.median(warm),
        "warm_first_render_times": [round(t, 3) for t in warm],
        "rerun_s": rerun,
        "rerun_worst_median_s": max(r["median"] for r in rerun.values()),
        "map_payload_mb": payload / 1e6,
        "ratios_to_reference": {
            "warm_first_render": statistics.median(warm) / ref,
            "rerun_worst_median": max(r["median"] for r in rerun.values()) / ref,
        },
        "targets": TARGETS,
    }
    path = write_result(f"app_{cfg.slug}", result)
    print(f"# App: {cfg.name}  (reference workload {ref:.3f} s)")
    rows = [("cold first render", f"{cold:.2f} s", "-"), ("warm first render", f"{statistics.median(warm):.2f} s", "<= 3 s")]
    rows += [(f"rerun after changing {name}", f"{r['median']:.2f} s", "<= 0.5 s") for name, r in rerun.items()]
    rows.append(("map payload", f"{payload / 1e6:.2f} MB", "<= 1.5 MB"))
    print(markdown_table(["measure", "median", "target"], rows))
    print(f"wrote {path}")
    return result


def rerun_times(app_path: Path, config: Path, runs: int) -> dict[str, dict]:
    """Seconds of a rerun after each control change, from a settled page: ``{control: median, runs, times}``."""
    from geo.app.controls import control_key

    at = _session(app_path)
    _run(at)
    import streamlit_app as app

    hubs = list(app.views.hub_names(app.load_prepared(app.data_key(str(config)))))
    hubs_key = control_key(config, "hubs")  # study-area controls are keyed per study area (issue 16)
    changes = {
        "map layer": [("selectbox", "layer", v) for v in ["need", "review take-up", "hub reach", "travel time", "priority"]],
        "geography level": [("radio", "level", v) for v in ["ward", "lsoa"] * 3][:runs],
        "hub filter": [("multiselect", hubs_key, [h]) for h in hubs[:runs]] or [],
        "number of venues k": [("slider", "k", v) for v in [3, 4, 6, 7, 8]],
    }
    rerun = {}
    for name, steps in changes.items():
        times = []
        for kind, key, value in steps[:runs]:
            widget = getattr(at, kind)(key=key)
            (widget.select(value) if kind == "selectbox" else widget.set_value(value))
            times.append(_run(at))
        at.multiselect(key=hubs_key).set_value([])
        at.slider(key="k").set_value(5)
        _run(at)
        if times:
            rerun[name] = {"median": statistics.median(times), "runs": len(times), "times": [round(t, 3) for t in times]}
    return rerun


if __name__ == "__main__":
    main()
